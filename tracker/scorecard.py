"""The home page scorecard: totals per status and per stage, evidence share, recent changes."""

from dataclasses import dataclass

from .models import Link, Recommendation, Stage, StatusChange


@dataclass
class StageBreakdown:
    stage: Stage | None
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

    def overall(self):
        """[(status, label, count, percent, offset)] for the meter of all recommendations."""
        return StageBreakdown(None, self.totals).shares()

    @property
    def acted_on(self):
        """Recommendations implemented, fully or in part (whatever happened since)."""
        return self.totals["implemented"] + self.totals["partial"]

    def status_rows(self):
        return [
            (status, label, self.totals[status]) for status, label in Recommendation.Status.choices
        ]


# One line on each stage, in the essay's own framing of the five stages of engagement.
STAGE_INTROS = {
    "reverse-and-revoke": "Undo the Trump administration's measures that damaged human rights "
    "at home and abroad.",
    "reaffirm": "Reaffirm the United States' traditional commitments to human rights, at home "
    "and abroad.",
    "rebuild": "Rebuild the State Department and the diplomatic corps that carry human rights "
    "policy.",
    "reengage": "Reengage with international and regional human rights bodies, through "
    "bilateral and multilateral diplomacy.",
    "reconceptualize": "Rethink the United States' twenty-first century relationship to "
    "human rights.",
}


def stage_intro(stage):
    """The one-line introduction of a stage page."""
    return STAGE_INTROS.get(
        stage.slug, f"The recommendations the essay groups under “{stage.name}”."
    )


def last_reviewed():
    """When an editor last decided on a link or a status (None before any decision); one query."""
    links = Link.objects.reviewed().filter(reviewed_at__isnull=False).values_list("reviewed_at")
    changes = StatusChange.objects.filter(changed_by__isnull=False).values_list("changed_at")
    latest = links.order_by().union(changes.order_by()).order_by("-reviewed_at")[:1]
    return next((on for (on,) in latest), None)


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
