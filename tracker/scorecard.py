"""The home page scorecard: totals per status and per stage, evidence share, recent changes."""

from dataclasses import dataclass

from django.db.models import Q, Sum
from django.utils.html import escape
from django.utils.safestring import mark_safe

from . import tally
from .compiled import NO_DAY, CompiledQuery
from .models import Document, Link, Recommendation, Stage, StatusChange, StatusCount


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
    stages: list  # the main essay's, each a StageBreakdown
    totals: dict  # every recommendation's, whichever essay asked for it
    total: int
    with_evidence: int
    latest_evidence: object
    recent_changes: list
    tallies: object = None
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

    @property
    def essay_total(self):
        """The main essay's recommendations (all of them while it is the only essay)."""
        return sum(row.total for row in self.stages)

    @property
    def essay_acted_on(self):
        """The main essay's recommendations implemented, fully or in part."""
        return sum(row.counts["implemented"] + row.counts["partial"] for row in self.stages)

    def status_rows(self):
        return [
            (status, label, self.totals[status]) for status, label in Recommendation.Status.choices
        ]

    # Written here rather than in the template, as the chart's bars are: the template's loops
    # over each stage's shares were the part of the page that grew with the stages.
    def stage_rows(self):
        """The rows of the table by stage: its name, its bar, a count per status, its total."""
        on = f"?as_of={self.on.isoformat()}" if self.on else ""  # A dated scorecard's stages.
        rows = []
        for row in self.stages:
            shares = row.shares()
            name = escape(row.stage.name)
            figures = ", ".join(f"{escape(label)} {count}" for _, label, count, _, _ in shares)
            rects = "".join(
                f'<rect class="fill-{escape(status)}" x="{offset}" y="0" width="{percent}" '
                f'height="10"><title>{escape(label)}: {count}</title></rect>'
                for status, label, count, percent, offset in shares
                if count
            )
            cells = "".join(f'<td class="number">{count}</td>' for _, _, count, _, _ in shares)
            rows.append(
                "\n      <tr>\n"
                f'        <th scope="row"><a href="{escape(row.stage.get_absolute_url() + on)}">'
                f"{name}</a></th>\n"
                '        <td class="bar-cell">\n'
                '          <svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" '
                f'role="img" aria-label="{name}: {figures}">\n'
                f"            {rects}\n"
                "          </svg>\n"
                "        </td>\n"
                f"        {cells}\n"
                f'        <td class="number">{row.total}</td>\n'
                "      </tr>\n      "
            )
        return mark_safe("".join(rows))  # escaped names and labels, numbers


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
    """When an editor last decided on a link or a status (None before any decision); one query.

    UNION ALL, so that the database merges the two indexes newest first and stops at the
    first row (UNION gathered every reviewed link to drop duplicates first).
    """
    return next((on for (on,) in _LAST_REVIEWED()), None)


def _last_reviewed():
    links = Link.objects.reviewed().filter(reviewed_at__isnull=False).values_list("reviewed_at")
    changes = StatusChange.objects.filter(changed_by__isnull=False).values_list("changed_at")
    return links.order_by().union(changes.order_by(), all=True).order_by("-reviewed_at")[:1]


def scorecard_summary(on=None, days=()):
    """Everything the scorecard home page shows, in a fixed number of queries.

    Counts are today's public statuses, or the statuses on the date `on`, from the stored
    changes of `tracker.tally`; `tallies` also holds what the counts on `days` need. The
    totals count every recommendation; the stages are the main essay's (the one the page
    introduces), not every essay's.
    """
    from .status import today

    day = on or today()
    stages = _TODAYS_STAGES() if on is None else _STAGES_ON(on)
    breakdown = [
        StageBreakdown(
            stage, {s: getattr(stage, f"count_{s}") or 0 for s in Recommendation.Status.values}
        )
        for stage in stages
    ]
    tallies = tally.read([*days, day], day)
    totals = _totals(on, tallies)
    return Scorecard(
        stages=breakdown,
        totals=totals,
        total=sum(totals.values()),
        with_evidence=tallies.on(day)[tally.WITH_EVIDENCE],
        latest_evidence=tallies.latest_evidence,
        recent_changes=_RECENT_CHANGES() if on is None else _RECENT_CHANGES_ON(on),
        tallies=tallies,
        on=on,
    )


def _main_stages(on):
    """The main essay's stages in order, with `_stage_counts(on)`."""
    return (
        Stage.objects.filter(essay__in=Document.objects.main_essay().values("pk"))
        .order_by("position")
        .annotate(**_stage_counts(on))
    )


def _totals(on, tallies):
    """{status: count} of every recommendation today (the stored counts of each stage and
    status, `tracker.status_counts`), or on the date `on`: the sums of their changes up to it,
    which `tallies` (`tally.read` for `on`) already holds."""
    counts = dict(_TODAYS_TOTALS()) if on is None else tallies.on(on)
    return {status: counts.get(status, 0) for status in Recommendation.Status.values}


def _stage_counts(on):
    """Annotations `count_<status>` of a stage: its recommendations with that status today
    (the stored counts, `tracker.status_counts`), or on the date `on` (the sum of their changes
    up to it)."""
    if on is None:
        return {
            f"count_{status}": Sum(
                "status_counts__recommendation_count", filter=Q(status_counts__status=status)
            )
            for status in Recommendation.Status.values
        }
    return {
        f"count_{status}": Sum(
            "recommendations__tallies__change",
            filter=Q(
                recommendations__tallies__measure=status, recommendations__tallies__day__lte=on
            ),
        )
        for status in Recommendation.Status.values
    }


# Today's queries of the page take no value from the request: each process compiles their
# SQL once (`compiled.CompiledQuery`); the rows are read on every request.
_TODAYS_STAGES = CompiledQuery(lambda: _main_stages(None))
# One row a stage and status, however many recommendations there are.
_TODAYS_TOTALS = CompiledQuery(
    lambda: (
        StatusCount.objects.values_list("status").annotate(n=Sum("recommendation_count")).order_by()
    )
)
_RECENT_CHANGES = CompiledQuery(lambda: StatusChange.objects.recent())
# On a date, the changes made by its end: a later one is news the date could not have had.
_RECENT_CHANGES_ON = CompiledQuery(lambda on: StatusChange.objects.made_by(on).recent(), NO_DAY)
# On a date, the same for any date: the date reaches each status's condition.
_STAGES_ON = CompiledQuery(_main_stages, NO_DAY)
_LAST_REVIEWED = CompiledQuery(_last_reviewed)
