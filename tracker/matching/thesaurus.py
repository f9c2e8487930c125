"""The thesaurus (tracker/data/thesaurus.yaml) and the stems and concepts it gives a text."""

import re
from functools import lru_cache
from pathlib import Path

import snowballstemmer
import yaml
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

WORD = re.compile(r"[A-Za-z0-9]+")
THESAURUS_PATH = Path(__file__).parent.parent / "data" / "thesaurus.yaml"
_stemmer = snowballstemmer.stemmer("english")


class ThesaurusError(ValueError):
    """The thesaurus file is inconsistent: the message names the file and the term."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML mapping that names a key twice is refused instead of keeping the last."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                line = key_node.start_mark.line + 1
                raise ThesaurusError(f"line {line}: {key!r} is listed twice")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_thesaurus(path=THESAURUS_PATH):
    """(stop words, {acronym: words}, {concept: [terms]}) from the YAML file, validated."""
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except (ThesaurusError, yaml.YAMLError) as error:
        raise ThesaurusError(f"{path}: {error}") from error
    if not isinstance(data, dict) or set(data) != {"stop_words", "acronyms", "concepts"}:
        raise ThesaurusError(f"{path}: expected exactly stop_words, acronyms and concepts")
    stop_words = {str(word).lower() for word in data["stop_words"]}
    acronyms = {}
    for acronym, words in data["acronyms"].items():
        key = str(acronym).lower()
        if not WORD.fullmatch(key) or not WORD.search(str(words or "")):
            raise ThesaurusError(f"{path}: acronym {acronym!r} must be one word with words")
        if key in acronyms:
            raise ThesaurusError(f"{path}: acronym {acronym!r} is listed twice")
        acronyms[key] = " ".join(WORD.findall(str(words).lower()))
    concepts = {
        str(name): [str(term) for term in terms] for name, terms in data["concepts"].items()
    }
    try:
        concept_table(concepts, stop_words=stop_words | ENGLISH_STOP_WORDS, acronyms=acronyms)
    except ThesaurusError as error:
        raise ThesaurusError(f"{path}: {error}") from error
    return frozenset(ENGLISH_STOP_WORDS | stop_words), acronyms, concepts


@lru_cache(maxsize=200_000)
def stem(word):
    return _stemmer.stemWord(word)


def _content_stems(words, stop_words):
    return [stem(word) for word in words if word not in stop_words and len(word) > 1]


def stems(text, *, stop_words=None, acronyms=None):
    """The text's content words, lower-cased, stemmed, acronyms matched both ways.

    An acronym brings the words it stands for, and those words (as a phrase) bring the
    acronym, so "ICC" and "International Criminal Court" give the same stems.
    """
    stop_words = STOP_WORDS if stop_words is None else stop_words
    acronyms = ACRONYMS if acronyms is None else acronyms
    tables = _tables(stop_words, acronyms)
    word_stems = tables.word_stems
    result, plain = [], []
    for word in WORD.findall(text.lower()):
        if word in acronyms:
            _join_phrases(plain, result, tables)
            result.append(stem(word))
            result.extend(_content_stems(acronyms[word].split(), stop_words))
            continue
        found = word_stems.get(word)
        if found is None:
            found = word_stems[word] = "" if word in stop_words or len(word) < 2 else stem(word)
        if found:
            plain.append(found)
    _join_phrases(plain, result, tables)
    return result


def _join_phrases(plain, result, tables):
    """Move the stems of `plain` to `result`, an acronym before each phrase it stands for."""
    if tables.lengths.keys().isdisjoint(plain):
        result.extend(plain)
    else:
        position = 0
        while position < len(plain):
            length, acronym = _longest_phrase(plain, position, tables.phrases, tables.lengths)
            if acronym:
                result.append(acronym)
                result.extend(plain[position : position + length])
                position += length
            else:
                result.append(plain[position])
                position += 1
    plain.clear()


def _longest_phrase(tokens, position, table, lengths):
    """(length, value) of the longest phrase of `table` at `position`, or (0, None).

    `lengths` maps a phrase's first token to the lengths of its phrases, longest first,
    so a token that starts none costs one lookup.
    """
    for length in lengths.get(tokens[position], ()):
        value = table.get(tuple(tokens[position : position + length]))
        if value:
            return length, value
    return 0, None


def _lengths_by_first_token(table):
    lengths = {}
    for key in table:
        lengths.setdefault(key[0], set()).add(len(key))
    return {first: sorted(found, reverse=True) for first, found in lengths.items()}


@lru_cache(maxsize=4)
def _acronym_phrases_cached(stop_words, acronyms):
    phrases = {}
    for acronym, words in acronyms:
        key = tuple(_content_stems(words.split(), stop_words))
        if len(key) > 1:
            phrases[key] = stem(acronym)
    return phrases, _lengths_by_first_token(phrases)


class _Tables:
    """What `stems` looks up for one set of stop words and acronyms, built once.

    `stems` runs on every field of every text; building a cache key from the sets'
    contents on each call cost more than the stemming, so the last tables are kept.
    """

    def __init__(self, stop_words, acronyms):
        self.stop_words, self.acronyms = stop_words, acronyms
        key = (frozenset(stop_words), tuple(sorted(acronyms.items())))
        self.phrases, self.lengths = _acronym_phrases_cached(*key)
        self.word_stems = {}  # word: its stem, or "" for a stop word or a single character


_last_tables: list = [None]


def _tables(stop_words, acronyms):
    tables = _last_tables[0]
    if tables is None or tables.stop_words is not stop_words or tables.acronyms is not acronyms:
        tables = _last_tables[0] = _Tables(stop_words, acronyms)
    return tables


def concept_table(thesaurus, *, stop_words=None, acronyms=None):
    """{tuple of stems: concept feature}; refuses a term listed under two concepts."""
    table, owner = {}, {}
    for concept, terms in thesaurus.items():
        for term in terms:
            key = tuple(stems(term, stop_words=stop_words, acronyms=acronyms))
            if not key:
                raise ThesaurusError(f"concept {concept!r}: term {term!r} has no content word")
            if key in owner and owner[key][0] != concept:  # inflections of one term are fine
                first, first_term = owner[key]
                raise ThesaurusError(
                    f"term {term!r} is listed under two concepts: {first!r} "
                    f"(as {first_term!r}) and {concept!r}; keep it in one"
                )
            owner[key] = (concept, term)
            table[key] = f"concept:{concept}"
    return table


@lru_cache(maxsize=1)
def _concepts():
    table = concept_table(CONCEPTS)
    return table, _lengths_by_first_token(table)


def clear_caches():
    _concepts.cache_clear()
    _acronym_phrases_cached.cache_clear()
    _last_tables[0] = None


STOP_WORDS, ACRONYMS, CONCEPTS = load_thesaurus()
# How many times a concept counts beside the words: it carries the meaning exact words miss.
CONCEPT_WEIGHT = 2


def concepts(tokens):
    """The concepts the stems name, longest phrase first, each word used once."""
    table, lengths = _concepts()
    if lengths.keys().isdisjoint(tokens):
        return []
    found, position = [], 0
    while position < len(tokens):
        length, concept = _longest_phrase(tokens, position, table, lengths)
        if concept:
            found.append(concept)
            position += length
        else:
            position += 1
    return found
