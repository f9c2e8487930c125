"""Search as a reader types it: accents ignored, the site's acronyms expanded, words stemmed.

A recommendation's `search_text` holds its words as written (title, statement,
quote, reason, accepted evidence), one part a line, then one line of their
stems with accents folded (`STEMS_MARK`), the title's stems again marked
`t:`. SQLite matches and ranks on that line; PostgreSQL uses its own
full-text search over the whole text, which the stems line makes
accent-insensitive. A query is a list of terms, every one required; a term
is its word's stem or, for an acronym of the thesaurus
(tracker/data/thesaurus.yaml), the phrase it stands for.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from .matching import ACRONYMS, WORD, stem

STEMS_MARK = "\x1fstems:"
SNIPPET_LENGTH = 220
# A word as written, accents included ("Guantánamo"), for highlighting.
WRITTEN_WORD = re.compile(r"[^\W_]+")


def fold(text):
    """Lower case without accents: "Guantánamo" -> "guantanamo"."""
    if text.isascii():  # Nothing to decompose (most texts: the check is far cheaper).
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    # Each distinct character looked at once, not each character (search results fold
    # whole texts); removed by a regular expression, several times faster than `translate`.
    marks = "".join(c for c in set(decomposed) if unicodedata.combining(c))
    if marks:
        decomposed = re.sub(f"[{re.escape(marks)}]", "", decomposed)
    return decomposed.lower()


def words(text):
    return WORD.findall(fold(text))


def stems_line(parts, title=""):
    """The line of folded stems appended to a search text."""
    body = " ".join(stem(word) for part in parts for word in words(part))
    titled = " ".join(f"t:{stem(word)}" for word in words(title))
    return f"{STEMS_MARK} {body} {titled} "


def written_text(search_text):
    """The search text without its stems line: the parts as written, one a line."""
    return search_text.split(STEMS_MARK, 1)[0]


@dataclass(frozen=True)
class Term:
    word: str  # as folded from the query
    phrases: tuple  # alternatives, each a tuple of stems: ("icc",), ("intern", "crimin", "court")

    def patterns(self, prefix=""):
        """The substrings of a stems line that show the term, one per alternative."""
        return [" " + " ".join(prefix + s for s in phrase) + " " for phrase in self.phrases]

    @property
    def spelled(self):
        expansion = ACRONYMS.get(self.word)
        return [(self.word,), *([tuple(expansion.split())] if expansion else [])]


def parse(query):
    """The query's terms, stop words left out: every text holds them, and the full-text
    searches never find them ("the" is no word to PostgreSQL), so a query of nothing else
    has no terms and finds nothing in any group (`only_common_words`)."""
    terms = []
    for word in dict.fromkeys(w for w in words(query) if w not in ENGLISH_STOP_WORDS):
        phrases = [(stem(word),)]
        if expansion := ACRONYMS.get(word):
            phrases.append(tuple(stem(w) for w in expansion.split()))
        terms.append(Term(word, tuple(phrases)))
    return terms


def only_common_words(query):
    """Whether the query has words, all of them stop words: it can find nothing."""
    return bool(words(query)) and not parse(query)


def snippet(search_text, terms, length=SNIPPET_LENGTH):
    """The first part of the text (title, statement, quote, reason, evidence) that shows a
    term, shortened around it (whole with `length=None`): why the result matched. "" if
    none does.

    A part's stems are read from the stems line, which holds every part's stems in turn
    (`stems_line`): counting a part's words is enough to find them, where stemming them
    again was most of a search's snippets."""
    patterns = [pattern for term in terms for pattern in term.patterns()]
    written, mark, line = search_text.partition(STEMS_MARK)
    stems = line[1:] if mark else None  # The stems of the parts not yet read.
    for number, part in enumerate(written.splitlines()):
        part_words = words(part)
        if stems is None:
            found = [stem(word) for word in part_words]
        else:  # Only as far as this part: a text's whole stems line is long.
            *found, stems = stems.split(" ", len(part_words))
        part_stems = " " + " ".join(found) + " "
        if number and any(pattern in part_stems for pattern in patterns):
            return _shorten(part, terms, length)
    return ""


def _shorten(part, terms, length):
    if length is None or len(part) <= length:
        return part
    folded = fold(part)
    starts = [
        m.start()
        for term in terms
        for spelled in term.spelled
        if (m := re.search(r"\b" + re.escape(spelled[0][:4]), folded))
    ]
    start = max(0, min(starts, default=0) - length // 3)
    start = part.rfind(" ", 0, start) + 1 if start else 0
    shown = part[start : start + length].rsplit(" ", 1)[0]
    return ("…" if start else "") + shown + "…"


def highlight(text, terms, length=None):
    """The text as escaped HTML, each stretch that matches a term (a word in any form, or the
    phrase an acronym stands for) in <mark>; with `length`, shortened to about that many
    characters around the first match."""
    tokens = [
        (match.start(), match.end(), stem("".join(words(match.group()))))
        for match in WRITTEN_WORD.finditer(text)
    ]
    token_stems = [token_stem for _, _, token_stem in tokens]
    spans = sorted(
        (tokens[i][0], tokens[i + len(phrase) - 1][1])
        for term in terms
        for phrase in term.phrases
        for i in range(len(tokens) - len(phrase) + 1)
        if token_stems[i] == phrase[0] and tuple(token_stems[i : i + len(phrase)]) == phrase
    )
    start, end = 0, len(text)
    if length and len(text) > length:
        first = spans[0][0] if spans else 0
        start = text.rfind(" ", 0, max(0, first - length // 3)) + 1
        end = text.rfind(" ", start, start + length) if start + length < len(text) else end
        end = end if end > first else start + length
    html, position = ["…" if start else ""], start
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, position), min(span_end, end)
        if span_start >= span_end:
            continue
        html += [escape(text[position:span_start]), "<mark>", escape(text[span_start:span_end])]
        html.append("</mark>")
        position = span_end
    html += [escape(text[position:end]), "…" if end < len(text) else ""]
    return mark_safe("".join(html))  # Every piece of the text is escaped above.
