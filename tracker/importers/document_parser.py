"""Read White House fact sheets (pandoc Markdown with YAML front matter) into actions.

The body is parsed by the `markdown` package; a tree processor walks the
element tree it builds. A paragraph that is only bold, italic or underlined
text is a section heading; each list item is an action; a list item that is
only a bold lead-in heads the items after it; a fact sheet without lists
yields its paragraphs as actions.
"""

import datetime
import hashlib
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin

import markdown
import yaml
from django.utils.text import slugify
from markdown.util import AMP_SUBSTITUTE, HTML_PLACEHOLDER, AtomicString

from . import kinds
from .errors import SourceError

PLACEHOLDER = re.compile(HTML_PLACEHOLDER.replace("%s", r"(\d+)"))
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\xad"))
EMPHASIS_TAGS = {"strong", "b", "em", "i"}
LIST_TAGS = {"ul", "ol"}
HEADING_TAGS = {f"h{level}" for level in range(1, 7)}
MAX_HEADING_LENGTH = 300
# A paragraph this short ending in ":" introduces the list after it; it is not an action.
MAX_LIST_INTRO = 200
LOCAL_PATH = re.compile(r"^(file:|/Users/|/home/|[A-Za-z]:[\\/])|/AppData/", re.IGNORECASE)
END_MARK = re.compile(r"^[#*\s\\]*$")
# A paragraph or item with no letter or digit ("\\_\\_", "* *") is markup, not an action.
LETTER_OR_DIGIT = re.compile(r"[^\W_]")
# Pandoc ends a link's text with a hard line break and a blank line when the page did
# ("[*www.example.gov  \n  \n*](http://...)"): Markdown then reads two paragraphs, the
# second starting "*](http://...)". A line can start "](" only inside a link, so the
# blank line is removed before block parsing.
# A match starts only where a run of blanks starts: from inside one, each start would scan
# the rest of the run again (quadratic in a long run).
LINK_TEXT_BREAK = re.compile(r"(?<![ \t])[ \t]*\n[ \t]*\n(?=[ \t]*[*_]*\]\()")
# A link's address and what follows it up to the next blank: pandoc writes an address's
# parentheses as they are, and a text fragment's often open one they never close
# ("#:~:text=Counsel%20(RTC,in%20Chicago.)."), which Markdown (as CommonMark) then
# does not read as a link: its raw "[text](address)" would be the action's text.
LINK_DESTINATION = re.compile(r"\]\((?=[^\s<])(\S*)")
# "###", the press release's end mark, on a line of its own or after a link: glued to
# the paragraph or list item before it otherwise.
END_MARK_LINE = re.compile(r"(?:^|(?<=[\s)*_]))\\?###[ \t]*$", re.MULTILINE)
# Runs of two or more asterisks left after inline parsing are delimiters Markdown could
# not pair ("Homes. ** **", "Sec. 3.** **Council"): markup, never text.
STRAY_STRONG = re.compile(r"\*{2,}")
HTML_DOCUMENT = re.compile(r"^\s*(<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])", re.I)
PUBLISHER = "The White House"
# The version of this parser, stored on each document it reads (`Document.parser_version`).
# Raise it whenever a change to parsing changes what a file yields (its title, kind, actions,
# their texts, lead-ins or sections): the next import, or `seed`, then reads every unchanged
# file stored by another version again. 0 is the documents read before versions were recorded.
# 1: bold written with a space inside its delimiters is read as bold.
# 2: link text split by a blank line rejoined, "###" end marks, stray "**" and blocks with
#    no letter or digit dropped; a memorandum's SUBJECT lines and determination number joined.
# 3: a link whose address opens a parenthesis it never closes read as a link; an address's
#    parentheses written as %28 and %29 in an action's Markdown.
PARSER_VERSION = 3
# Document.slug's length: a longer file name is cut to it.
SLUG_LENGTH = 200
# Bounds on one file, so one bad file cannot stall an import or a page.
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ACTIONS = 2000
# Python-Markdown's inline parsing scans from each delimiter ("[", "*", "<", "(" ...) up to
# the end of its paragraph: its time grows with delimiters times length. A paragraph or item
# over this budget is kept as plain text (its markup not parsed), as is every one after the
# file's budget is spent. Real items (a few links and some bold in 3,000 characters) stay
# far below both.
MAX_INLINE_WORK = 500_000
MAX_FILE_INLINE_WORK = 20_000_000
INLINE_DELIMITERS = re.compile(r"[\[(*_`<&\\!]")
# Its raw HTML reader scans from each "<" of a tag that never closes to the end of the
# file: such a "<" is written as an entity, and stays text.
UNCLOSED_TAG = re.compile(r"<(?=[A-Za-z/!?])(?![^<>]*>)")
# Its list and quote parsers recurse on each level: deeper nesting is refused.
MAX_NESTING = 20
LIST_OR_QUOTE_LINE = re.compile(r"^([ \t>]*)(?:[-*+]|\d{1,9}[.)])?(?=[ \t]|$)")
# Pandoc wrote many bold headings with a space inside a delimiter ("**Heading **Text",
# "** Heading**"), which Markdown does not read as bold (a closing "**" must follow a
# non-space, an opening one precede one). In a block's text, before inline parsing, the
# space is moved outside the delimiters (`tighten_loose_strong`). The run holds no
# delimiter of its kind and no blank line, and a block with code is left alone. After a
# letter, an opening delimiter is taken only tight against punctuation ("Practices**. **(a)");
# before a letter, a closing one only with a space to move out: otherwise two words would
# be joined ("foo**bar **", "** foo**bar"). After an odd number of runs of its mark, a
# delimiter closes one of them ("***Lead*. more** text **").
LOOSE_STRONG = {
    mark: re.compile(
        rf"(?<![{mark}\\])(?P<mark>{mark}{{2,3}})(?P<lead>\s*)"
        rf"(?P<body>[^\s{mark}`](?:[^{mark}`]*?[^\s{mark}`])?)(?P<trail>\s*)(?P=mark)(?!{mark})"
    )
    for mark in (r"\*", "_")
}
DELIMITER_RUNS = {mark: re.compile(rf"{mark}{{2,}}") for mark in LOOSE_STRONG}
WORD = re.compile(r"\w")


@dataclass
class ParsedAction:
    section: str
    subheading: str
    lead_in: str
    text: str
    markdown: str
    has_local_links: bool
    key: str = ""
    is_boilerplate: bool = False


@dataclass
class ParsedFactSheet:
    path: Path
    slug: str
    title: str
    published: datetime.date
    url: str
    tags: str
    checksum: str
    actions: list[ParsedAction] = field(default_factory=list)
    kind: str = "factsheet"
    subtype: str = ""
    executive_order_number: int | None = None
    published_time: object = None
    needs_review: str = ""
    content_hash: str = ""


def clean_text(text):
    return re.sub(r"\s+", " ", text.translate(INVISIBLE).replace("\xa0", " ")).strip()


def action_key(text):
    """Identity of an action inside its fact sheet: its words, ignoring case and punctuation."""
    words = re.sub(r"[\W_]+", " ", text.lower()).strip()
    return hashlib.sha1(words.encode()).hexdigest()


def page_name(path):
    """The page a file holds by its name: the name the scrape gave it, its address's last part."""
    return slugify(unquote(Path(path).stem))


def slug_for(path):
    return page_name(path)[:SLUG_LENGTH]


def distinct_slug(path):
    """A slug for the page at `path` apart from another page's whose name is the same up to
    the slug's length: the name cut shorter, then a digest of the whole name."""
    digest = hashlib.sha256(page_name(path).encode()).hexdigest()[:8]
    return f"{page_name(path)[: SLUG_LENGTH - len(digest) - 1].rstrip('-')}-{digest}"


def file_checksum(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_source(path):
    """Return (text, checksum) of `path`, refusing binary and non-UTF-8 files."""
    size = Path(path).stat().st_size
    if size > MAX_FILE_BYTES:
        raise SourceError(path, f"file too large ({size:,} bytes; at most {MAX_FILE_BYTES:,})", 1)
    data = Path(path).read_bytes()
    checksum = hashlib.sha256(data).hexdigest()
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise SourceError(path, "binary file (NUL byte), not Markdown text", line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SourceError(
            path, f"not UTF-8 text (byte 0x{data[error.start]:02x} cannot be decoded)", line
        ) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n"), checksum


def split_front_matter(text, path):
    """Return (metadata dict, body, line number where the body starts)."""
    if HTML_DOCUMENT.match(text):
        raise SourceError(path, "an HTML page, not a Markdown fact sheet", 1)
    if not text.startswith("---\n"):
        raise SourceError(path, "no YAML front matter (the file must start with '---')", 1)
    end = re.search(r"^(---|\.\.\.)[ \t]*$", text[4:], re.MULTILINE)
    if not end:
        raise SourceError(path, "the front matter is not closed by a '---' line", 1)
    front, body = text[4 : 4 + end.start()], text[4 + end.end() :]
    try:
        _refuse_aliases(front, path)
        meta = yaml.safe_load(front)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise SourceError(path, f"malformed front matter: {problem}", line) from None
    except (ValueError, TypeError, OverflowError) as error:
        # YAML reads "2024-13-45" as a date and fails outside its own error types.
        raise SourceError(path, f"malformed front matter: {error}", 2) from None
    if not isinstance(meta, dict):
        raise SourceError(path, "the front matter is not a mapping of keys to values", 2)
    for key, value in meta.items():
        plain = isinstance(value, str | int | float | bool | datetime.date) or value is None
        if key != "tags" and not plain:
            raise SourceError(
                path,
                f"front matter field {key!r} is not a plain value",
                _front_matter_line(text, str(key)),
            )
    return meta, body, front.count("\n") + 3


def _refuse_aliases(front, path):
    """YAML anchors and aliases can expand a few bytes into gigabytes: front matter has none."""
    for token in yaml.scan(front, Loader=yaml.SafeLoader):
        if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
            raise SourceError(
                path,
                "front matter uses a YAML anchor or alias (&, *): not allowed",
                token.start_mark.line + 2,
            )


def _front_matter_line(text, key):
    found = re.search(rf"^{re.escape(key)}\s*:", text, re.MULTILINE)
    return text[: found.start()].count("\n") + 1 if found else 1


def read_metadata(meta, text, path):
    title = clean_text(str(meta.get("title") or ""))
    if not title:
        raise SourceError(path, "the front matter has no title", _front_matter_line(text, "title"))
    published = meta.get("date")
    if isinstance(published, datetime.datetime):
        published = published.date()
    if isinstance(published, str):
        try:
            published = datetime.date.fromisoformat(published.strip()[:10])
        except ValueError:
            published = None
    if not isinstance(published, datetime.date):
        raise SourceError(
            path,
            "the front matter has no valid date (YYYY-MM-DD)",
            _front_matter_line(text, "date"),
        )
    url = str(meta.get("source_url") or "").strip()
    if url and not url.startswith(("https://", "http://")):
        raise SourceError(
            path,
            f"source_url is not a web address: {url[:80]!r}",
            _front_matter_line(text, "source_url"),
        )
    tags = meta.get("tags") or ""
    if isinstance(tags, list):
        tags = ", ".join(map(str, tags))
    return title, published, url, clean_text(str(tags))


def parse_factsheet(path):
    """Parse the document (fact sheet or presidential action) at `path`.

    Raise `SourceError` naming the file and line.
    """
    from .prose import ProseExtractor

    path = Path(path)
    text, checksum = read_source(path)
    meta, body, body_line = split_front_matter(text, path)
    title, published, url, tags = read_metadata(meta, text, path)
    if not body.strip():
        raise SourceError(path, "the body is empty", body_line)
    if HTML_DOCUMENT.match(body):
        raise SourceError(path, "the body is an HTML page, not Markdown", body_line)
    needs_review = kinds.title_disagreement(path.stem, title, body)
    # Titles are the truth about a file's content; a file name that disagrees is not.
    slug = (
        slugify(f"{published.isoformat()} {title}")[:SLUG_LENGTH]
        if needs_review
        else slug_for(path)
    )
    if not slug:
        raise SourceError(path, "the file name gives no usable slug")
    kind = kinds.document_kind(tags, title)
    if kind == kinds.Kind.PRESIDENTIAL_ACTION:
        subtype = kinds.subtype(title, body)
        number = (
            kinds.executive_order_number(title, body)
            if subtype == kinds.Subtype.EXECUTIVE_ORDER
            else None
        )
        actions = ProseExtractor(base_url=url).extract(_bounded(body, path, body_line))
    else:
        subtype, number = "", None
        actions = ActionExtractor(base_url=url).extract(_bounded(body, path, body_line))
    if len(actions) > MAX_ACTIONS:
        raise SourceError(path, f"too many actions ({len(actions):,}; at most {MAX_ACTIONS:,})")
    if not actions:
        raise SourceError(
            path, "no actions found: the body has no list items or paragraphs", body_line
        )
    seen = {}
    for action in actions:
        key = action_key(action.text)
        seen[key] = seen.get(key, 0) + 1
        action.key = key if seen[key] == 1 else f"{key}-{seen[key]}"
    return ParsedFactSheet(
        path,
        slug,
        title,
        published,
        url,
        tags,
        checksum,
        actions,
        kind=kind,
        subtype=subtype,
        executive_order_number=number,
        published_time=meta.get("published_time"),
        needs_review=needs_review,
        content_hash=kinds.content_hash(title, [action.key for action in actions]),
    )


def _bounded(body, path, body_line):
    """The body, checked so that its lists and quotes parse in bounded depth, and with
    the "<" of unclosed tags as entities. Linear in its length."""
    _refuse_deep_nesting(body, path, body_line)
    body = END_MARK_LINE.sub("", LINK_TEXT_BREAK.sub("", body))
    body = LINK_DESTINATION.sub(_close_link_destination, body)
    return UNCLOSED_TAG.sub("&lt;", body)


def _close_link_destination(match):
    """An address whose parentheses never balance ends at the last ")" before the next
    blank; its own parentheses are percent-encoded (the same address), so Markdown reads
    the link. A balanced address is left as it is: Markdown reads it already."""
    run, depth = match[1], 1
    for char in run:
        depth += (char == "(") - (char == ")")
        if not depth:
            return match[0]
    end = run.rfind(")")
    if end < 0:
        return match[0]
    return f"]({_encode_parentheses(run[:end])}{run[end:]}"


def _encode_parentheses(address):
    return address.replace("(", "%28").replace(")", "%29")


def _refuse_deep_nesting(body, path, body_line):
    """Refuse lists or quotes nested more than MAX_NESTING deep, from indentation and ">"."""
    for number, line in enumerate(body.split("\n")):
        prefix = LIST_OR_QUOTE_LINE.match(line)
        if not prefix or len(prefix[0]) <= MAX_NESTING * 4:
            continue
        lead = prefix[1].expandtabs(4)
        depth = lead.count(">") + len(lead.replace(">", "")) // 4
        if depth > MAX_NESTING:
            raise SourceError(
                path,
                f"lists or quotes nested too deeply ({depth} levels; at most {MAX_NESTING})",
                body_line + number,
            )


def inline_work(text):
    """An upper estimate of Python-Markdown's inline parsing work on one block: linear."""
    return len(INLINE_DELIMITERS.findall(text)) * len(text)


class _BoundInlineWork(markdown.treeprocessors.Treeprocessor):
    """Runs before inline parsing: blocks whose markup would take too long stay plain text."""

    def run(self, root):
        spent = 0
        for element in root.iter():
            text = element.text
            if not text or isinstance(text, AtomicString):
                continue
            work = inline_work(text)
            if work > MAX_INLINE_WORK or spent + work > MAX_FILE_INLINE_WORK:
                element.text = AtomicString(text)
            else:
                spent += work


class _TightenLooseStrong(markdown.treeprocessors.Treeprocessor):
    """Runs before inline parsing: "**Heading **Text" becomes "**Heading** Text" (bold)."""

    def run(self, root):
        for element in root.iter():
            text = element.text
            if isinstance(text, AtomicString) or not text or "`" in text:
                continue
            if "**" in text or "__" in text:
                element.text = tighten_loose_strong(text)


def tighten_loose_strong(text):
    """Move the spaces inside bold delimiters ("** Heading **") outside them."""
    for mark, pattern in LOOSE_STRONG.items():

        def tighten(match, runs=DELIMITER_RUNS[mark]):
            lead, body, trail = match["lead"], match["body"], match["trail"]
            source, (start, end) = match.string, match.span()
            joined = start and WORD.match(source, start - 1) and not lead and WORD.match(body)
            joined = joined or (not trail and WORD.match(source, end))
            closes = len(runs.findall(source, 0, start)) % 2
            if not (lead or trail) or joined or closes or "\n\n" in match[0]:
                return match[0]
            return f"{_one_space(lead)}{match['mark']}{body}{match['mark']}{_one_space(trail)}"

        text = pattern.sub(tighten, text)
    return text


def _one_space(space):
    """Spaces moved out of a bold run, without the hard line break they may hold."""
    return ("\n" if "\n" in space else " ") if space else ""


class _DropStrayStrong(markdown.treeprocessors.Treeprocessor):
    """Runs after inline parsing, before unescaping (so an escaped "\\*\\*" stays)."""

    def run(self, root):
        for element in root.iter():
            if element.tag == "code":
                continue
            if element.text and "**" in element.text:
                element.text = drop_stray_strong(element.text)
            if element.tail and "**" in element.tail:
                element.tail = drop_stray_strong(element.tail)


def drop_stray_strong(text):
    """Remove unpaired "**" runs; between two letters a space stays, so no words join."""

    def drop(match):
        source, (start, end) = match.string, match.span()
        between_words = start and WORD.match(source, start - 1) and WORD.match(source, end)
        return " " if between_words else ""

    return STRAY_STRONG.sub(drop, text)


class _TreeCapture(markdown.treeprocessors.Treeprocessor):
    """Keep the finished element tree: runs after inline parsing and unescaping."""

    def run(self, root):
        self.md.captured_tree = root


class ActionExtractor:
    def __init__(self, base_url=""):
        self.base_url = base_url
        self.md = markdown.Markdown(extensions=["sane_lists"])
        self.md.treeprocessors.register(_TreeCapture(self.md), "capture_tree", -10)
        # Before "inline" (20).
        self.md.treeprocessors.register(_BoundInlineWork(self.md), "bound_inline_work", 25)
        self.md.treeprocessors.register(_TightenLooseStrong(self.md), "tighten_loose_strong", 24)
        # After "inline" (20), before "unescape" (0).
        self.md.treeprocessors.register(_DropStrayStrong(self.md), "drop_stray_strong", 15)

    def extract(self, body):
        self.md.reset()
        self.md.convert(body)
        self.actions, self.paragraphs, self.list_items = [], [], 0
        self.paragraph_ids = set()
        self.section, self.carried_subheading = "", ""
        for element in self.md.captured_tree:
            self._block(element)
        if not self.list_items:
            return self.paragraphs
        # Prose between the lists is part of the record too ("**Reverse the Muslim Ban**
        # The president-elect will sign..."), except a short line that introduces a list.
        return [
            action
            for action in self.actions
            if not (id(action) in self.paragraph_ids and _introduces_list(action.text))
        ]

    # Blocks

    def _block(self, element):
        if element.tag in HEADING_TAGS:
            self._set_section(self._text(element))
        elif element.tag == "p":
            self._paragraph(element)
        elif element.tag in LIST_TAGS:
            self.carried_subheading = self._list(element, self.carried_subheading)
        elif element.tag in {"blockquote", "div"}:
            for child in element:
                self._block(child)
        # Tables, code and rules carry no actions in these fact sheets.

    def _set_section(self, heading):
        self.section, self.carried_subheading = heading[:MAX_HEADING_LENGTH], ""

    def _paragraph(self, element):
        text = self._text(element)
        if END_MARK.match(text) or not LETTER_OR_DIGIT.search(text):
            return
        if self._is_heading_paragraph(element, text):
            self._set_section(text.rstrip(":"))
            return
        action = self._action(element, subheading="", lead_in=self._lead_in(element))
        self.paragraphs.append(action)
        self.paragraph_ids.add(id(action))
        self.actions.append(action)

    def _is_heading_paragraph(self, element, text):
        """A paragraph that is only bold, italic or underlined text (no links, short)."""
        if len(text) > MAX_HEADING_LENGTH or element.find(".//a") is not None:
            return False
        leading = self._strip_tags(element.text or "")
        underlined = self._opens_underline(element.text or "")
        if leading.strip() and not underlined:
            return False
        if underlined and not len(element):
            return True
        return bool(len(element)) and all(
            child.tag in EMPHASIS_TAGS and not self._strip_tags(child.tail or "").strip(" \n:")
            for child in element
        )

    def _list(self, element, subheading):
        """Collect the items; return the subheading the last item carries to the next list."""
        carry = ""
        for item in element.findall("li"):
            nested = [child for child in item if child.tag in LIST_TAGS]
            lead_in = self._lead_in(item)
            text = self._text(item)
            if not LETTER_OR_DIGIT.search(text):
                # Markup ("\\_\\_", "•") is no action, but the items under it are.
                for child in nested:
                    self._list(child, subheading)
                continue
            if lead_in and clean_text(lead_in).rstrip(".:") == text.rstrip(".:"):
                subheading = carry = lead_in.rstrip(":")
                for child in nested:
                    self._list(child, subheading)
                continue
            self.list_items += 1
            self.actions.append(self._action(item, subheading, lead_in))
            # An item ending "...has:" introduces the list that follows it.
            carry = (lead_in.rstrip(":") or _shorten(text)) if text.endswith(":") else ""
            for child in nested:
                self._list(child, lead_in.rstrip(":") or _shorten(text))
        return carry

    # Inline content

    def _containers(self, item):
        """The inline containers of a list item: itself, or its paragraphs in a loose list."""
        paragraphs = [child for child in item if child.tag == "p"]
        return paragraphs or [item]

    def _lead_in(self, item):
        container = self._containers(item)[0]
        if self._strip_tags(container.text or "").strip():
            return ""
        parts = []
        for child in container:
            if child.tag not in {"strong", "b"}:
                break
            parts.append(self._text(child))
            tail = self._strip_tags(child.tail or "")
            if tail.strip():
                punctuation = re.match(r"^\s*([.:])", tail)
                if punctuation:
                    parts[-1] += punctuation[1]
                break
        return clean_text(" ".join(parts))

    def _text(self, element):
        chunks = []
        for container in self._containers(element) if element.tag == "li" else [element]:
            chunks.append(self._inline_text(container))
        return clean_text(" ".join(chunks))

    def _inline_text(self, element):
        parts = [element.text or ""]
        for child in element:
            if child.tag not in LIST_TAGS:
                parts.append(" " if child.tag == "br" else self._inline_text(child))
            parts.append(child.tail or "")
        return self._resolve("".join(parts))

    def _markdown(self, element):
        parts = [self._escape(element.text or "")]
        for child in element:
            if child.tag in LIST_TAGS:
                continue
            inner = self._markdown(child)
            if child.tag in {"strong", "b"}:
                parts.append(f"**{inner.strip()}**" if inner.strip() else inner)
            elif child.tag in {"em", "i"}:
                parts.append(f"*{inner.strip()}*" if inner.strip() else inner)
            elif child.tag == "code":
                parts.append(f"`{child.text or ''}`")
            elif child.tag == "a":
                href = child.get("href", "")
                if not href or LOCAL_PATH.search(href):
                    parts.append(inner)
                else:
                    target = urljoin(self.base_url, href) if self.base_url else href
                    parts.append(f"[{inner}]({_encode_parentheses(target.replace(' ', '%20'))})")
            elif child.tag == "br":
                parts.append(" ")
            else:
                parts.append(inner)
            parts.append(self._escape(child.tail or ""))
        return "".join(parts)

    def _action(self, element, subheading, lead_in):
        containers = self._containers(element) if element.tag == "li" else [element]
        source = "\n\n".join(clean_text(self._markdown(container)) for container in containers)
        local = any(
            LOCAL_PATH.search(link.get("href", ""))
            for container in containers
            for link in container.iter("a")
        )
        return ParsedAction(
            section=self.section,
            subheading=subheading[:500],
            lead_in=lead_in[:500],
            text=self._text(element),
            markdown=source,
            has_local_links=local,
        )

    # Placeholders left by Python-Markdown for raw HTML and entities

    def _opens_underline(self, text):
        first = PLACEHOLDER.match(text.lstrip())
        return bool(first) and self.md.htmlStash.rawHtmlBlocks[int(first[1])].lower() == "<u>"

    def _strip_tags(self, text):
        return PLACEHOLDER.sub("", text.replace(AMP_SUBSTITUTE, "&"))

    def _resolve(self, text):
        def replace(match):
            stashed = self.md.htmlStash.rawHtmlBlocks[int(match[1])]
            if stashed.startswith("<"):
                return " " if re.match(r"<br\b", stashed, re.I) else ""
            return html.unescape(stashed)

        return PLACEHOLDER.sub(replace, text.replace(AMP_SUBSTITUTE, "&"))

    def _escape(self, text):
        return self._resolve(text).replace("*", r"\*")


def _introduces_list(text):
    return text.endswith(":") and len(text) <= MAX_LIST_INTRO


def _shorten(text, limit=120):
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
