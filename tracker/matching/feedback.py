"""Editors' decisions as Rocchio relevance feedback on a recommendation's query."""

from dataclasses import dataclass

import numpy as np
from django.db.models import Q
from scipy import sparse

from ..models import Link, LinkQuerySet
from .analysis import ACTION_FIELDS, action_text, candidate_actions


@dataclass
class Decisions:
    """Editors' decisions per recommendation: {recommendation id: [(link id, action id)]}."""

    accepted: dict
    rejected: dict

    @classmethod
    def load(cls, exclude_recommendations=(), exclude_links=()):
        accepted, rejected = {}, {}
        # Only the decisions feedback reads (a related or contrary link lends nothing: a
        # quarter of the links at x10), and unsorted, as every incremental run reads them
        # all; each recommendation's few are put in link order below instead.
        rows = (
            Link.objects.filter(Q(review=Link.Review.REJECTED) | LinkQuerySet.evidence_condition())
            .exclude(recommendation_id__in=list(exclude_recommendations))
            .exclude(pk__in=list(exclude_links))
            .order_by()
            .values_list("pk", "recommendation_id", "action_id", "review")
        )
        for pk, recommendation_id, action_id, review in rows:
            decided = rejected if review == Link.Review.REJECTED else accepted
            decided.setdefault(recommendation_id, []).append((pk, action_id))
        for decided in (*accepted.values(), *rejected.values()):
            decided.sort()
        return cls(accepted, rejected)

    def action_ids(self, recommendation_ids=None):
        """The decided actions, of every recommendation or of those in `recommendation_ids`."""
        return {
            action_id
            for by in (self.accepted, self.rejected)
            for recommendation_id, decided in by.items()
            if recommendation_ids is None or recommendation_id in recommendation_ids
            for _, action_id in decided
        }

    def accepted_links(self):
        """{recommendation id: {accepted action id: link id}}: whose documents get the bonus."""
        return {
            recommendation_id: {action_id: link_id for link_id, action_id in decided}
            for recommendation_id, decided in self.accepted.items()
        }

    def of(self, recommendation_id):
        """What a recommendation's feedback row depends on: compared to find changed queries."""
        return (
            tuple(sorted(self.accepted.get(recommendation_id, []))),
            tuple(sorted(self.rejected.get(recommendation_id, []))),
        )


class Feedback:
    """Rocchio feedback rows (one per recommendation) in the model's cosine space.

    Only the decided actions of `recommendations` are analysed, so an incremental run
    that re-scores one recommendation reads that recommendation's decisions only.
    """

    def __init__(self, model, recommendations, decisions):
        self.model, self.decisions = model, decisions
        self.params = model.params
        wanted = {r.pk for r in recommendations}
        ids = sorted(decisions.action_ids(wanted))
        actions = candidate_actions().only(*ACTION_FIELDS).in_bulk(ids) if ids else {}
        ids = [pk for pk in ids if pk in actions]
        width = len(model.vectorizer.vocabulary_)
        self.row_of = {pk: row for row, pk in enumerate(ids)}
        self.units = (
            model.unit(model.counts([action_text(actions[pk]) for pk in ids]))
            if ids
            else sparse.csr_matrix((0, width), dtype=np.float32)
        )
        # One weight per (recommendation, decided action): the Rocchio rows in one product.
        rows, columns, weights = [], [], []
        for row, recommendation in enumerate(recommendations):
            for _, _, action_id, weight in self._terms(recommendation.pk):
                rows.append(row)
                columns.append(self.row_of[action_id])
                weights.append(weight)
        shape = (len(recommendations), len(ids))
        weight_matrix = sparse.csr_matrix(
            (np.array(weights, dtype=np.float32), (rows, columns)), shape=shape
        )
        self.matrix = (weight_matrix @ self.units).tocsr().astype(np.float32)

    def accepted_units(self):
        """(ids, unit rows) of the accepted actions analysed, in id order, and the ids of the
        accepted actions that are not candidates (`Queries.accepted_units`)."""
        accepted = {a for decided in self.decisions.accepted.values() for _, a in decided}
        ids = np.array(sorted(accepted & set(self.row_of)), dtype=np.int64)
        not_candidates = np.array(sorted(accepted - set(self.row_of)), dtype=np.int64)
        return ids, self.units[[self.row_of[a] for a in ids.tolist()]], not_candidates

    def _terms(self, recommendation_id):
        weights = {
            "accepted": self.params.accepted_weight,
            "rejected": -self.params.rejected_weight,
        }
        for kind, weight in weights.items():
            decided = getattr(self.decisions, kind).get(recommendation_id, [])
            decided = [(pk, a) for pk, a in decided if a in self.row_of]
            for link_id, action_id in decided:
                yield kind, link_id, action_id, weight / len(decided)

    def strongest(self, recommendation_id, unit_vectors):
        """For each row of `unit_vectors`: the decision that moved it most, or None below 0.01."""
        terms = list(self._terms(recommendation_id))
        if not terms:
            return [None] * unit_vectors.shape[0]
        decided = self.units[[self.row_of[action_id] for _, _, action_id, _ in terms]]
        weights = np.array([weight for *_, weight in terms], dtype=np.float64)
        effects = (decided @ unit_vectors.T).toarray().T * weights
        result = []
        for row in effects:
            best = None
            for (kind, link_id, action_id, _), effect in zip(terms, row, strict=True):
                effect = float(effect)
                if abs(effect) >= 0.01 and (best is None or abs(effect) > abs(best["effect"])):
                    best = {"review": kind, "link": link_id, "action": action_id}
                    best["effect"] = round(effect, 4)
            result.append(best)
        return result
