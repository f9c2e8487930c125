"""Editor text that cannot break a page: checked when saved, made harmless when shown.

Two dangers, both cheap to detect before any Markdown is parsed:

- characters that XML 1.0 forbids (C0 controls other than tab, newline and
  carriage return; U+FFFE, U+FFFF; lone surrogates) make the Atom feeds fail;
- Markdown whose parsing grows with the square of its length (runs of unclosed
  or nested `[`, thousands of delimiters in one paragraph, deep nesting).
  Python-Markdown scans from each `[` to its matching `]` (or the paragraph's
  end) one character at a time, and rebuilds the paragraph after each inline
  construct it finds, so `work()` estimates both and a limit bounds the time.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
BLOCK_SEPARATOR = re.compile(r"\n[ \t]*\n")
INLINE_DELIMITERS = re.compile(r"[*_`<&\\]")
QUOTE_DEPTH = re.compile(r"^[ \t]*((?:>[ \t]*)+)", re.MULTILINE)
INDENT = re.compile(r"^[ \t]+", re.MULTILINE)

STATUS_REASON_MAX_LENGTH = 2_000
# Beyond these, rendering could take more than a few tens of milliseconds; legitimate
# reasons (a dozen links and some emphasis in 2,000 characters) stay far below them.
MAX_BRACKET_SCAN = 20_000  # characters scanned from each `[` to its `]`, summed
MAX_DELIMITER_WORK = 500_000  # inline delimiters times the length of their paragraph, summed
MAX_NESTING = 16  # blockquote levels
MAX_INDENT = 64  # columns of leading white space (16 list levels)
MAX_RENDERED_LENGTH = 50_000  # longer stored text is shown as plain text


def strip_illegal(value):
    """The text without the characters XML 1.0 forbids."""
    return XML_ILLEGAL.sub("", value) if value else value


def illegal_character(value):
    """A message naming the first XML-illegal character in `value`, or None."""
    found = XML_ILLEGAL.search(value or "")
    if found is None:
        return None
    return (
        f"character U+{ord(found.group()):04X} at position {found.start() + 1} is not allowed "
        "(an invisible control character, often pasted from a PDF): remove it"
    )


def bracket_scan(block):
    """Characters Python-Markdown scans looking for each `[`'s closing `]` in one block."""
    total, opened = 0, []
    for match in re.finditer(r"[\[\]]", block):
        if match.group() == "[":
            opened.append(match.start())
        elif opened:
            total += match.start() - opened.pop()
    return total + sum(len(block) - start for start in opened)


def markdown_problem(value):
    """Why `value` would not render as Markdown in bounded time, or None. Linear in its length."""
    if not value:
        return None
    if len(value) > MAX_RENDERED_LENGTH:
        return f"is longer than {MAX_RENDERED_LENGTH:,} characters"
    if max((m.group(1).count(">") for m in QUOTE_DEPTH.finditer(value)), default=0) > MAX_NESTING:
        return f"nests quotes more than {MAX_NESTING} deep"
    if max((len(m.group().expandtabs(4)) for m in INDENT.finditer(value)), default=0) > MAX_INDENT:
        return f"indents a line by more than {MAX_INDENT} spaces"
    blocks = BLOCK_SEPARATOR.split(value)
    if sum(bracket_scan(block) for block in blocks if "[" in block) > MAX_BRACKET_SCAN:
        return "has too many unclosed or nested [brackets]"
    delimiter_work = sum(len(INLINE_DELIMITERS.findall(block)) * len(block) for block in blocks)
    if delimiter_work > MAX_DELIMITER_WORK:
        return "has too much emphasis, code or HTML markup in one paragraph"
    return None


def validate_xml_text(value):
    """Field validator: no character an XML feed cannot carry."""
    message = illegal_character(value)
    if message:
        raise ValidationError(message[0].upper() + message[1:] + ".", code="illegal_character")


def validate_editor_markdown(value):
    """Field validator for editors' Markdown: legal characters, renders in bounded time."""
    validate_xml_text(value)
    problem = markdown_problem(value)
    if problem:
        raise ValidationError(
            f"This Markdown {problem}, so it could not be shown quickly: simplify it.",
            code="markdown_too_complex",
        )


def check_editor_text(value, *, field, max_length=None, markdown=True):
    """The validators of a field run outside a form: a message starting with `field`, or None.

    `markdown=False`: text shown as it is, never rendered (a quoted passage), so only its
    characters are checked.
    """
    validators = [validate_editor_markdown if markdown else validate_xml_text]
    if max_length is not None:
        validators.append(MaxLengthValidator(max_length))
    for validator in validators:
        try:
            validator(value)
        except ValidationError as error:
            return f"{field}: {error.messages[0]}"
    return None
