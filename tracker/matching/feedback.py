"""Editors' decisions as Rocchio relevance feedback on a recommendation's query."""

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ..models import Link
from .analysis import action_text, candidate_actions


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
