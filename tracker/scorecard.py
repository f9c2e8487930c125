"""The home page scorecard: totals per status and per stage, evidence share, recent changes."""

from dataclasses import dataclass

from django.db.models import Count

from .models import Document, Link, Recommendation, Stage, StatusChange


@dataclass
class StageBreakdown:
    stage: Stage
    counts: dict

    @property
    def total(self):
        return sum(self.counts.values())

    def shares(self):
        """[(status, label, count, percent, offset)] for the stage's bar."""
        total, offset, shares = self.total or 1, 0.0, []
        for status, label in Recommendation.Status.choices:
            percent = 100 * self.counts[status] / total
            shares.append((status, label, self.counts[status], round(percent, 2), round(offset, 2)))
            offset += percent
        return shares


@dataclass
class Scorecard:
    stages: list
    totals: dict
    total: int
    with_evidence: int
    latest_evidence: object
    recent_changes: list

    @property
    def evidence_share(self):
        return round(100 * self.with_evidence / self.total) if self.total else 0

    def status_rows(self):
        return [
            (status, label, self.totals[status]) for status, label in Recommendation.Status.choices
        ]


def scorecard_summary(recommendations=None):
    """Everything the scorecard home page shows, in a fixed number of queries."""
    if recommendations is None:
        recommendations = Recommendation.objects.all()
    stages = list(Stage.objects.order_by("essay", "position"))
    counts = {}
    for stage_id, status, count in (
        recommendations.order_by().values_list("stage_id", "status").annotate(n=Count("pk"))
    ):
        counts.setdefault(stage_id, {})[status] = count
    breakdown = [
        StageBreakdown(
            stage, {s: counts.get(stage.pk, {}).get(s, 0) for s in Recommendation.Status.values}
        )
        for stage in stages
    ]
    totals = {s: sum(row.counts[s] for row in breakdown) for s in Recommendation.Status.values}
    latest = Document.objects.cited_as_evidence().values_list("published", flat=True).first()
    return Scorecard(
        stages=breakdown,
        totals=totals,
        total=sum(totals.values()),
        with_evidence=Link.objects.evidence()
        .filter(recommendation__in=recommendations)
        .values("recommendation_id")
        .distinct()
        .count(),
        latest_evidence=latest,
        recent_changes=list(StatusChange.objects.recent()),
    )
