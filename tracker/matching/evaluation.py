"""Recall@5, recall@10 and MRR against labels, held out, and the tuning of `Params`.

Every figure ranks through `Ranking.ranked`, the method `suggest` stores its suggestions
with, so the figures are those of the product.
"""

import hashlib
from dataclasses import replace

from .feedback import Decisions, Feedback
from .index import PARAMS, Params, rank
from .suggestions import _reviewed_pairs

MISSED = 10**9


def evaluate(gold, params=None):
    """Recall@5, recall@10 (over gold links) and MRR (over recommendations with gold links).

    `gold` maps recommendation codes to sets of action ids that implement them. No
    decisions: the labels are editors' decisions, so using them would score the answers.
    """
    ranking = rank(params=params, decisions=Decisions({}, {}))
    found_at = {5: 0, 10: 0}
    reciprocal_ranks = []
    total = 0
    for row, recommendation in enumerate(ranking.recommendations):
        expected = gold.get(recommendation.code)
        if not expected:
            continue
        ranked = [action_id for action_id, _, _ in ranking.top(row, len(ranking.action_ids))]
        positions = {action_id: index for index, action_id in enumerate(ranked, start=1)}
        total += len(expected)
        for cutoff in found_at:
            found_at[cutoff] += sum(1 for a in expected if positions.get(a, MISSED) <= cutoff)
        first = min((positions.get(a, MISSED) for a in expected), default=MISSED)
        reciprocal_ranks.append(1 / first if first < MISSED else 0.0)
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


def without_context(params):
    """`params` with document context, peer evidence and instance feedback off: the lexical
    ranking and Rocchio feedback alone."""
    return replace(
        params,
        document_weight=0.0,
        accepted_document_bonus=0.0,
        peer_weight=0.0,
        instance_weight=0.0,
        revocation_weight=0.0,
    )


def without_peers(params):
    """`params` without the other recommendations' decisions (peers.py) nor instance feedback."""
    return replace(params, peer_weight=0.0, instance_weight=0.0)


def without_revocations(params):
    """`params` without the lift of revocations of accepted evidence (revocations.py)."""
    return replace(params, revocation_weight=0.0)


def without_instances(params):
    """`params` without instance feedback (instances.py) nor revocations: the engine before
    them."""
    return replace(params, instance_weight=0.0, revocation_weight=0.0)


def evaluate_held_out(gold, params=None, *, split="test", protocol="link", ranking=None):
    """Recall@5, recall@10 and MRR with each recommendation's labels hidden from it.

    Only recommendations in `split` (see `split_of`) are measured. Decisions come from the
    database (the loaded curation). `protocol`:
    - "recommendation": no decision is used; the measured recommendation has no feedback, no
      accepted document, no peer evidence and nothing out of its ranking: the engine cold.
    - "link": each labelled link is hidden in turn; the recommendation keeps its other
      decisions, as feedback and as accepted documents, and every other pair it has
      reviewed is out of the ranking, as in the review queue; the other recommendations'
      accepted links are peer evidence (peers.py: a recommendation's own decisions never
      are, so the hidden link is not). MRR is then the mean reciprocal rank of the hidden
      links.
    `ranking`, when given, is the engine already fitted with `params`' lexical part (it is
    only read); `params` also weighs the feedback and the document context.
    """
    ranking = ranking or rank(params=params, decisions=Decisions({}, {}))
    params = params or ranking.params
    model = ranking.model
    if model is not None and model.params != params:
        model = _with_params(model, params)
    decisions = Decisions.load()
    if protocol == "link":
        ranking = ranking.with_peers(decisions)
    reviewed = _reviewed_pairs()
    found = {5: 0, 10: 0}
    reciprocal, total = [], 0
    for row, recommendation in enumerate(ranking.recommendations):
        expected = gold.get(recommendation.code)
        if not expected or split_of(recommendation.code) != split:
            continue
        base = ranking.scores(row)
        peer_evidence_of = None
        if protocol == "recommendation":
            trials = [(expected, base, frozenset(), {})]
        else:
            trials = []
            for hidden in expected:
                kept = Decisions(
                    {recommendation.pk: _without(decisions.accepted, recommendation, hidden)},
                    {recommendation.pk: _without(decisions.rejected, recommendation, hidden)},
                )
                feedback = Feedback(model, [recommendation], kept)
                width = feedback.matrix.shape[1]
                unit = ranking.action_vectors[:, -width:]
                scores = base + (feedback.matrix @ unit.T).toarray().ravel()
                exclude = reviewed.get(recommendation.pk, set()) - {hidden}
                accepted = kept.accepted_links().get(recommendation.pk, {})
                trials.append(({hidden}, scores, exclude, accepted))
            peer_evidence_of = recommendation.pk
        for wanted, scores, exclude, accepted in trials:
            ranked = ranking.ranked(
                scores,
                len(scores),
                exclude,
                accepted,
                recommendation_id=peer_evidence_of,
                params=params,
            )
            positions = {action_id: index for index, (action_id, _, _) in enumerate(ranked, 1)}
            total += len(wanted)
            for cutoff in found:
                found[cutoff] += sum(1 for a in wanted if positions.get(a, MISSED) <= cutoff)
            first = min(positions.get(a, MISSED) for a in wanted)
            reciprocal.append(1 / first if first < MISSED else 0.0)
    return {
        "gold_links": total,
        "recall@5": found[5] / total if total else 0.0,
        "recall@10": found[10] / total if total else 0.0,
        "mrr": sum(reciprocal) / len(reciprocal) if reciprocal else 0.0,
    }


def _with_params(model, params):
    """The fitted `model` weighing feedback by `params` (the fit itself does not read them)."""
    copy = object.__new__(type(model))
    copy.__dict__.update(model.__dict__, params=params)
    return copy


def _without(by_recommendation, recommendation, action_id):
    return [(pk, a) for pk, a in by_recommendation.get(recommendation.pk, []) if a != action_id]


# The document context weights searched with each lexical setting (no refit needed).
CONTEXT_GRID = [(0.0, 0.0), (0.25, 0.1), (0.5, 0.1), (0.25, 0.2), (0.5, 0.2)]

# The grid searched on the tuning split; `tune` picks by recall@5 + recall@10 + MRR.
TUNING_GRID = [
    Params(weighting, k1, b, accepted, rejected, document, bonus, peer, instance)
    for weighting, k1, b in [
        ("tfidf", 1.2, 0.75),
        ("bm25", 0.9, 0.5),
        ("bm25", 1.2, 0.75),
        ("bm25", 1.6, 0.3),
    ]
    for accepted in (0.0, 0.25, 0.5, 1.0)
    for rejected in (0.0, 0.25, 0.5)
    for document, bonus in CONTEXT_GRID
    for peer in (0.0, 0.1, 0.25, 0.5)
    for instance in (0.0, 0.15)
]


# A grid small enough for the whole corpus (each lexical setting is one fit of every action):
# the two weightings, with and without feedback, each with the document context grid, with
# and without the other recommendations' decisions; with feedback, with and without instance
# feedback (it reads the same decisions).
SMALL_GRID = [
    Params(weighting, k1, b, accepted, rejected, document, bonus, peer, instance)
    for weighting, k1, b in [("tfidf", 1.2, 0.75), ("bm25", 0.9, 0.5), ("bm25", 1.2, 0.75)]
    for accepted, rejected in [(0.0, 0.0), (0.25, 0.25)]
    for document, bonus in CONTEXT_GRID
    for peer in (0.0, 0.25)
    for instance in ((0.0, 0.15) if accepted else (0.0,))
]


def tune(gold, grid=TUNING_GRID):
    """[(objective, params)] best first, measured on the tuning split only.

    Settings that differ in feedback, document context or peer evidence only share one fit.
    On a tie the shipped `PARAMS` come first, then the grid's own order, so the choice never
    depends on the database; objectives are compared to 9 decimals, below which a sum of
    floats is noise.
    """
    fits, results = {}, []
    for params in grid:
        fit = replace(without_context(params), accepted_weight=0.0, rejected_weight=0.0)
        if fit not in fits:
            fits[fit] = rank(params=fit, decisions=Decisions({}, {}))
        result = evaluate_held_out(gold, params, split="tune", ranking=fits[fit])
        results.append((result["recall@5"] + result["recall@10"] + result["mrr"], params))
    return sorted(results, key=lambda item: (-round(item[0], 9), item[1] != PARAMS))


def describe_params(params):
    """A short name for a setting: 'bm25 k1=0.9 b=0.5, feedback 0.25/0.25, document 0.25/0.1,
    peers 0.25, instances 0.15, revocations 0.25'."""
    weighting = "tf-idf" if params.weighting == "tfidf" else f"bm25 k1={params.k1} b={params.b}"
    parts = [weighting]
    if params.accepted_weight or params.rejected_weight:
        parts.append(f"feedback {params.accepted_weight}/{params.rejected_weight}")
    else:
        parts.append("no feedback")
    if params.document_weight or params.accepted_document_bonus:
        parts.append(f"document {params.document_weight}/{params.accepted_document_bonus}")
    else:
        parts.append("no document context")
    parts.append(f"peers {params.peer_weight}" if params.peer_weight else "no peers")
    if params.instance_weight:
        parts.append(f"instances {params.instance_weight}")
    if params.revocation_weight:
        parts.append(f"revocations {params.revocation_weight}")
    return ", ".join(parts)


SHIPPED = "shipped"


def evaluation_report(labels, params=None):
    """The figures `evaluate_suggestions` prints and the benchmark can record.

    `labels` maps a label set's name to {recommendation code: {action ids}}. For each,
    on the test split: what `suggest` ships (`params`), cold and with the other decisions
    (see `evaluate_held_out`), beside the same without the other recommendations' decisions,
    without document context, without feedback and on TF-IDF. Returns {label set: {row name:
    figures}}; the shipped row's name starts with `SHIPPED`.
    """
    params = params or PARAMS
    tfidf = replace(params, weighting="tfidf")
    lexical = without_context(params)
    # One fit per weighting serves every label set, protocol and weight: a fit covers every
    # action, and neither feedback nor context needs a refit.
    tfidf_ranking, ranking = (rank(params=p, decisions=Decisions({}, {})) for p in (tfidf, params))
    name = params.weighting
    rows = [
        ("tf-idf, no feedback, no context (recommendation held out)", without_context(tfidf),
         "recommendation", tfidf_ranking),
        (f"{name}, no feedback, no context (recommendation held out)", lexical,
         "recommendation", ranking),
        (f"{name} + document context, no decisions (recommendation held out)",
         without_peers(params), "recommendation", ranking),
        ("tf-idf + feedback, no context (link held out)", without_context(tfidf), "link",
         tfidf_ranking),
        (f"{name} + feedback, no context (link held out)", lexical, "link", ranking),
        (f"{name} + feedback + document context, no peers (link held out)",
         without_peers(params), "link", ranking),
        (f"{name} + feedback + document context + peers, no instances (link held out)",
         without_instances(params), "link", ranking),
        (f"{name} + feedback + document context + peers + instances, no revocations "
         "(link held out)", without_revocations(params), "link", ranking),
        (f"{SHIPPED}: {name} + feedback + document context + peers + instances + revocations "
         "(link held out)",
         params, "link", ranking),
    ]  # fmt: skip
    return {
        label_set: {
            row: evaluate_held_out(gold, weights, protocol=protocol, ranking=fitted)
            for row, weights, protocol, fitted in rows
        }
        for label_set, gold in labels.items()
    }
