"""The home page scorecard: totals per status and per stage, evidence share, recent changes."""

from dataclasses import dataclass

from .models import Recommendation, Stage, StatusChange


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
    records: dict | None = None
    on: object = None

    @property
    def evidence_share(self):
        return round(100 * self.with_evidence / self.total) if self.total else 0

    def status_rows(self):
        return [
            (status, label, self.totals[status]) for status, label in Recommendation.Status.choices
        ]


def scorecard_summary(recommendations=None, on=None):
    """Everything the scorecard home page shows, in a fixed number of queries.

    Counts are today's public statuses, or the statuses on the date `on`
    computed from the links (`tracker.status`).
    """
    from .status import status_records, today

    if recommendations is None:
        recommendations = Recommendation.objects.all()
    stages = list(Stage.objects.order_by("essay", "position"))
    records = status_records(recommendations)
    day = on or today()
    counts = {}
    for record in records.values():
        status = record.stored if on is None else record.status_on(on)
        stage_counts = counts.setdefault(record.stage_id, {})
        stage_counts[status] = stage_counts.get(status, 0) + 1
    breakdown = [
        StageBreakdown(
            stage, {s: counts.get(stage.pk, {}).get(s, 0) for s in Recommendation.Status.values}
        )
        for stage in stages
    ]
    totals = {s: sum(row.counts[s] for row in breakdown) for s in Recommendation.Status.values}
    return Scorecard(
        stages=breakdown,
        totals=totals,
        total=sum(totals.values()),
        with_evidence=sum(1 for r in records.values() if r.evidence_count_on(day)),
        latest_evidence=max(
            (d for r in records.values() if (d := r.latest_evidence_on(day))), default=None
        ),
        recent_changes=list(StatusChange.objects.recent()),
        records=records,
        on=on,
    )
