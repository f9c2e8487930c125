"""Recall@5, recall@10 and MRR against labels, held out, and the tuning of `Params`."""

import hashlib

from .. import rerank
from .feedback import Decisions, Feedback
from .index import PARAMS, Params, rank


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


def evaluate_held_out(
    gold, params=None, *, split="test", protocol="link", document_context=False, ranking=None
):
    """Recall@5, recall@10 and MRR with each recommendation's labels hidden from feedback.

    Only recommendations in `split` (see `split_of`) are measured. Decisions come from the
    database (the loaded curation). `protocol`:
    - "recommendation": every decision on the measured recommendation is hidden; its
      feedback can only come from other recommendations, so this measures the engine cold.
    - "link": each labelled link is hidden in turn; the recommendation keeps its other
      decisions (feedback), and the actions they decided are out of the ranking, as in the
      review queue. MRR is then the mean reciprocal rank of the hidden links.
    With `document_context`, scores get their document's share (see tracker/rerank.py).
    `ranking`, when given, is the engine already fitted with `params` (it is only read).
    """
    ranking = ranking or rank(params=params, decisions=Decisions({}, {}))
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
    # One fit per setting serves every label set and protocol: a fit covers every action.
    tfidf_ranking, ranking = (rank(params=p, decisions=Decisions({}, {})) for p in (tfidf, params))
    report = {}
    for name, gold in labels.items():
        report[name] = {
            "tf-idf, no feedback": evaluate_held_out(
                gold, tfidf, protocol="recommendation", ranking=tfidf_ranking
            ),
            f"{params.weighting}, no feedback (recommendation held out)": evaluate_held_out(
                gold, params, protocol="recommendation", ranking=ranking
            ),
            "tf-idf + feedback (link held out)": evaluate_held_out(
                gold, tfidf, ranking=tfidf_ranking
            ),
            f"{params.weighting} + feedback (link held out)": evaluate_held_out(
                gold, params, ranking=ranking
            ),
            f"{params.weighting} + feedback + document context (link held out)": (
                evaluate_held_out(gold, params, document_context=True, ranking=ranking)
            ),
        }
    return report
