"""What a White House document is (fact sheet or presidential action, and which instrument),
and whether its title agrees with its file name.
"""

import hashlib
import re
from urllib.parse import unquote

from django.utils.text import slugify

from tracker.models import Document

Kind = Document.Kind
Subtype = Document.Subtype

FACT_SHEET_TAGS = {"fact-sheets", "statements-releases"}
PRESIDENTIAL_ACTION_TITLE = re.compile(
    r"\b(executive order|proclamation|memorandum|notice on the continuation|message to the"
    r" (congress|senate|house)|letters? to the)\b",
    re.IGNORECASE,
)
# The order's own number: a title that starts with it, or a line of its own at the top.
OWN_NUMBER_TITLE = re.compile(r"^\s*Executive Order\s+(?:No\.\s*)?(\d{4,5})\b", re.IGNORECASE)
OWN_NUMBER_LINE = re.compile(r"^[\s*_]*Executive Order\s+(?:No\.\s*)?(\d{4,5})[\s*_.]*$")
HEREBY_ORDERED = re.compile(r"it is hereby ordered", re.IGNORECASE)
SECTIONS = re.compile(r"^[\s*_>]*(?:<[^>]+>\s*)*(?:Section|Sec\.)(?:\s|<[^>]+>)*\d", re.MULTILINE)
LETTER_TITLE = re.compile(r"^\s*(text of (a )?)?(letters?|message)\b", re.IGNORECASE)
LETTER_TEXT = re.compile(r"Dear (Mr\.|Madam|Mister) (Speaker|President|Chairman|Chair)\b")


def document_kind(tags, title):
    """Fact sheet or presidential action: from the front matter's tags, else the title."""
    words = {tag.strip().lower() for tag in re.split(r"[,\s]+", tags or "") if tag.strip()}
    if re.match(r"^\s*fact sheet\b", title, re.IGNORECASE):  # also in presidential-actions/
        return Kind.FACTSHEET
    if "presidential-actions" in words:
        return Kind.PRESIDENTIAL_ACTION
    if words & FACT_SHEET_TAGS or re.search(r"\bfact sheet\b", title, re.IGNORECASE):
        return Kind.FACTSHEET
    if PRESIDENTIAL_ACTION_TITLE.search(title):
        return Kind.PRESIDENTIAL_ACTION
    return Kind.FACTSHEET


def subtype(title, body):
    """The instrument of a presidential action, from its title first, then its text."""
    title = re.sub(r"^\s*press release:\s*", "", title, flags=re.IGNORECASE)
    if re.match(r"^\s*notice\b", title, re.IGNORECASE):
        return Subtype.NOTICE
    if LETTER_TITLE.match(title):
        return Subtype.LETTER
    if re.search(r"\bexecutive order\b", title, re.IGNORECASE) and not re.search(
        r"\b(under|to|of|pursuant to|amending|amendment to|continuation)\s+executive order",
        title,
        re.IGNORECASE,
    ):
        return Subtype.EXECUTIVE_ORDER
    if re.search(r"\bmemorandum\b", title, re.IGNORECASE):
        return Subtype.MEMORANDUM
    if re.search(r"\bproclamation\b", title, re.IGNORECASE):
        return Subtype.PROCLAMATION
    head = body[:3000]
    if executive_order_number("", body) or (HEREBY_ORDERED.search(head) and SECTIONS.search(body)):
        return Subtype.EXECUTIVE_ORDER
    if "MEMORANDUM FOR" in head:
        return Subtype.MEMORANDUM
    if re.search(r"do hereby proclaim|\bA PROCLAMATION\b", body):
        return Subtype.PROCLAMATION
    if re.search(r"\bNotice\b", title) or re.search(r"^\s*NOTICE\s*$", head, re.MULTILINE):
        return Subtype.NOTICE
    if LETTER_TEXT.search(head) or re.search(r"\bTO THE CONGRESS OF THE UNITED STATES", head):
        return Subtype.LETTER
    return Subtype.OTHER


def executive_order_number(title, body):
    """The order's own number where the page gives it, never a number it merely cites."""
    found = OWN_NUMBER_TITLE.match(title)
    if found:
        return int(found[1])
    for line in body.lstrip().split("\n\n", 1)[0].splitlines():
        found = OWN_NUMBER_LINE.match(line)
        if found:
            return int(found[1])
    return None


def content_hash(title, action_keys):
    """Identity of a document's content: its title's words and its actions, in order."""
    digest = hashlib.sha256(re.sub(r"[\W_]+", " ", title.lower()).strip().encode())
    for key in action_keys:
        digest.update(b"\x00" + key.encode())
    return digest.hexdigest()


# Words a file name shares with any title of its kind; they say nothing about agreement.
_GENERIC = """a an and the of to for in on at by with from as is are be or its it his her their our
    into over under about after before this that fact sheet sheets president presidents
    presidential donald j trump joseph r biden jr harris vice administration statement
    readout remarks executive order orders memorandum memoranda proclamation message letter
    letters text notice national security nspm day month week year us press release"""
GENERIC_WORDS = frozenset(_GENERIC.split())
# A title with fewer of the file name's significant words than this share disagrees with it...
TITLE_SHARE = 0.4
# ...unless the top of the text carries this share of them (a memorandum's addressees).
HEAD_SHARE = 0.6
HEAD_CHARACTERS = 600


def _words(text):
    return slugify(re.sub(r"[/&+]", " ", unquote(text))).replace("-", " ").split()


def _significant(words):
    return [w for w in words if w not in GENERIC_WORDS and len(w) > 1 and w.isalpha()]


def _present(word, words):
    return word in words or (len(word) > 4 and any(other[:5] == word[:5] for other in words))


def title_disagreement(file_stem, title, body):
    """Why the title disagrees with the file name, or "" when they agree.

    The file name's significant words (not dates, numbers, suffixes or words
    every title of the kind has) are looked for in the title; when too few
    are there, and the top of the text does not carry them either, the file
    holds another page's text, and its title is the truth.
    """
    stem = re.sub(r"^\d{4}-\d{2}-\d{2}-", "", unquote(file_stem))
    wanted = _significant(_words(stem))
    if len(wanted) < 2:  # "test.md", "2025-01-27-871.md": nothing to disagree with.
        return ""
    in_title = set(_words(title))
    found = [w for w in wanted if _present(w, in_title)]
    if len(found) >= TITLE_SHARE * len(wanted):
        return ""
    in_head = in_title | set(_words(body[:HEAD_CHARACTERS]))
    if sum(_present(w, in_head) for w in wanted) >= HEAD_SHARE * len(wanted):
        return ""
    missing = [w for w in wanted if w not in found]
    return (
        f"title disagrees with the file name: {len(found)} of its {len(wanted)} significant "
        f"words in the title (missing: {', '.join(missing)})"
    )[:300]
