"""Rank fact-sheet actions by how likely they implement each recommendation.

The system suggests, editors decide. Features are stemmed words, word pairs
(Snowball) and thesaurus concepts (tracker/data/thesaurus.yaml), with the
action's bold lead-in and section heading as extra signal; scores are BM25 over
scikit-learn's sparse count matrix (TF-IDF cosine is kept for comparison). Suggestions are stored as
`Link` rows in review state `suggested`; a reviewed pair (accepted or
rejected) is never overwritten nor suggested again.
"""

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape as escape_html
from importlib.metadata import version
from itertools import pairwise
from pathlib import Path

import numpy as np
import sklearn
import snowballstemmer
import yaml
from django.db import transaction
from django.utils.safestring import mark_safe
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer
from sklearn.preprocessing import normalize

from . import rerank
from .models import Action, Link, MatchingIndex, Recommendation

DEFAULT_TOP = 10
# Bump when the analysis or the stored index's format changes in code: stored indexes refit.
ENGINE_VERSION = 5
BLOCK = 64
WORD = re.compile(r"[A-Za-z0-9]+")
THESAURUS_PATH = Path(__file__).parent / "data" / "thesaurus.yaml"
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


def analyse(document):
    """Unigrams and bigrams of stems, and domain concepts: the features the ranking uses.

    `document` is a text or a sequence of (weight, text) fields; a field's features count
    `weight` times, and no word pair spans two fields.
    """
    fields = [(1, document)] if isinstance(document, str) else document
    features = []
    for weight, text in fields:
        tokens = stems(text)
        field = tokens + [f"{a} {b}" for a, b in pairwise(tokens)]
        field += concepts(tokens) * CONCEPT_WEIGHT
        features += field * weight
    return features


def recommendation_text(recommendation):
    """The title counts twice, beside the statement and the quote."""
    return ((2, recommendation.title), (1, recommendation.statement), (1, recommendation.quote))


def action_text(action):
    """The lead-in counts twice and the headings once, as extra signal beside the text."""
    return (
        (2, action.lead_in),
        (1, action.subheading),
        (1, action.section),
        (1, action.text),
    )


def _plain(document):
    return " ".join(text for _, text in document)


@dataclass(frozen=True)
class Params:
    """How actions are scored; the shipped values were chosen on the tuning split."""

    weighting: str = "bm25"  # "bm25" or "tfidf" (cosine of sublinear TF-IDF, as before)
    k1: float = 0.9  # BM25: how fast a repeated feature saturates
    b: float = 0.5  # BM25: how much a long action is discounted
    # Relevance feedback (Rocchio): the mean cosine to a recommendation's accepted actions
    # raises a candidate, the mean cosine to its rejected ones lowers it.
    # The tuning split cannot tell 0 from 0.25 (5 labelled links) and finds 0.5 worse.
    accepted_weight: float = 0.25
    rejected_weight: float = 0.25


PARAMS = Params()


class Model:
    """The fitted analysis: vocabulary and feature statistics, picklable for `MatchingIndex`.

    Both weightings share one sparse count matrix. TF-IDF: the cosine of sublinear,
    smoothed TF-IDF vectors (scikit-learn's formula). BM25 (Lucene's idf, always positive):
    each action feature weighs idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avglen));
    a query weighs its sublinear counts, scaled so that its best possible score is 1, so
    scores of different recommendations stay comparable.
    """

    def __init__(self, params, documents, action_count):
        self.params = params
        # A feature seen in a single text can never match another; dropping it keeps the
        # index small.
        self.vectorizer = CountVectorizer(analyzer=analyse, min_df=2, dtype=np.float32)
        counts = self.vectorizer.fit_transform(documents).tocsr()
        total = counts.shape[0]
        df_all = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf = (np.log((1 + total) / (1 + df_all)) + 1).astype(np.float32)
        actions = counts[total - action_count :]
        df = np.bincount(actions.indices, minlength=counts.shape[1])
        self.bm25_idf = np.log1p((action_count - df + 0.5) / (df + 0.5)).astype(np.float32)
        lengths = np.asarray(actions.sum(axis=1)).ravel()
        self.average_length = float(lengths.mean()) if action_count else 1.0
        self.fitted_counts = counts  # dropped before pickling

    def __getstate__(self):
        return {key: value for key, value in self.__dict__.items() if key != "fitted_counts"}

    def counts(self, documents):
        return self.vectorizer.transform(documents).tocsr()

    def unit(self, counts):
        """L2-normalised sublinear TF-IDF rows: the space of cosine similarity."""
        vectors = counts.copy()
        vectors.data = np.log(vectors.data) + 1
        vectors = vectors.multiply(self.idf).tocsr()
        return normalize(vectors).astype(np.float32)

    def action_vectors(self, counts):
        if self.params.weighting == "tfidf":
            return self.unit(counts)
        k1, b = self.params.k1, self.params.b
        lengths = np.asarray(counts.sum(axis=1)).ravel()
        norm = k1 * (1 - b + b * lengths / self.average_length)
        vectors = counts.copy().astype(np.float32)
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        vectors.data = vectors.data * (k1 + 1) / (vectors.data + norm[rows])
        return vectors.multiply(self.bm25_idf).tocsr().astype(np.float32)

    def query_vectors(self, counts):
        if self.params.weighting == "tfidf":
            return self.unit(counts)
        vectors = counts.copy().astype(np.float32)
        vectors.data = np.log(vectors.data) + 1
        best = np.asarray(vectors.multiply(self.bm25_idf * (self.params.k1 + 1)).sum(axis=1))
        best[best == 0] = 1
        return vectors.multiply(1 / best).tocsr().astype(np.float32)


@dataclass
class Ranking:
    """Scores of every action (columns) for every recommendation (rows)."""

    recommendations: list
    action_ids: np.ndarray
    recommendation_vectors: object
    action_vectors: object

    def scores(self, row):
        return (self.recommendation_vectors[row] @ self.action_vectors.T).toarray().ravel()

    def top(self, row, count, exclude=frozenset()):
        """[(action id, score)] best first for one recommendation, skipping `exclude`."""
        return self._best(self.scores(row), count, exclude)

    def top_all(self, count, exclude_by_recommendation):
        """Yield (recommendation, [(action id, score)]) for all, a block of rows at a time."""
        actions_t = self.action_vectors.T.tocsc()
        for first in range(0, len(self.recommendations), BLOCK):
            block = (self.recommendation_vectors[first : first + BLOCK] @ actions_t).toarray()
            for offset, scores in enumerate(block):
                recommendation = self.recommendations[first + offset]
                exclude = exclude_by_recommendation.get(recommendation.pk, frozenset())
                yield recommendation, self._best(scores, count, exclude)

    def _best(self, scores, count, exclude):
        wanted = min(len(scores), count + len(exclude))
        if wanted == 0:
            return []
        best = np.argpartition(-scores, wanted - 1)[:wanted]
        best = best[np.argsort(-scores[best], kind="stable")]
        ranked = [
            (int(self.action_ids[i]), float(scores[i]))
            for i in best
            if scores[i] > 0 and int(self.action_ids[i]) not in exclude
        ]
        return ranked[:count]


def candidate_actions():
    """The actions suggestions are drawn from: the one place to exclude kinds of action."""
    return Action.objects.filter(withdrawn=False, is_boilerplate=False)


def _recommendations():
    return list(Recommendation.objects.order_by("stage__position", "position"))


def index_key(recommendations, params=None):
    """What a stored index depends on: the recommendations' texts and every part of the analysis.

    A change to any of them (thesaurus, stop words, weights, scikit-learn or the stemmer)
    gives a new key, so the next incremental run refits instead of using a stale vocabulary.
    """
    digest = hashlib.sha256()
    analysis = {
        "engine": ENGINE_VERSION,
        "params": params or PARAMS,
        "scikit-learn": sklearn.__version__,
        "snowballstemmer": version("snowballstemmer"),
        "stop words": sorted(STOP_WORDS),
        "acronyms": sorted(ACRONYMS.items()),
        "concepts": sorted((name, sorted(terms)) for name, terms in CONCEPTS.items()),
        "concept weight": CONCEPT_WEIGHT,
    }
    digest.update(repr(analysis).encode())
    for recommendation in recommendations:
        digest.update(f"{recommendation.pk}\x00{recommendation_text(recommendation)}\x01".encode())
    return digest.hexdigest()


@dataclass
class Decisions:
    """Editors' decisions per recommendation: {recommendation id: [(link id, action id)]}."""

    accepted: dict
    rejected: dict

    @classmethod
    def load(cls, exclude_recommendations=(), exclude_links=()):
        accepted, rejected = {}, {}
        rows = (
            Link.objects.exclude(review=Link.Review.SUGGESTED)
            .exclude(recommendation_id__in=list(exclude_recommendations))
            .exclude(pk__in=list(exclude_links))
            .values_list("pk", "recommendation_id", "action_id", "review", "relation")
        )
        for pk, recommendation_id, action_id, review, relation in rows:
            if review == Link.Review.REJECTED:
                rejected.setdefault(recommendation_id, []).append((pk, action_id))
            elif relation in (Link.Relation.IMPLEMENTS, Link.Relation.PARTIAL):
                accepted.setdefault(recommendation_id, []).append((pk, action_id))
        return cls(accepted, rejected)

    def action_ids(self):
        return {a for by in (self.accepted, self.rejected) for d in by.values() for _, a in d}


class Feedback:
    """Rocchio feedback rows (one per recommendation) in the model's cosine space."""

    def __init__(self, model, recommendations, decisions):
        self.model, self.decisions = model, decisions
        self.params = model.params
        ids = sorted(decisions.action_ids())
        actions = candidate_actions().filter(pk__in=ids).in_bulk() if ids else {}
        ids = [pk for pk in ids if pk in actions]
        vectors = (
            model.unit(model.counts([action_text(actions[pk]) for pk in ids])) if ids else None
        )
        self.unit = {pk: vectors[row] for row, pk in enumerate(ids)}
        width = len(model.vectorizer.vocabulary_)
        rows = [self._row(r.pk, width) for r in recommendations]
        self.matrix = sparse.vstack(rows).tocsr() if rows else sparse.csr_matrix((0, width))

    def _terms(self, recommendation_id):
        weights = {
            "accepted": self.params.accepted_weight,
            "rejected": -self.params.rejected_weight,
        }
        for kind, weight in weights.items():
            decided = getattr(self.decisions, kind).get(recommendation_id, [])
            decided = [(pk, a) for pk, a in decided if a in self.unit]
            for link_id, action_id in decided:
                yield kind, link_id, action_id, weight / len(decided)

    def _row(self, recommendation_id, width):
        row = sparse.csr_matrix((1, width), dtype=np.float32)
        for _, _, action_id, weight in self._terms(recommendation_id):
            if weight:
                row = row + self.unit[action_id] * weight
        return row

    def strongest(self, recommendation_id, unit_vector):
        """The decision that moved this candidate most, or None below 0.01."""
        best = None
        for kind, link_id, action_id, weight in self._terms(recommendation_id):
            effect = weight * float((self.unit[action_id] @ unit_vector.T).toarray()[0, 0])
            if abs(effect) >= 0.01 and (best is None or abs(effect) > abs(best["effect"])):
                best = {"review": kind, "link": link_id, "action": action_id}
                best["effect"] = round(effect, 4)
        return best


def _combined(model, query_vectors, feedback, action_counts):
    """Query and action rows side by side: base score plus feedback in one product."""
    actions = sparse.hstack([model.action_vectors(action_counts), model.unit(action_counts)])
    queries = sparse.hstack([query_vectors, feedback.matrix])
    return queries.tocsr(), actions.tocsr()


def rank(*, store_index=False, params=None, decisions=None):
    """Fit the analysis on every candidate action and the recommendations, and score.

    Scores include editors' feedback (`decisions`, by default every decision in the
    database). With `store_index`, keep the fitted model and the recommendations' base
    vectors so that later incremental runs score new actions without refitting.
    """
    params = params or PARAMS
    recommendations = _recommendations()
    actions = list(candidate_actions().only("id", "lead_in", "subheading", "section", "text"))
    if not (recommendations and actions):
        return Ranking([], np.array([], dtype=np.int64), None, None)
    texts = [recommendation_text(r) for r in recommendations]
    texts += [action_text(action) for action in actions]
    try:
        model = Model(params, texts, len(actions))
    except ValueError:  # No feature is shared by two texts: nothing can match.
        return Ranking([], np.array([], dtype=np.int64), None, None)
    counts = model.fitted_counts
    queries = model.query_vectors(counts[: len(recommendations)])
    if store_index:
        MatchingIndex.store(index_key(recommendations, params), model, queries)
    decisions = Decisions.load() if decisions is None else decisions
    return _ranking(
        model, recommendations, queries, decisions, actions, counts[len(texts) - len(actions) :]
    )


def rank_new(actions):
    """Score `actions` with the stored index and today's decisions; None if it is stale."""
    recommendations = _recommendations()
    index = MatchingIndex.objects.order_by("-pk").first()
    if index is None or index.recommendations_key != index_key(recommendations):
        return None
    try:
        model, queries = index.load()
    except Exception:  # An index pickled by another version of this code: refit.
        return None
    counts = model.counts([action_text(a) for a in actions])
    return _ranking(model, recommendations, queries, Decisions.load(), actions, counts)


def _ranking(model, recommendations, queries, decisions, actions, counts):
    feedback = Feedback(model, recommendations, decisions)
    query_rows, action_rows = _combined(model, queries, feedback, counts)
    ranking = Ranking(
        recommendations=recommendations,
        action_ids=np.array([action.pk for action in actions], dtype=np.int64),
        recommendation_vectors=query_rows,
        action_vectors=action_rows,
    )
    ranking.model, ranking.feedback = model, feedback
    return ranking


def _reviewed_pairs():
    reviewed = {}
    pairs = Link.objects.exclude(review=Link.Review.SUGGESTED).values_list(
        "recommendation_id", "action_id"
    )
    for recommendation_id, action_id in pairs:
        reviewed.setdefault(recommendation_id, set()).add(action_id)
    return reviewed


def suggest_all(top=DEFAULT_TOP, *, recompute=False):
    """Store the top `top` unreviewed actions per recommendation as pending suggestions.

    With `recompute`, every pending suggestion is rebuilt; otherwise pending
    rows that stay in the top keep their identity and get the new score.
    Returns (created, updated, deleted).
    """
    return _suggest(rank(store_index=True), top, recompute=recompute)


def suggest_for_actions(action_ids, top=DEFAULT_TOP):
    """Incremental: score the new actions with the stored index, without refitting.

    The pending suggestions are rescored beside them with the same fit and today's
    decisions, so an editor's accept or reject takes effect here and no two scores
    from different fits or feedback are compared. When the stored fit is stale, this
    is a full run.
    """
    new_actions = list(candidate_actions().filter(pk__in=action_ids))
    if not new_actions:
        return 0, 0, 0
    pending_ids = Link.objects.filter(review=Link.Review.SUGGESTED).values("action_id")
    pending = candidate_actions().filter(pk__in=pending_ids).exclude(pk__in=action_ids)
    ranking = rank_new(new_actions + list(pending))
    if ranking is None:
        return suggest_all(top)
    return _suggest(ranking, top)


def _suggest(ranking, top, *, recompute=False):
    if ranking.action_vectors is None:
        wanted = {}
    else:
        wanted = {
            (recommendation.pk, action_id): score
            for recommendation, ranked in ranking.top_all(top, _reviewed_pairs())
            for action_id, score in ranked
        }
    explanations = explain(ranking, wanted)
    with transaction.atomic():
        pending = Link.objects.filter(review=Link.Review.SUGGESTED)
        if recompute:
            deleted, _ = pending.delete()
            existing = {}
        else:
            existing = {
                (link.recommendation_id, link.action_id): link
                for link in pending.only(
                    "id", "recommendation_id", "action_id", "score", "explanation"
                )
            }
            stale = [link.pk for pair, link in existing.items() if pair not in wanted]
            deleted = _delete(stale)
        return (*_store(wanted, existing, explanations), deleted)


def explain(ranking, pairs):
    """{(recommendation id, action id): {"concepts": [...], "feedback": decision or None}}.

    Stored on each suggestion so the review queue can show why without recomputing.
    """
    if not pairs:
        return {}
    rows = {r.pk: row for row, r in enumerate(ranking.recommendations)}
    columns = {int(a): column for column, a in enumerate(ranking.action_ids)}
    width = len(ranking.model.vectorizer.vocabulary_)
    actions = candidate_actions().in_bulk({action_id for _, action_id in pairs})
    recommendations = {r.pk: r for r in ranking.recommendations}
    features = lru_cache(maxsize=None)(
        lambda kind, pk: frozenset(
            f
            for f in analyse(
                recommendation_text(recommendations[pk])
                if kind == "r"
                else action_text(actions[pk])
            )
            if f.startswith("concept:")
        )
    )
    result = {}
    for recommendation_id, action_id in pairs:
        shared = features("r", recommendation_id) & features("a", action_id)
        unit = ranking.action_vectors[columns[action_id], width:]
        moved = None
        if rows.get(recommendation_id) is not None:
            moved = ranking.feedback.strongest(recommendation_id, unit)
        result[(recommendation_id, action_id)] = {
            "concepts": sorted(c.removeprefix("concept:") for c in shared),
            "feedback": moved,
        }
    return result


def _delete(link_ids):
    deleted = 0
    for first in range(0, len(link_ids), 1000):
        deleted += Link.objects.filter(pk__in=link_ids[first : first + 1000]).delete()[0]
    return deleted


def _store(wanted, existing, explanations):
    to_create, to_update = [], []
    for pair, score in wanted.items():
        recommendation_id, action_id = pair
        link = existing.get(pair)
        explanation = explanations.get(pair)
        if link is None:
            to_create.append(
                Link(
                    recommendation_id=recommendation_id,
                    action_id=action_id,
                    score=round(score, 6),
                    explanation=explanation,
                )
            )
        elif (
            link.score is None or abs(link.score - score) > 1e-6 or link.explanation != explanation
        ):
            link.score, link.explanation = round(score, 6), explanation
            to_update.append(link)
    Link.objects.bulk_create(to_create, batch_size=1000)
    Link.objects.bulk_update(to_update, ["score", "explanation"], batch_size=1000)
    return len(to_create), len(to_update)


def ranking_rows(top=DEFAULT_TOP):
    """The engine's ranking for every recommendation, regardless of review state."""
    rows = [
        (recommendation, position, action_id, score)
        for recommendation, ranked in rank().top_all(top, {})
        for position, (action_id, score) in enumerate(ranked, start=1)
    ]
    actions = Action.objects.select_related("factsheet").in_bulk([row[2] for row in rows])
    for recommendation, position, action_id, score in rows:
        action = actions[action_id]
        yield {
            "recommendation_code": recommendation.code,
            "rank": position,
            "score": f"{score:.4f}",
            "action_id": action_id,
            "factsheet_title": action.factsheet.title,
            "action_text": action.text,
        }


def evaluate(gold, params=None):
    """Recall@5, recall@10 (over gold links) and MRR (over recommendations with gold links).

    `gold` maps recommendation codes to sets of action ids that implement them. No
    feedback: the labels are editors' decisions, so using them would score the answers.
    """
    ranking = rank(params=params, decisions=Decisions({}, {}))
    found_at = {5: 0, 10: 0}
    reciprocal_ranks = []
    total = 0
    for row, recommendation in enumerate(ranking.recommendations):
        expected = gold.get(recommendation.code)
        if not expected:
            continue
        ranked = [action_id for action_id, _ in ranking.top(row, len(ranking.action_ids))]
        positions = {action_id: index for index, action_id in enumerate(ranked, start=1)}
        total += len(expected)
        for cutoff in found_at:
            found_at[cutoff] += sum(1 for a in expected if positions.get(a, 10**9) <= cutoff)
        first = min((positions.get(a, 10**9) for a in expected), default=10**9)
        reciprocal_ranks.append(1 / first if first < 10**9 else 0.0)
    return {
        "gold_links": total,
        "recommendations": len(reciprocal_ranks),
        "recall@5": found_at[5] / total if total else 0.0,
        "recall@10": found_at[10] / total if total else 0.0,
        "mrr": sum(reciprocal_ranks) / len(reciprocal_ranks) if reciprocal_ranks else 0.0,
    }


def split_of(code):
    """'tune' or 'test': a recommendation's half, fixed by the SHA-256 of its code."""
    return "tune" if hashlib.sha256(code.encode()).digest()[0] % 2 == 0 else "test"


def evaluate_held_out(gold, params=None, *, split="test", protocol="link", document_context=False):
    """Recall@5, recall@10 and MRR with each recommendation's labels hidden from feedback.

    Only recommendations in `split` (see `split_of`) are measured. Decisions come from the
    database (the loaded curation). `protocol`:
    - "recommendation": every decision on the measured recommendation is hidden; its
      feedback can only come from other recommendations, so this measures the engine cold.
    - "link": each labelled link is hidden in turn; the recommendation keeps its other
      decisions (feedback), and the actions they decided are out of the ranking, as in the
      review queue. MRR is then the mean reciprocal rank of the hidden links.
    With `document_context`, scores get their document's share (see tracker/rerank.py).
    """
    ranking = rank(params=params, decisions=Decisions({}, {}))
    decisions = Decisions.load()
    documents = rerank.document_numbers(ranking.action_ids) if document_context else None
    columns = {int(a): column for column, a in enumerate(ranking.action_ids)}
    found = {5: 0, 10: 0}
    reciprocal, total = [], 0
    for row, recommendation in enumerate(ranking.recommendations):
        expected = gold.get(recommendation.code)
        if not expected or split_of(recommendation.code) != split:
            continue
        base = ranking.scores(row)
        if protocol == "recommendation":
            trials = [(expected, base, frozenset(), [])]
        else:
            trials = []
            for hidden in expected:
                kept = Decisions(
                    {recommendation.pk: _without(decisions.accepted, recommendation, hidden)},
                    {recommendation.pk: _without(decisions.rejected, recommendation, hidden)},
                )
                feedback = Feedback(ranking.model, [recommendation], kept)
                width = feedback.matrix.shape[1]
                unit = ranking.action_vectors[:, -width:]
                scores = base + (feedback.matrix @ unit.T).toarray().ravel()
                accepted = [a for _, a in kept.accepted.get(recommendation.pk, [])]
                trials.append(({hidden}, scores, frozenset(kept.action_ids()), accepted))
        for wanted, scores, exclude, accepted in trials:
            if documents is not None:
                scores = rerank.with_document_context(scores, documents, columns, exclude, accepted)
            ranked = [a for a, _ in ranking._best(scores, len(scores), exclude)]
            positions = {action_id: index for index, action_id in enumerate(ranked, start=1)}
            total += len(wanted)
            for cutoff in found:
                found[cutoff] += sum(1 for a in wanted if positions.get(a, 10**9) <= cutoff)
            first = min(positions.get(a, 10**9) for a in wanted)
            reciprocal.append(1 / first if first < 10**9 else 0.0)
    return {
        "gold_links": total,
        "recall@5": found[5] / total if total else 0.0,
        "recall@10": found[10] / total if total else 0.0,
        "mrr": sum(reciprocal) / len(reciprocal) if reciprocal else 0.0,
    }


def _without(by_recommendation, recommendation, action_id):
    return [(pk, a) for pk, a in by_recommendation.get(recommendation.pk, []) if a != action_id]


# The grid searched on the tuning split; `tune` picks by recall@5 + recall@10 + MRR.
TUNING_GRID = [
    Params(weighting, k1, b, accepted, rejected)
    for weighting, k1, b in [
        ("tfidf", 1.2, 0.75),
        ("bm25", 0.9, 0.5),
        ("bm25", 1.2, 0.75),
        ("bm25", 1.6, 0.3),
    ]
    for accepted in (0.0, 0.25, 0.5, 1.0)
    for rejected in (0.0, 0.25, 0.5)
]


# A grid small enough for the whole corpus (each point is one fit of every action):
# the two weightings, with and without feedback.
SMALL_GRID = [
    Params(weighting, k1, b, accepted, rejected)
    for weighting, k1, b in [("tfidf", 1.2, 0.75), ("bm25", 0.9, 0.5), ("bm25", 1.2, 0.75)]
    for accepted, rejected in [(0.0, 0.0), (0.25, 0.25)]
]


def tune(gold, grid=TUNING_GRID):
    """[(objective, params)] best first, measured on the tuning split only."""
    results = []
    for params in grid:
        result = evaluate_held_out(gold, params, split="tune")
        results.append((result["recall@5"] + result["recall@10"] + result["mrr"], params))
    return sorted(results, key=lambda item: -item[0])


def describe_params(params):
    """A short name for a setting: 'bm25 k1=0.9 b=0.5, feedback 0.25/0.25'."""
    weighting = "tf-idf" if params.weighting == "tfidf" else f"bm25 k1={params.k1} b={params.b}"
    if not (params.accepted_weight or params.rejected_weight):
        return f"{weighting}, no feedback"
    return f"{weighting}, feedback {params.accepted_weight}/{params.rejected_weight}"


def evaluation_report(labels, params=None):
    """The figures `evaluate_suggestions` prints and the benchmark can record.

    `labels` maps a label set's name to {recommendation code: {action ids}}. For each,
    on the test split: the engine without feedback, on TF-IDF and on BM25, and held out
    both ways (see `evaluate_held_out`). Returns {label set: {row name: figures}}.
    """
    params = params or PARAMS
    tfidf = Params("tfidf", params.k1, params.b, params.accepted_weight, params.rejected_weight)
    report = {}
    for name, gold in labels.items():
        report[name] = {
            "tf-idf, no feedback": evaluate_held_out(
                gold, tfidf, split="test", protocol="recommendation"
            ),
            f"{params.weighting}, no feedback (recommendation held out)": evaluate_held_out(
                gold, params, split="test", protocol="recommendation"
            ),
            "tf-idf + feedback (link held out)": evaluate_held_out(gold, tfidf, split="test"),
            f"{params.weighting} + feedback (link held out)": evaluate_held_out(
                gold, params, split="test"
            ),
            f"{params.weighting} + feedback + document context (link held out)": (
                evaluate_held_out(gold, params, split="test", document_context=True)
            ),
        }
    return report


def matched_stems(recommendation, action):
    return set(stems(_plain(recommendation_text(recommendation)))) & set(
        stems(_plain(action_text(action)))
    )


def _is_match(word, wanted_stems):
    lowered = word.lower()
    return lowered not in STOP_WORDS and (
        stem(lowered) in wanted_stems
        or any(stem(part) in wanted_stems for part in ACRONYMS.get(lowered, "").split())
    )


def matched_words(recommendation, action):
    """The action's words that the recommendation shares: why it is suggested."""
    wanted = matched_stems(recommendation, action)
    words = (word.lower() for word in WORD.findall(_plain(action_text(action))))
    return sorted({word for word in words if _is_match(word, wanted)})


def describe(link):
    """One line for the review queue: matched words, shared concepts, the decision that moved it."""
    parts = [", ".join(matched_words(link.recommendation, link.action))]
    explanation = link.explanation or {}
    if explanation.get("concepts"):
        parts.append("concepts: " + ", ".join(explanation["concepts"]))
    moved = explanation.get("feedback")
    if moved:
        direction = "raised" if moved["effect"] > 0 else "lowered"
        parts.append(f"{direction} by {moved['review']} link #{moved['link']}")
    return "; ".join(part for part in parts if part)


def highlight(text, wanted_stems):
    """HTML of `text` with the words whose stem is in `wanted_stems` marked."""
    pieces, last = [], 0
    for match in WORD.finditer(text):
        word = escape_html(match.group(0))
        pieces.append(escape_html(text[last : match.start()]))
        pieces.append(f"<mark>{word}</mark>" if _is_match(match.group(0), wanted_stems) else word)
        last = match.end()
    pieces.append(escape_html(text[last:]))
    return mark_safe("".join(pieces))  # Every piece is escaped above.
