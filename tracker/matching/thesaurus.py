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


@lru_cache(maxsize=50_000)
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
    result, plain = [], []
    phrases, longest = _acronym_phrases(stop_words, acronyms)

    def flush():
        position = 0
        while position < len(plain):
            for length in range(min(longest, len(plain) - position), 0, -1):
                acronym = phrases.get(tuple(plain[position : position + length]))
                if acronym:
                    result.append(acronym)
                    result.extend(plain[position : position + length])
                    position += length
                    break
            else:
                result.append(plain[position])
                position += 1
        plain.clear()

    for word in WORD.findall(text.lower()):
        if word in acronyms:
            flush()
            result.append(stem(word))
            result.extend(_content_stems(acronyms[word].split(), stop_words))
        else:
            plain.extend(_content_stems([word], stop_words))
    flush()
    return result


@lru_cache(maxsize=4)
def _acronym_phrases_cached(stop_words, acronyms):
    phrases = {}
    for acronym, words in acronyms:
        key = tuple(_content_stems(words.split(), stop_words))
        if len(key) > 1:
            phrases[key] = stem(acronym)
    return phrases, max((len(key) for key in phrases), default=0)


def _acronym_phrases(stop_words, acronyms):
    return _acronym_phrases_cached(frozenset(stop_words), tuple(sorted(acronyms.items())))


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
    return table, max((len(key) for key in table), default=0)


def clear_caches():
    _concepts.cache_clear()
    _acronym_phrases_cached.cache_clear()


STOP_WORDS, ACRONYMS, CONCEPTS = load_thesaurus()
# How many times a concept counts beside the words: it carries the meaning exact words miss.
CONCEPT_WEIGHT = 2


def concepts(tokens):
    """The concepts the stems name, longest phrase first, each word used once."""
    table, longest = _concepts()
    found, position = [], 0
    while position < len(tokens):
        for length in range(min(longest, len(tokens) - position), 0, -1):
            concept = table.get(tuple(tokens[position : position + length]))
            if concept:
                found.append(concept)
                position += length
                break
        else:
            position += 1
    return found
