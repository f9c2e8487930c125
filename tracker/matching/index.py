"""The fitted analysis (vocabulary, BM25 or TF-IDF weights), the stored index and the ranking."""

import copy
import hashlib
import os
import zlib
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import version

import numpy as np
import sklearn
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from ..models import MatchingIndex, Recommendation
from . import instances, thesaurus
from .analysis import ACTION_FIELDS, action_text, analyse, candidate_actions, recommendation_text
from .context import Documents, accepted_documents
from .feedback import Decisions, Feedback
from .peers import Peers
from .revocations import Revocations

# Bump when the analysis or the stored index's format changes in code: stored indexes refit.
ENGINE_VERSION = 10
BLOCK = 32
# The largest instance lift (a cosine of unit rows, at most 1) over the computed one: float32
# sums of a few thousand terms round well within it.
LIFT_BOUND = 1.001


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
    # Document context (context.py): the share of the best score of the action's document,
    # and the bonus for a document with an action accepted for the recommendation.
    document_weight: float = 0.25
    accepted_document_bonus: float = 0.1
    # Other recommendations' decisions (peers.py): times the summed similarity of the other
    # recommendations that accepted the action. The tuning split prefers 0.25 to 0, 0.1, 0.5.
    peer_weight: float = 0.25
    # Instance feedback (instances.py): times the mean cosine to the recommendation's two
    # nearest accepted actions. The tuning split prefers 0.15 to 0, 0.05, 0.1, 0.25, 0.5.
    instance_weight: float = 0.15
    # Revocations (revocations.py): added to an action that revokes, by its title, a document
    # with an accepted evidence action of the recommendation. On the contrary links' tuning
    # split 0.05 and 0.1 move none into reach; 0.25, 0.5 and 1 the same ones, 0.25 at the
    # least cost to the evidence's MRR.
    revocation_weight: float = 0.25


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
        state = {key: value for key, value in self.__dict__.items() if key != "fitted_counts"}
        if isinstance(self.vectorizer.vocabulary_, dict):
            state["vectorizer"] = copy.copy(self.vectorizer)
            state["vectorizer"].vocabulary_ = Vocabulary(self.vectorizer.vocabulary_)
        return state

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

    def similarity_units(self, query_vectors):
        """The recommendations' L2-normalised TF-IDF rows (`unit`), from their query rows.

        A BM25 query row is a recommendation's sublinear counts times one number, which
        normalising cancels; a TF-IDF query row is already its unit. So the stored index
        gives every run the same similarities without the recommendations' texts.
        """
        if self.params.weighting == "tfidf":
            return query_vectors
        return normalize(query_vectors.multiply(self.idf).tocsr()).astype(np.float32)


class Vocabulary(Mapping):
    """The fitted vocabulary as the stored index keeps it: {feature: column}, read-only.

    Unpickling a dict of every feature was most of an incremental run (0.3 s of 0.9 on the
    record). Here the features are one string with their ends, and a lookup is a binary
    search among their CRC-32s (sorted, with the columns in the same order) then a string
    comparison: arrays load at once. Slower per feature than a dict, so the full run, which
    counts every action, keeps the dict it fitted; only the pickled copy is compact.
    """

    def __init__(self, columns):
        features = [""] * len(columns)
        for feature, column in columns.items():
            features[column] = feature
        self.text = "".join(features)
        self.ends = array("i", np.cumsum([len(f) for f in features], dtype=np.int64).tolist())
        hashes = np.fromiter(map(_crc, features), dtype=np.uint32, count=len(features))
        order = np.argsort(hashes, kind="stable")
        self.hashes = array("I", hashes[order].tolist())
        self.columns = array("i", order.tolist())
        self.found = {}  # Most features of a text are common: each is searched once.

    def feature(self, column):
        start = self.ends[column - 1] if column else 0
        return self.text[start : self.ends[column]]

    def __getstate__(self):
        return {key: value for key, value in self.__dict__.items() if key != "found"}

    def __setstate__(self, state):
        self.__dict__.update(state, found={})

    def __getitem__(self, feature):
        if feature not in self.found:
            self.found[feature] = self._search(feature)
        column = self.found[feature]
        if column is None:
            raise KeyError(feature)
        return column

    def _search(self, feature):
        crc = _crc(feature)
        at = bisect_left(self.hashes, crc)
        while at < len(self.hashes) and self.hashes[at] == crc:
            if self.feature(self.columns[at]) == feature:
                return self.columns[at]
            at += 1
        return None

    def __len__(self):
        return len(self.ends)

    def __iter__(self):
        return map(self.feature, range(len(self.ends)))


def _crc(feature):
    return zlib.crc32(feature.encode())


@dataclass
class Ranking:
    """Scores of every action (columns, grouped by document) for every recommendation (rows)."""

    recommendations: list
    action_ids: np.ndarray
    recommendation_vectors: object
    action_vectors: object
    documents: Documents
    params: Params = PARAMS
    # The fit, the feedback rows and the decisions they were built from (`rank`).
    model: Model | None = None
    feedback: Feedback | None = None
    decisions: Decisions = field(default_factory=lambda: Decisions({}, {}))
    # The decisions' accepted actions as evidence for the other recommendations (`with_peers`).
    peers: Peers | None = None
    # The actions that revoke an earlier presidential action by its title (revocations.py).
    revocations: Revocations = field(default_factory=lambda: Revocations({}))

    def __post_init__(self):
        self.column = {int(a): column for column, a in enumerate(self.action_ids)}

    def with_peers(self, decisions):
        """This ranking with `decisions`' accepted actions as peer evidence (peers.py)."""
        if self.model is None:
            return self
        base = self.recommendation_vectors[:, : len(self.model.vectorizer.vocabulary_)]
        peers = Peers(
            self.model.similarity_units(base),
            self.recommendations,
            decisions.accepted_links(),
            self.column,
        )
        ranking = copy.copy(self)  # shares the fitted rows; only the peers differ
        ranking.peers = peers
        return ranking

    def scores(self, row):
        return (self.recommendation_vectors[row] @ self.action_vectors.T).toarray().ravel()

    def top(self, row, count, exclude=frozenset(), accepted=None):
        """[(action id, score, why)] best first for one recommendation (see `ranked`)."""
        return self.ranked(self.scores(row), count, exclude, accepted)

    def ranked(
        self,
        scores,
        count,
        exclude=frozenset(),
        accepted=None,
        *,
        recommendation_id=None,
        params=None,
        why=False,
    ):
        """What `suggest` stores for one recommendation's row of lexical and feedback scores.

        Each action gets its document's context (context.py) and, when `recommendation_id`
        names the ranked recommendation, the lift of the other recommendations' accepted
        actions (`peers`); then the best `count` not in `exclude` (action ids: the reviewed
        pairs, which also lend nothing) are kept, best first, as [(action id, score, why)].
        `accepted` maps the recommendation's accepted actions to their links: their
        documents get the bonus, the actions like them the lift of instance feedback
        (instances.py), and the actions revoking their documents the lift of revocations
        (revocations.py). With `why`, each pick's {"document", "peer", "instance",
        "revocation"} as `explain` stores them (else None). The evaluation ranks through this
        too, so its figures are those of the product; `params` there overrides the context,
        peer and revocation weights.
        """
        params = params or self.params
        exclude_columns = [self.column[a] for a in exclude if a in self.column]
        links = accepted_documents(accepted or {}, self.document_of)
        boosted, lending = self.documents.boost(scores, params, exclude_columns, links)
        peers = self.peers if recommendation_id is not None and params.peer_weight else None
        if peers:
            columns, sums = peers.evidence(recommendation_id)
            boosted[columns] += params.peer_weight * sums
        revoking = (
            self.revocations.columns(links) if params.revocation_weight else np.array([], int)
        )
        boosted[revoking] += params.revocation_weight
        wanted = count + len(exclude_columns)
        lifted = self._instances(accepted or {}, params, boosted, wanted)
        instance_ids, instance_columns, _, lifts = lifted
        if len(instance_ids):
            boosted[instance_columns] += params.instance_weight * lifts
        picks = self._best(boosted, count, set(exclude_columns))
        action_ids = self.action_ids[[column for column, _ in picks]].tolist()
        return [
            (
                action_id,
                score,
                {
                    "document": self.documents.why(column, lending, params, links, self.action_ids),
                    "peer": peers.why(recommendation_id, column, params.peer_weight)
                    if peers
                    else None,
                    "instance": self._instance_why(column, lifted, accepted, params),
                    "revocation": self.revocations.why(column, links, params.revocation_weight),
                }
                if why
                else None,
            )
            for action_id, (column, score) in zip(action_ids, picks, strict=True)
        ]

    def _instances(self, accepted, params, boosted, wanted):
        """(accepted action ids in id order, the columns whose lift can change the best
        `wanted` of `boosted`, their cosines to the accepted actions, and their instance lifts
        before the weight); none when the weight is 0 or nothing accepted is ranked.

        A lift is the mean of at most two cosines of unit rows, so between 0 and 1. A column
        whose `boosted` score plus the largest lift it could get stays below the `wanted`-th
        best `boosted` score has `wanted` columns above it whatever their lifts (which only
        raise them), and one that stays at or below 0 is never kept: neither can enter the top
        (`_best`), so their lifts are not computed. The bound is first 1 for every column,
        then, for those left, the cosine to the accepted rows' feature-wise maximum, which no
        cosine to one of them exceeds (0 for an action sharing no feature with them). Every
        cosine computed is the one the product with all the actions gives (same operands,
        same order of the sums), so the top and its explanations do not change; an evaluation
        that ranks every action computes them all.
        """
        ids = [a for a in sorted(accepted) if a in self.column] if params.instance_weight else []
        if not ids:
            return np.array([], dtype=np.int64), None, None, None
        units = self.action_units[[self.column[a] for a in ids]]
        reach = params.instance_weight * LIFT_BOUND
        threshold = -np.inf
        if wanted < len(boosted):
            threshold = np.partition(boosted, len(boosted) - wanted)[len(boosted) - wanted]
        columns = np.flatnonzero((boosted + reach >= threshold) & (boosted + reach > 0))
        maximum = units.max(axis=0).tocsr()
        # The second bound walks the actions holding the accepted features once: worth it
        # when the columns left would cost more to compute with every accepted row.
        walk = np.diff(self.unit_postings.indptr)[maximum.indices].sum()
        if len(ids) * np.diff(self.action_units.indptr)[columns].sum() > walk:
            nearest = (maximum @ self.unit_postings).toarray().ravel()[columns]
            within = boosted[columns] + reach * np.minimum(nearest * LIFT_BOUND, 1)
            columns = columns[(within >= threshold) & (within > 0)]
        # The accepted rows times the kept actions' rows turned into columns: each cosine
        # sums the accepted row's features in its own order, as against every action.
        similarities = (units @ self.action_units[columns].T).toarray().T
        return np.array(ids), columns, similarities, instances.nearest_mean(similarities, [0])[:, 0]

    @staticmethod
    def _instance_why(column, lifted, accepted, params):
        """`instances.why` of a picked column, from `_instances`' result (`lifted`): a pick is
        always among its columns."""
        ids, columns, similarities, lifts = lifted
        if not len(ids):
            return None
        at = int(np.searchsorted(columns, column))
        return instances.why(similarities[at], ids, accepted, params.instance_weight, lifts[at])

    @cached_property
    def unit_postings(self):
        """The actions' unit rows transposed (features x actions, CSR), for instance feedback."""
        return self.action_units.T.tocsr()

    @cached_property
    def action_units(self):
        """The actions' unit rows (actions x features, CSR), for instance feedback."""
        width = self.action_vectors.shape[1] // 2  # action_rows: [base | unit], equally wide
        return self.action_vectors[:, width:].tocsr()

    def document_of(self, action_id):
        column = self.column.get(action_id)
        return None if column is None else int(self.documents.document_ids[column])

    def top_all(
        self, count, exclude_by_recommendation, accepted_by_recommendation=None, *, why=False
    ):
        """Yield (recommendation, `ranked`) for all, a block of rows at a time.

        `accepted_by_recommendation` is `Decisions.accepted_links()`, by default of the
        decisions the ranking's feedback was built from.

        scipy's sparse product releases the GIL, so blocks are scored on every core; at most
        one block per core waits to be ranked, which bounds the memory.
        """
        workers = os.cpu_count() or 1
        if accepted_by_recommendation is None:
            accepted_by_recommendation = self.decisions.accepted_links()
        ranking = (count, exclude_by_recommendation, accepted_by_recommendation, why)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            waiting = deque()
            for first in range(0, len(self.recommendations), BLOCK):
                waiting.append((first, pool.submit(self._block_scores, first)))
                if len(waiting) > workers:
                    yield from self._ranked_block(*waiting.popleft(), *ranking)
            while waiting:
                yield from self._ranked_block(*waiting.popleft(), *ranking)

    def _block_scores(self, first):
        # Actions (rows, CSR) times a block of queries turned into columns: no copy of the
        # action matrix, and each action's sums fit in a short accumulator.
        queries = self.recommendation_vectors[first : first + BLOCK].T.tocsr()
        return (self.action_vectors @ queries).toarray().T

    def _ranked_block(self, first, scores, count, exclude_by, accepted_by, why):
        for offset, row in enumerate(scores.result()):
            recommendation = self.recommendations[first + offset]
            exclude = exclude_by.get(recommendation.pk, frozenset())
            accepted = accepted_by.get(recommendation.pk)
            yield (
                recommendation,
                self.ranked(
                    row, count, exclude, accepted, recommendation_id=recommendation.pk, why=why
                ),
            )

    @staticmethod
    def _best(scores, count, exclude_columns):
        """[(column, score)] of the best `count` positive scores outside `exclude_columns`.

        A tie goes to the lower column (the earlier document, then the lower action id): the
        top depends on the scores of the columns in it and above it only, so instance
        feedback may leave out the lifts of the columns that cannot enter it (`_instances`).
        """
        wanted = min(len(scores), count + len(exclude_columns))
        if wanted == 0:
            return []
        weakest = np.partition(scores, len(scores) - wanted)[len(scores) - wanted]
        best = np.flatnonzero((scores >= weakest) & (scores > 0))  # in column order
        best = best[np.argsort(-scores[best], kind="stable")][:wanted]
        if exclude_columns:  # Vectorised: the evaluation ranks every action, many times.
            best = best[~np.isin(best, np.fromiter(exclude_columns, dtype=np.int64))]
        best = best[:count]
        return list(zip(best.tolist(), scores[best].tolist(), strict=True))


def _recommendations():
    # What the ranking reads (the texts, and the code evaluations and CSV rows name).
    fields = ("id", "code", "title", "statement", "quote")
    return list(Recommendation.objects.only(*fields).order_by("stage__position", "position"))


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
        "pystemmer": version("pystemmer"),
        "stop words": sorted(thesaurus.STOP_WORDS),
        "acronyms": sorted(thesaurus.ACRONYMS.items()),
        "concepts": sorted((name, sorted(terms)) for name, terms in thesaurus.CONCEPTS.items()),
        "concept weight": thesaurus.CONCEPT_WEIGHT,
    }
    digest.update(repr(analysis).encode())
    for recommendation in recommendations:
        digest.update(f"{recommendation.pk}\x00{recommendation_text(recommendation)}\x01".encode())
    return digest.hexdigest()


def action_rows(model, counts):
    """An action's row for the product with `Queries.combined`: base weights, then its unit."""
    return sparse.hstack([model.action_vectors(counts), model.unit(counts)]).tocsr()


@dataclass
class Queries:
    """The recommendations' rows as the index stores them, beside the fitted `Model`.

    `base` holds the query weights, `feedback` the Rocchio rows of editors' decisions, and
    `decided` what each feedback row was built from (`Decisions.of`), so an incremental run
    rebuilds the rows of only the recommendations whose decisions changed since.
    `accepted_units` are (action ids, unit rows, ids of the non-candidates) of the actions
    accepted when it was fitted (`Feedback.accepted_units`): instance feedback (instances.py)
    reads every recommendation's, and an incremental run analyses only those accepted since.

    Its pickle keeps `base` and `accepted_units` only: the feedback rows and their decisions
    are stored one recommendation a row (`feedback_rows`), so that a decision rewrites a few
    bytes.
    """

    recommendation_ids: list
    base: sparse.csr_matrix
    feedback: sparse.csr_matrix
    decided: dict
    accepted_units: tuple = (
        np.array([], dtype=np.int64),
        sparse.csr_matrix((0, 0), dtype=np.float32),
        np.array([], dtype=np.int64),
    )

    def __getstate__(self):
        return {
            "recommendation_ids": self.recommendation_ids,
            "base": self.base,
            "accepted_units": self.accepted_units,
        }

    def feedback_rows(self, recommendation_ids=None):
        """[(recommendation id, columns, weights, accepted, rejected)] as bytes, for each
        recommendation with decisions (among `recommendation_ids`, by default all): what
        `MatchingFeedback` stores. The others' rows are empty, and stored as nothing."""
        wanted = self.recommendation_ids if recommendation_ids is None else recommendation_ids
        row_of = {pk: row for row, pk in enumerate(self.recommendation_ids)}
        rows = []
        for pk in wanted:
            accepted, rejected = self.decided[pk]
            if not (accepted or rejected):
                continue
            start, end = self.feedback.indptr[row_of[pk] : row_of[pk] + 2]
            rows.append(
                (
                    pk,
                    self.feedback.indices[start:end].astype(np.int32).tobytes(),
                    self.feedback.data[start:end].astype(np.float32).tobytes(),
                    np.array(accepted, dtype=np.int64).tobytes(),
                    np.array(rejected, dtype=np.int64).tobytes(),
                )
            )
        return rows

    def add_feedback_rows(self, rows):
        """Set `feedback` and `decided` from stored `feedback_rows` (after unpickling)."""
        stored = {pk: rest for pk, *rest in rows}
        no_columns = np.zeros(0, dtype=np.int32)
        no_weights = np.zeros(0, dtype=np.float32)
        columns, weights, self.decided = [], [], {}
        for pk in self.recommendation_ids:
            if pk in stored:
                row_columns, row_weights, accepted, rejected = stored[pk]
                columns.append(np.frombuffer(row_columns, dtype=np.int32))
                weights.append(np.frombuffer(row_weights, dtype=np.float32))
                self.decided[pk] = (_pairs(accepted), _pairs(rejected))
            else:
                columns.append(no_columns)
                weights.append(no_weights)
                self.decided[pk] = ((), ())
        ends = np.cumsum([0] + [len(row) for row in columns])
        self.feedback = sparse.csr_matrix(
            (np.concatenate([no_weights, *weights]), np.concatenate([no_columns, *columns]), ends),
            shape=self.base.shape,
        )

    def combined(self):
        return sparse.hstack([self.base, self.feedback]).tocsr()

    def changed(self, recommendations, decisions):
        """The recommendations whose decisions differ from those of their feedback row."""
        return [r for r in recommendations if self.decided.get(r.pk) != decisions.of(r.pk)]

    def refresh(self, model, recommendations, decisions):
        """Rebuild the feedback rows of `recommendations` from `decisions`."""
        feedback = Feedback(model, recommendations, decisions)
        row_of = {pk: row for row, pk in enumerate(self.recommendation_ids)}
        rows = [row_of[r.pk] for r in recommendations]
        kept = np.ones(len(self.recommendation_ids), dtype=np.float32)
        kept[rows] = 0
        placed = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, range(len(rows)))),
            shape=(len(self.recommendation_ids), len(rows)),
        )
        self.feedback = (sparse.diags(kept) @ self.feedback + placed @ feedback.matrix).tocsr()
        self.feedback.eliminate_zeros()
        for recommendation in recommendations:
            self.decided[recommendation.pk] = decisions.of(recommendation.pk)


def _pairs(stored):
    """The (link id, action id) pairs of `Decisions.of` from their stored int64 bytes."""
    return tuple(map(tuple, np.frombuffer(stored, dtype=np.int64).reshape(-1, 2).tolist()))


def rank(*, store_index=False, params=None, decisions=None):
    """Fit the analysis on every candidate action and the recommendations, and score.

    Scores include editors' feedback (`decisions`, by default every decision in the
    database). With `store_index`, keep the fitted model and the recommendations' rows
    so that later incremental runs score new actions without refitting.
    """
    params = params or PARAMS
    recommendations = _recommendations()
    # Grouped by document: document context takes each document's best in one pass.
    actions = list(candidate_actions().only(*ACTION_FIELDS).order_by("factsheet_id", "pk"))
    if not (recommendations and actions):
        return _empty_ranking(params)
    texts = [recommendation_text(r) for r in recommendations]
    texts += [action_text(action) for action in actions]
    try:
        model = Model(params, texts, len(actions))
    except ValueError:  # No feature is shared by two texts: nothing can match.
        return _empty_ranking(params)
    counts = model.fitted_counts
    decisions = Decisions.load() if decisions is None else decisions
    feedback = Feedback(model, recommendations, decisions)
    queries = Queries(
        [r.pk for r in recommendations],
        model.query_vectors(counts[: len(recommendations)]),
        feedback.matrix,
        {r.pk: decisions.of(r.pk) for r in recommendations},
        feedback.accepted_units(),
    )
    if store_index:
        MatchingIndex.store(index_key(recommendations, params), model, queries)
    ranking = Ranking(
        recommendations=recommendations,
        action_ids=np.array([action.pk for action in actions], dtype=np.int64),
        recommendation_vectors=queries.combined(),
        action_vectors=action_rows(model, counts[len(recommendations) :]),
        documents=Documents([action.factsheet_id for action in actions]),
        params=params,
        model=model,
        feedback=feedback,
        decisions=decisions,
        revocations=Revocations.among(actions),
    ).with_peers(decisions)
    model.fitted_counts = None  # the rows above hold what is needed
    return ranking


def _empty_ranking(params):
    return Ranking([], np.array([], dtype=np.int64), None, None, Documents([]), params)


def stored_index(recommendations):
    """(index row, model, queries) of the stored fit, or None when it is stale or missing."""
    index = MatchingIndex.objects.order_by("-pk").only("recommendations_key").first()
    if index is None or index.recommendations_key != index_key(recommendations):
        return None
    try:
        model, queries = index.load()
    except Exception:  # An index pickled by another version of this code: refit.
        return None
    if not isinstance(queries, Queries) or queries.recommendation_ids != [
        r.pk for r in recommendations
    ]:
        return None
    return index, model, queries
