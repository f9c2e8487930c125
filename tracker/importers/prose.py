"""Presidential actions (prose) into actions.

An executive order (or a memorandum written like one) is a preamble and
numbered sections ("Section 1." / "Sec. 2."); each section is one action,
its heading ("Policy.") the section. Documents without numbered sections
(proclamations, most memoranda, letters, notices) give one action per
paragraph. Legal boilerplate is kept, flagged `is_boilerplate`: the "By the
authority vested in me" preamble, "General Provisions" sections, "IN WITNESS
WHEREOF", signature and address blocks in capitals, "THE WHITE HOUSE," and
its date, salutations.
"""

import re

from .document_parser import (
    HEADING_TAGS,
    LETTER_OR_DIGIT,
    LIST_TAGS,
    ActionExtractor,
    ParsedAction,
    clean_text,
)

# Leading spaces (and no-break spaces) would make Python-Markdown read an indented
# paragraph as a code block; prose has no code, so every line is dedented first.
INDENT = re.compile(r"^[ \t\xa0]+", re.MULTILINE)
SECTION_START = re.compile(
    r"^[*_\s]*(?:Section|Sec\.?)\s*(\d+[A-Za-z]?)\s*\.[*_\s]*(.*)$", re.DOTALL
)
# "* *" is an empty emphasis. (Bold with a space inside its delimiters, "**Sec. 6.  General
# Provisions. **", is read as bold by the parser they share: `tighten_loose_strong`.)
EMPTY_EMPHASIS = re.compile(r"(?<!\*)\*[ \t]\*(?!\*)")
HEADING = re.compile(r"^(.{1,160}?)\.(?:\s|$)")
SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the"}
SMALL_WORDS |= {"to", "with", "into", "under", "upon", "its", "than", "via", "vs", "over"}
SMALL_WORDS |= {"about", "across", "against", "among", "between", "through", "within", "not"}
GENERAL_PROVISIONS = re.compile(r"^general provisions?$", re.IGNORECASE)
NOTHING_IN_THIS = re.compile(
    r"^(\(a\)\s*)?nothing in this (order|memorandum|proclamation) shall be construed",
    re.IGNORECASE,
)
BOILERPLATE_PARAGRAPH = re.compile(
    r"^(by the authority vested in me\b|in witness whereof\b|the white house\b|subject:"
    r"|memorandum for\b|sincerely,?$|executive order\s+(no\.\s*)?\d+\.?$"
    r"|presidential determination(\s+no\.\s*[\d-]+)?\.?$|\d{1,2}/\d{1,2}/\d{2,4}\.?$"
    r"|(january|february|march|april|may|june|july|august|september|october|november|december)"
    r"\s+\d{1,2},\s+\d{4}\.?$|\S{0,60}download$)",
    re.IGNORECASE,
)
SALUTATION = re.compile(r"^dear\b[^.]{0,80}[:,]$", re.IGNORECASE)
MAX_CAPITALS_WORDS = 25
# The share of a section heading's words in title case (or small words).
HEADING_SHARE = 0.8


# Some pages mark paragraphs only by a hard line break and an indented next line.
# Started only where a run of blanks starts, as `document_parser.LINK_TEXT_BREAK`.
INDENTED_AFTER_BREAK = re.compile(r"(?<![ \t\xa0])[ \t\xa0]{2,}\n(?=[ \t\xa0]{2,}\S)")
# ... but a memorandum's subject is one line broken that way ("SUBJECT: Delegation of
# Authority Under Section 506(a)(1)  \n      of the Foreign Assistance Act of 1961").
SUBJECT_LINES = re.compile(
    r"^[ \t\xa0]*[*_]*SUBJECT:(?:[^\n]*\S)?(?:[ \t\xa0]{2,}\n[ \t\xa0]{2,}\S(?:[^\n]*\S)?)+",
    re.MULTILINE,
)
# Other pages give each of its lines a paragraph: the short one-line paragraphs after a
# SUBJECT line that does not end a sentence, each without a sentence's end, are joined to it.
BLANK_LINE = r"[ \t\xa0]*\n[ \t\xa0]*\n"
SUBJECT_PARAGRAPHS = re.compile(
    rf"^[ \t\xa0]*[*_]*SUBJECT:[^\n]*[^\s.:;]"
    rf"(?:{BLANK_LINE}[ \t\xa0]*\S(?:[^\n]{{0,98}}[^\s.:;])?(?={BLANK_LINE}))+",
    re.MULTILINE,
)
PARAGRAPH_BREAK = re.compile(rf"{BLANK_LINE}[ \t\xa0]*")
# A determination's number is its own paragraph under its header: "Presidential
# Determination  \n  \nNo. 2024-06". They are one header line.
DETERMINATION_NUMBER = re.compile(
    r"^([ \t\xa0]*Presidential Determination)[ \t\xa0]*\n[ \t\xa0]*\n(?=[ \t\xa0]*No\.)",
    re.MULTILINE | re.IGNORECASE,
)


def _one_line(match):
    return INDENTED_AFTER_BREAK.sub(" ", match[0])


def _one_paragraph(match):
    return PARAGRAPH_BREAK.sub(" ", match[0])


def dedent(body):
    body = SUBJECT_PARAGRAPHS.sub(_one_paragraph, SUBJECT_LINES.sub(_one_line, body))
    body = DETERMINATION_NUMBER.sub(r"\1 ", body)
    body = INDENTED_AFTER_BREAK.sub("\n\n", body)
    return EMPTY_EMPHASIS.sub(" ", INDENT.sub("", body))


def is_section_heading(text):
    """A short phrase in title case ("Policy", "Task Force Functions"), not a sentence."""
    words = re.findall(r"[A-Za-z][\w’'-]*", text)
    if not words or len(words) > 16 or text.startswith(("(", "“", '"')) or words[0].islower():
        return False
    titled = sum(word[0].isupper() or word.lower() in SMALL_WORDS for word in words)
    return titled >= HEADING_SHARE * len(words)


def is_boilerplate_paragraph(text):
    if BOILERPLATE_PARAGRAPH.match(text) or SALUTATION.match(text):
        return True
    letters = re.sub(r"[^A-Za-z]", "", text)
    # Capitals only: signatures ("JOSEPH R. BIDEN JR."), "A PROCLAMATION", "MEMORANDUM FOR ...".
    return bool(letters) and letters.isupper() and len(text.split()) <= MAX_CAPITALS_WORDS


class ProseExtractor(ActionExtractor):
    def extract(self, body):
        self.md.reset()
        self.md.convert(dedent(body))
        self.section, self.carried_subheading = "", ""
        self.blocks = []
        for element in self.md.captured_tree:
            self._prose_block(element)
        return group_sections(self.blocks)

    def _prose_block(self, element):
        if element.tag in {"p", "li"} | HEADING_TAGS:
            text = self._text(element)
            if LETTER_OR_DIGIT.search(text):
                self.blocks.append(self._action(element, subheading="", lead_in=""))
            for child in element:
                if child.tag in LIST_TAGS:
                    self._prose_block(child)
        elif element.tag in LIST_TAGS | {"blockquote", "div"}:
            for child in element:
                self._prose_block(child)
        elif element.tag == "pre":
            text = clean_text("".join(element.itertext()))
            if text:
                self.blocks.append(ParsedAction("", "", "", text, text, False))


def group_sections(blocks):
    """Numbered sections become one action each; other paragraphs stay one action each."""
    starts = [i for i, block in enumerate(blocks) if SECTION_START.match(block.text)]
    if not starts:
        for block in blocks:
            block.is_boilerplate = is_boilerplate_paragraph(block.text)
        return blocks
    actions = []
    for block in blocks[: starts[0]]:
        block.is_boilerplate = is_boilerplate_paragraph(block.text)
        actions.append(block)
    ends = [*starts[1:], len(blocks)]
    for start, end in zip(starts, ends, strict=True):
        body = blocks[start:end]
        # The signature block and what follows close the last section.
        tail = next(
            (i for i, block in enumerate(body) if i and is_boilerplate_paragraph(block.text)),
            len(body),
        )
        actions.append(_section_action(body[:tail]))
        for block in body[tail:]:
            block.is_boilerplate = is_boilerplate_paragraph(block.text) or block.is_boilerplate
            actions.append(block)
    return actions


def _section_action(blocks):
    first = blocks[0]
    rest = SECTION_START.match(first.text)[2]
    heading = HEADING.match(rest)
    section = heading[1].strip(" *_") if heading and is_section_heading(heading[1]) else ""
    after_heading = rest[heading.end() :].lstrip() if section else rest
    boilerplate = bool(GENERAL_PROVISIONS.match(section)) or bool(
        NOTHING_IN_THIS.match(after_heading)
    )
    return ParsedAction(
        section=section[:300],
        subheading="",
        lead_in="",
        text=clean_text(" ".join(block.text for block in blocks)),
        markdown="\n\n".join(block.markdown for block in blocks),
        has_local_links=any(block.has_local_links for block in blocks),
        is_boilerplate=boilerplate,
    )
