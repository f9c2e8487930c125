"""Pending suggestions stored as `Link` rows: full and incremental runs, and their explanation."""

from functools import lru_cache

from django.db import transaction

from ..models import Action, Link
from .analysis import action_text, analyse, candidate_actions, recommendation_text
from .index import rank, rank_new

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
