"""Pending suggestions stored as `Link` rows: full and incremental runs, and their explanation."""

import gc
from contextlib import contextmanager
from functools import lru_cache

import numpy as np
from django.db import transaction
from django.db.models import Count, Min
from scipy import sparse

from ..models import Action, Link, LinkQuerySet
from . import instances
from .analysis import ACTION_FIELDS, action_text, analyse, candidate_actions, recommendation_text
from .context import Documents, accepted_documents
from .feedback import Decisions, Feedback
from .index import _recommendations, action_rows, rank, stored_index
from .peers import Peers
from .revocations import Revocations

# An explanation never equal to a new one: rows rescored incrementally are always rewritten.
_STORED = object()

DEFAULT_TOP = 10


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
    rows that stay in the top keep their identity and get the new score. A link an
    editor reopened (`Link.is_reopened`) is the editor's, not a suggestion: it is
    never deleted, in the top or not, and gets the new score where it is in the top.
    Returns (created, updated, deleted).
    """
    return _suggest(rank(store_index=True), top, recompute=recompute)


def suggest_for_actions(action_ids, top=DEFAULT_TOP):
    """Incremental: score the new actions with the stored index, without refitting.

    The new actions' documents are scored whole (an action's document context depends on
    every action of its document) against every recommendation's stored rows; their actions
    enter its pending suggestions where they beat the weakest, and its pending actions in
    those documents are rescored; the other pending rows keep their scores. A recommendation
    whose decisions changed since its feedback row was built gets a new row (only its decided
    actions are read), and the documents of its pending suggestions and of its changed
    decisions are rescored whole with it, so no two scores from different feedback are
    compared, and a decision's document bonus reaches the actions beside it. An action whose
    acceptance changed is evidence for every other recommendation (peers.py): its document is
    scored whole for all of them, as a new one is. When the stored fit is stale, this is a
    full run. Returns (created, updated, deleted).

    The garbage collector is paused meanwhile (`_collection_paused`); not for a full run.
    """
    with _collection_paused():
        counts = _incremental(action_ids, top)
    return suggest_all(top) if counts is None else counts


@contextmanager
def _collection_paused():
    """No garbage collection inside: an incremental run's rows are freed by reference counting
    when it ends, but building them (tens of thousands of decisions and stored pairs at x10)
    set off a full collection, which walks every object of the process: at x10 on
    PostgreSQL, 0.08-0.09 of the 0.34-0.38 CPU s of the run after a decision (README, *Scale*)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _incremental(action_ids, top):
    """`suggest_for_actions`' counts, or None when the stored fit is stale (a full run is due)."""
    new_actions = dict(candidate_actions().filter(pk__in=action_ids).values_list("pk", "factsheet"))
    if not new_actions:
        return 0, 0, 0
    recommendations = _recommendations()
    stored = stored_index(recommendations)
    if stored is None:
        return None
    index, model, queries = stored
    decisions = Decisions.load()
    changed = queries.changed(recommendations, decisions)
    redecided = {
        r.pk: _decided_actions(queries.decided.get(r.pk)) ^ _decided_actions(decisions.of(r.pk))
        for r in changed
    }
    reaccepted = set().union(
        *(
            _accepted_actions(queries.decided.get(r.pk)) ^ _accepted_actions(decisions.of(r.pk))
            for r in changed
        )
    )
    if changed:
        queries.refresh(model, changed, decisions)
        changed_ids = [r.pk for r in changed]
        index.store_feedback(queries.feedback_rows(changed_ids), replacing=changed_ids)
    pending = _pending(redecided)
    own = {r: set(pending.get(r, {})) | decided for r, decided in redecided.items()}
    document_of = dict(
        Action.objects.filter(pk__in=reaccepted.union(*own.values())).values_list("pk", "factsheet")
    )
    own_documents = {r: {document_of[a] for a in own[r] if a in document_of} for r in own}
    # Scored for every recommendation: the new documents, and those whose acceptances changed.
    shared_documents = set(new_actions.values()) | {
        document_of[a] for a in reaccepted if a in document_of
    }
    actions = list(
        candidate_actions()
        .filter(factsheet__in=shared_documents.union(*own_documents.values()))
        .only(*ACTION_FIELDS)
        .order_by("factsheet_id", "pk")
    )
    column = {action.pk: index for index, action in enumerate(actions)}
    action_ids = np.array(list(column), dtype=np.int64)
    documents = Documents([action.factsheet_id for action in actions])
    vectors = action_rows(model, model.counts([action_text(a) for a in actions]))
    row_of = {r.pk: row for row, r in enumerate(recommendations)}
    in_shared = np.isin(documents.document_ids, list(shared_documents))
    scores = _scores(queries.combined(), vectors, in_shared, [row_of[r] for r in redecided])
    reviewed = {}  # {row: {column}}: decided pairs lend nothing and are never suggested
    for recommendation_id, action_id in (
        Link.objects.exclude(review=Link.Review.SUGGESTED)
        .filter(action__factsheet__in=documents.run_documents.tolist())
        .values_list("recommendation_id", "action_id")
    ):
        if action_id in column and recommendation_id in row_of:
            reviewed.setdefault(row_of[recommendation_id], set()).add(column[action_id])
    accepted_links = decisions.accepted_links()
    accepted = {}  # {row: {document id: link id}} of the accepted actions in these documents
    for recommendation_id, links in accepted_links.items():
        here = {a: link for a, link in links.items() if a in column}
        if here and recommendation_id in row_of:
            accepted[row_of[recommendation_id]] = accepted_documents(
                here, lambda a: _document(a, column, documents)
            )
    decided = [(row, c) for row, columns in reviewed.items() for c in columns]
    boosted, lending = documents.boost_rows(
        scores, model.params, tuple(zip(*decided, strict=True)) or ((), ()), accepted
    )
    peer_weight = model.params.peer_weight
    peers = Peers(model.similarity_units(queries.base), recommendations, accepted_links, column)
    if peers and peer_weight:
        peer_columns, sums = peers.evidence_rows()
        boosted[:, peer_columns] += peer_weight * sums
    instance_weight = model.params.instance_weight
    rescored_rows = [row_of[r] for r in redecided]
    nearest = _instance_evidence(
        model, queries, accepted_links, row_of, vectors, in_shared, rescored_rows
    )
    for part in nearest:
        part.add_to(boosted, instance_weight)
    revocation_weight = model.params.revocation_weight
    revocations = Revocations.among(actions) if revocation_weight else Revocations({})
    evidence = _evidence_documents(accepted_links, row_of) if revocations else {}
    for row, revoked in evidence.items():
        boosted[row, revocations.columns(revoked)] += revocation_weight
    touched = set(np.flatnonzero((boosted[:, in_shared] > 0).any(axis=1)))
    # At x10 nearly every recommendation is touched: one whose rows cannot change is left
    # out before its pending rows are read (`_unchanged`).
    entering = np.where(in_shared, boosted, -np.inf)
    if decided:
        entering[tuple(zip(*decided, strict=True))] = -np.inf  # never suggested
    best_new = entering.max(axis=1)
    weakest = _weakest_pending()
    beside = set(
        Link.objects.filter(review=Link.Review.SUGGESTED, action__factsheet__in=shared_documents)
        .values_list("recommendation_id", flat=True)
        .order_by()
    )
    touched = {
        row
        for row in touched
        if not _unchanged(weakest.get(recommendations[row].pk), best_new[row], top)
    }
    # Pending rows in the shared documents are rescored even where nothing there scores any
    # more (an acceptance withdrawn takes its peer evidence with it).
    touched |= {row for row, r in enumerate(recommendations) if r.pk in redecided or r.pk in beside}
    pending.update(_pending({recommendations[row].pk for row in touched} - set(pending)))
    wanted, whys, deleted = {}, {}, []
    for row in sorted(touched):
        recommendation_id = recommendations[row].pk
        rescore = recommendation_id in redecided
        relevant = in_shared
        if rescore:
            own_columns = np.isin(documents.document_ids, list(own_documents[recommendation_id]))
            relevant = in_shared | own_columns
        current = pending.get(recommendation_id, {})
        rescored = {
            a: float(boosted[row, column[a]])
            for a in current
            if a in column and relevant[column[a]]
        }
        # A rescored recommendation's pending action no longer a candidate leaves.
        # A link an editor reopened may have no score (decided by hand, or loaded from a file).
        candidates = {
            a: link["score"]
            for a, link in current.items()
            if not rescore and link["score"] is not None
        }
        candidates.update(rescored)
        skipped = reviewed.get(row, set())
        candidates.update(
            (int(action_ids[c]), float(boosted[row, c]))
            for c in np.flatnonzero(relevant & (boosted[row] > 0))
            if c not in skipped and int(action_ids[c]) not in current
        )
        best = sorted(
            ((a, score) for a, score in candidates.items() if score > 0), key=lambda item: -item[1]
        )[:top]
        kept = dict(best)
        # A link an editor reopened stays, in the top or not (`suggest_all`).
        deleted += [
            link["pk"]
            for a, link in current.items()
            if a not in kept and link["reviewed_at"] is None
        ]
        for action_id, score in best:
            if action_id in column and relevant[column[action_id]]:
                wanted[(recommendation_id, action_id)] = score
                where = column[action_id]
                whys[(recommendation_id, action_id)] = {
                    "document": documents.why(
                        where, lending[row], model.params, accepted.get(row, {}), action_ids
                    ),
                    "peer": peers.why(recommendation_id, where, peer_weight) if peers else None,
                    "instance": next(
                        (
                            why
                            for part in nearest
                            if (why := part.why(row, where, accepted_links, instance_weight))
                        ),
                        None,
                    ),
                    "revocation": revocations.why(where, evidence.get(row, {}), revocation_weight),
                }
    by_id = {r.pk: r for r in recommendations}
    feedback = Feedback(model, [by_id[r] for r in {r for r, _ in wanted}], decisions)
    explanations = explain(
        model, feedback, by_id, {a.pk: a for a in actions}, vectors, column, wanted, whys
    )
    existing = {}
    for recommendation_id, action_id in wanted:
        link = pending.get(recommendation_id, {}).get(action_id)
        if link is not None:
            existing[(recommendation_id, action_id)] = Link(
                pk=link["pk"], score=link["score"], explanation=_STORED
            )
    with transaction.atomic():
        return (*_store(wanted, existing, explanations), _delete(deleted))


class _Nearest:
    """Instance feedback (instances.py) of some loaded actions (`columns`) for some
    recommendations (`rows`, and their `recommendation_ids`): `ids` are their accepted
    actions, each row's a run in id order from `starts`; `similarities` (columns x accepted)
    and `lifts` (columns x rows, before the weight)."""

    def __init__(self, columns, rows, recommendation_ids, ids, starts, similarities):
        self.columns, self.rows, self.recommendation_ids = columns, rows, recommendation_ids
        self.ids, self.starts, self.similarities = ids, starts, similarities
        self.lifts = instances.nearest_mean(similarities, starts)
        self.run_of = {row: run for run, row in enumerate(rows.tolist())}
        self.at = {column: at for at, column in enumerate(columns.tolist())}

    def add_to(self, boosted, weight):
        boosted[np.ix_(self.rows, self.columns)] += weight * self.lifts.T

    def why(self, row, column, accepted_links, weight):
        """`instances.why` of a (row, column) pair, or None when it is not among these."""
        run, at = self.run_of.get(row), self.at.get(column)
        if run is None or at is None:
            return None
        start = self.starts[run]
        end = self.starts[run + 1] if run + 1 < len(self.starts) else len(self.ids)
        return instances.why(
            self.similarities[at, start:end],
            self.ids[start:end],
            accepted_links[self.recommendation_ids[run]],
            weight,
            self.lifts[at, run],
        )


def _instance_evidence(model, queries, accepted_links, row_of, vectors, in_shared, rescored):
    """[`_Nearest`] of the loaded actions (`vectors`): the shared documents' actions for every
    recommendation with accepted actions, the others for the `rescored` rows only (nothing
    reads the rest, as in `_scores`); [] when the weight is 0.

    The accepted actions' unit rows come from the stored fit (`Queries.accepted_units`); only
    those accepted since are analysed, and only candidates count, as in a full run.
    """
    if not model.params.instance_weight:
        return []
    recommendation_of = {row: recommendation_id for recommendation_id, row in row_of.items()}
    # Every (row, accepted action) pair as arrays: at x10 there are tens of thousands, and a
    # loop per pair was most of this function's time.
    pair_rows, pair_actions = [], []
    for recommendation_id, links in accepted_links.items():
        row = row_of.get(recommendation_id)
        if row is not None:
            pair_rows += [row] * len(links)
            pair_actions += links
    pair_rows = np.array(pair_rows, dtype=np.int64)
    pair_actions = np.array(pair_actions, dtype=np.int64)
    ids, units, not_candidates = queries.accepted_units
    missing = np.setdiff1d(pair_actions, np.concatenate([ids, not_candidates]))
    if len(missing):
        found = candidate_actions().only(*ACTION_FIELDS).in_bulk(missing.tolist())
        new_ids = np.array(sorted(found), dtype=np.int64)
        if len(new_ids):
            new_units = model.unit(model.counts([action_text(found[a]) for a in new_ids.tolist()]))
            units = sparse.vstack([units, new_units]).tocsr() if len(ids) else new_units
            ids = np.concatenate([ids, new_ids])
    if not len(ids):
        return []
    by_id = np.argsort(ids, kind="stable")
    at = np.minimum(np.searchsorted(ids[by_id], pair_actions), len(ids) - 1)
    known_pair = ids[by_id][at] == pair_actions
    pair_rows, pair_actions = pair_rows[known_pair], pair_actions[known_pair]
    order = np.lexsort((pair_actions, pair_rows))  # by row, then action id
    pair_rows, positions = pair_rows[order], by_id[at[known_pair]][order]
    starts = np.flatnonzero(np.diff(pair_rows, prepend=-1))
    runs = [
        (int(pair_rows[start]), recommendation_of[int(pair_rows[start])], positions[start:end])
        for start, end in zip(starts, [*starts[1:], len(pair_rows)][: len(starts)], strict=True)
    ]
    width = len(model.vectorizer.vocabulary_)
    wanted_rows = set(rescored)
    parts = []
    for columns, chosen in (
        (np.flatnonzero(in_shared), runs),
        (np.flatnonzero(~in_shared), [run for run in runs if run[0] in wanted_rows]),
    ):
        if not (len(columns) and chosen):
            continue
        order = np.concatenate([here for *_, here in chosen])
        # Each accepted row read once (accepted rows x loaded actions), then gathered.
        needed = np.unique(order)
        loaded_units = vectors[columns][:, width:]
        similarities = (units[needed] @ loaded_units.T).toarray().T
        similarities = similarities[:, np.searchsorted(needed, order)]
        parts.append(
            _Nearest(
                columns,
                np.array([row for row, *_ in chosen], dtype=np.int64),
                [recommendation_id for _, recommendation_id, _ in chosen],
                ids[order],
                np.cumsum([0] + [len(here) for *_, here in chosen])[:-1],
                similarities,
            )
        )
    return parts


def _pending(recommendation_ids):
    """{recommendation id: {action id: pending link's pk, action id and score}} of these
    recommendations only (each has an entry, empty when it has no pending suggestion)."""
    pending = {pk: {} for pk in recommendation_ids}
    ids = list(pending)
    for first in range(0, len(ids), 1000):
        for link in Link.objects.filter(
            review=Link.Review.SUGGESTED, recommendation_id__in=ids[first : first + 1000]
        ).values("pk", "recommendation_id", "action_id", "score", "reviewed_at"):
            pending[link["recommendation_id"]][link["action_id"]] = link
    return pending


def _evidence_documents(accepted_links, row_of):
    """{row: {document id: accepted link id}} of every recommendation's evidence, wherever it
    is (`accepted_documents`' choice of link): the documents a revocation can undo."""
    # The candidates' only, as the full run's `Ranking.document_of` gives them.
    document_of = dict(
        Link.objects.filter(LinkQuerySet.evidence_condition())
        .filter(action__in=candidate_actions().values("pk"))
        .values_list("action_id", "action__factsheet")
    )
    return {
        row_of[recommendation_id]: accepted_documents(links, document_of.get)
        for recommendation_id, links in accepted_links.items()
        if recommendation_id in row_of
    }


def _scores(queries, vectors, in_shared, rescored_rows):
    """Every recommendation's scores for the actions of the documents scored for all (`in_shared`:
    the new ones and those whose acceptances changed), and for the other actions (the rescored
    recommendations' own documents) those of `rescored_rows` only: nothing reads the rest, left
    at 0. Each score is the same product as in one matrix."""
    scores = np.zeros((queries.shape[0], vectors.shape[0]), dtype=queries.dtype)
    shared_columns = np.flatnonzero(in_shared)
    scores[:, shared_columns] = (queries @ vectors[shared_columns].T).toarray()
    own_columns = np.flatnonzero(~in_shared)
    if rescored_rows and len(own_columns):
        rows = np.array(sorted(rescored_rows))
        scores[np.ix_(rows, own_columns)] = (queries[rows] @ vectors[own_columns].T).toarray()
    return scores


def _weakest_pending():
    """{recommendation id: (pending suggestions, lowest score)}, counted by the database.

    The machine's suggestions only: a link an editor reopened may have no score, which the
    lowest would skip while the count held it, so a top it fills would read as full."""
    return {
        recommendation_id: (count, lowest)
        for recommendation_id, count, lowest in Link.objects.machine_suggestions()
        .values("recommendation_id")
        .annotate(count=Count("pk"), lowest=Min("score"))
        .order_by()
        .values_list("recommendation_id", "count", "lowest")
    }


def _unchanged(weakest, best_new, top):
    """Whether a recommendation's pending rows stay as they are: its top is full, every
    score positive, and no new action scores above the weakest (a tie keeps the pending
    one, as the ranking does). Its pending actions must lie outside the new documents."""
    if weakest is None:
        return False
    count, lowest = weakest
    return count == top and lowest is not None and lowest > 0 and best_new <= lowest


def _decided_actions(decided):
    """The action ids of a `Decisions.of` pair (or of None)."""
    return {action_id for pairs in (decided or ()) for _, action_id in pairs}


def _accepted_actions(decided):
    """The accepted action ids of a `Decisions.of` pair (or of None)."""
    return {action_id for _, action_id in (decided or ((), ()))[0]}


def _document(action_id, column, documents):
    where = column.get(action_id)
    return None if where is None else int(documents.document_ids[where])


def _suggest(ranking, top, *, recompute=False):
    picks = {}
    if ranking.action_vectors is not None:
        picks = {
            (recommendation.pk, action_id): (score, why)
            for recommendation, ranked in ranking.top_all(top, _reviewed_pairs(), why=True)
            for action_id, score, why in ranked
        }
    wanted = {pair: score for pair, (score, _) in picks.items()}
    explanations = {}
    if wanted:
        explanations = explain(
            ranking.model,
            ranking.feedback,
            {r.pk: r for r in ranking.recommendations},
            candidate_actions().only(*ACTION_FIELDS).in_bulk({a for _, a in wanted}),
            ranking.action_vectors,
            ranking.column,
            wanted,
            {pair: why for pair, (_, why) in picks.items()},
        )
    with transaction.atomic():
        deleted = Link.objects.machine_suggestions().delete()[0] if recompute else 0
        existing = {
            (link.recommendation_id, link.action_id): link
            for link in Link.objects.pending().only(
                "id",
                "recommendation_id",
                "action_id",
                "score",
                "explanation",
                "review",
                "reviewed_at",
            )
        }
        stale = [
            link.pk
            for pair, link in existing.items()
            if pair not in wanted and not link.is_reopened
        ]
        deleted += _delete(stale)
        return (*_store(wanted, existing, explanations), deleted)


def explain(model, feedback, recommendations, actions, action_vectors, column, pairs, context):
    """{(recommendation id, action id): {"concepts", "feedback", "document", "peer", "instance",
    "revocation"}}.

    Stored on each suggestion so the review queue can show why without recomputing.
    `action_vectors` are the actions' rows (`action_rows`), found by `column[action id]`;
    `feedback` must cover the pairs' recommendations; `context` holds each pair's document
    context (`Documents.why`), peer decision (`Peers.why`), nearest accepted action
    (`instances.why`) and revoked evidence (`Revocations.why`) as {"document", "peer",
    "instance", "revocation"}.
    """
    if not pairs:
        return {}
    width = len(model.vectorizer.vocabulary_)
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
    by_recommendation = {}
    for recommendation_id, action_id in pairs:
        by_recommendation.setdefault(recommendation_id, []).append(action_id)
    result = {}
    for recommendation_id, action_ids in by_recommendation.items():
        units = action_vectors[[column[a] for a in action_ids], width:]
        moved = feedback.strongest(recommendation_id, units)
        for action_id, decision in zip(action_ids, moved, strict=True):
            shared = features("r", recommendation_id) & features("a", action_id)
            why = context.get((recommendation_id, action_id)) or {}
            result[(recommendation_id, action_id)] = {
                "concepts": sorted(c.removeprefix("concept:") for c in shared),
                "feedback": decision,
                "document": why.get("document"),
                "peer": why.get("peer"),
                "instance": why.get("instance"),
                "revocation": why.get("revocation"),
            }
    return result


def _delete(link_ids):
    """Delete the machine suggestions among `link_ids`: one an editor decided or reopened
    since the run read it stays."""
    deleted = 0
    for first in range(0, len(link_ids), 1000):
        batch = link_ids[first : first + 1000]
        deleted += Link.objects.machine_suggestions().filter(pk__in=batch).delete()[0]
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
        for position, (action_id, score, _) in enumerate(ranked, start=1)
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
