"""Read the essay: a text extracted from a PDF, with its page furniture undone.

The extraction has pages that start with a space, footnotes at the foot of each
page, footnote markers glued to words ("health,1 and"), words hyphenated across
lines ("com-\\npetition"), words run together ("theUnited"), and a blank line
after the first line of most paragraphs. `parse_essay` turns that into
headed paragraphs of clean text and a separate list of footnotes.
"""

import re
from dataclasses import dataclass, field

from .errors import SourceError

LINE_WIDTH_SHARE_ENDING_PARAGRAPH = 0.85
PARAGRAPH_END = tuple(".:?!”’)")
MAX_HEADING_WORDS = 6
SUBHEADING = re.compile(r"^(?P<name>[A-Z][\w.’' -]{2,60}?):\s+(?=[A-Z])")
MAX_SUBHEADING_WORDS = 6


@dataclass
class Paragraph:
    section: str
    subsection: str
    text: str


@dataclass
class Essay:
    paragraphs: list[Paragraph] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)

    @property
    def headings(self):
        return list(dict.fromkeys(p.section for p in self.paragraphs if p.section))

    @property
    def flowing_text(self):
        return " ".join(paragraph.text for paragraph in self.paragraphs)

    def paragraph_at(self, offset):
        """The paragraph holding the character at `offset` of `flowing_text`."""
        end = -1
        for paragraph in self.paragraphs:
            end += len(paragraph.text) + 1
            if offset < end:
                return paragraph
        raise IndexError(offset)

    @property
    def body(self):
        """Paragraphs as plain text, a heading line before each new section."""
        chunks, section = [], None
        for paragraph in self.paragraphs:
            if paragraph.section != section:
                section = paragraph.section
                chunks.append(f"## {section}")
            chunks.append(paragraph.text)
        return "\n\n".join(chunks)


def normalise(text, repairs=None, keep_hyphens=()):
    """Join line-break hyphenation, collapse white space, apply the listed repairs.

    The same function is applied to the essay and to every quote, so a quote
    copied from either the raw file or the repaired text is found.
    """
    text = re.sub(r"\s+", " ", _join_hyphenated(text, keep_hyphens)).strip()
    for wrong, right in (repairs or {}).items():
        text = text.replace(wrong, right)
    return text


def _join_hyphenated(text, keep_hyphens):
    """Undo hyphenation at line ends, but keep the real compounds listed in `keep_hyphens`."""

    def join(match):
        compound = f"{match['left']}-{match['right']}"
        glue = "-" if compound in keep_hyphens else ""
        return f"{match['left']}{glue}{match['right']}"

    text = re.sub(r"(?P<left>\w+)-[ \t]*\n\s*(?P<right>[a-z]\w*)", join, text)
    # An initialism broken across lines: "U.\nS." is "U.S.".
    return re.sub(
        r"\b(?P<first>[A-Z])\.\s*\n\s*(?P<second>[A-Z])\.", r"\g<first>.\g<second>.", text
    )


def _split_pages(lines):
    page = []
    for line in lines:
        if line.startswith(" ") and page:
            yield page
            page = []
        page.append(line.rstrip())
    if page:
        yield page


def parse_essay(raw, *, name, repairs=None, keep_hyphens=()):
    """Return the `Essay` in `raw` text; `name` identifies the file in errors."""
    if not raw.strip():
        raise SourceError(name, "the essay is empty")
    lines = raw.replace("\r\n", "\n").split("\n")

    body_lines, footnotes = [], []
    for page in _split_pages(lines):
        in_footnotes = False
        for line in page:
            marker = re.match(r"^(\d+) (?=\S)", line)
            if marker and int(marker[1]) == len(footnotes) + 1:
                in_footnotes = True
                footnotes.append(line[marker.end() :])
            elif in_footnotes:
                if line.strip():
                    footnotes[-1] += "\n" + line
            else:
                body_lines.append(line.strip())
    footnotes = [normalise(note, repairs, keep_hyphens) for note in footnotes]

    body_lines = _remove_footnote_markers(body_lines, len(footnotes), name)
    width = max(len(line) for line in body_lines)
    essay = Essay(footnotes=footnotes)
    section, subsection, current = "", "", []

    def close_paragraph():
        nonlocal subsection
        if not current:
            return
        text = normalise("\n".join(current), repairs, keep_hyphens)
        found = SUBHEADING.match(text)
        if found and len(found["name"].split()) <= MAX_SUBHEADING_WORDS and section:
            subsection = found["name"]
            text = text[found.end() :]
        essay.paragraphs.append(Paragraph(section, subsection, text))
        current.clear()

    for index, line in enumerate(body_lines):
        if not line:
            continue
        if _is_heading(line, body_lines, index) and not current:
            section, subsection = line, ""
            continue
        if _starts_paragraph(body_lines, index):
            close_paragraph()
        current.append(line)
        if line.endswith(PARAGRAPH_END) and len(line) < width * LINE_WIDTH_SHARE_ENDING_PARAGRAPH:
            close_paragraph()
    close_paragraph()
    if not essay.paragraphs:
        raise SourceError(name, "no paragraphs found in the essay")
    return essay


def _is_heading(line, lines, index):
    following = lines[index + 1] if index + 1 < len(lines) else ""
    return (
        not following
        and len(line.split()) <= MAX_HEADING_WORDS
        and line[0].isupper()
        and not line.endswith(PARAGRAPH_END + tuple(",;"))
    )


def _starts_paragraph(lines, index):
    """The extraction puts a blank line after the first line of a paragraph.

    A line is such a first line when a sentence ended just before it and a
    blank line, then more text that is not a heading, follow it.
    """
    previous = lines[index - 1] if index else ""
    following = lines[index + 1 : index + 3]
    return (
        (not previous or previous.endswith(PARAGRAPH_END))
        and len(following) == 2
        and not following[0]
        and bool(following[1])
        and not _is_heading(following[1], lines, index + 2)
    )


def _remove_footnote_markers(lines, count, name):
    """Remove the markers 1..count from the body, each the first match after the previous."""
    text = "\n".join(lines)
    position = 0
    for number in range(1, count + 1):
        marker = re.compile(rf"(?<=[A-Za-z.,;:”’)]){number}(?![\d])")
        found = marker.search(text, position)
        if not found:
            raise SourceError(name, f"footnote {number} has no marker in the text")
        text = text[: found.start()] + text[found.end() :]
        position = found.start()
    return text.split("\n")


def find_quote(essay, quote, repairs=None, keep_hyphens=()):
    """Return (offset in the essay's flowing text or -1, the quote normalised)."""
    wanted = normalise(quote, repairs, keep_hyphens)
    return essay.flowing_text.find(wanted), wanted
