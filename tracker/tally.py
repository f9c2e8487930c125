"""How many recommendations held each status on any day, kept as dated changes.

The scorecard's counts over time (the month-by-month chart, the end of each
administration, a past date) are sums of these changes up to a day. Each
recommendation's own changes (`RecommendationTally`) are written whenever its
status is re-derived (`Recommendation.refresh_status`, the one path for every
editorial change); the sum over all of them (`Tally`, by day and by month) is
moved by the difference, so the scorecard reads a few hundred rows however many
recommendations and links there are.

A recommendation adds one to the status it holds from the day it took it up
and takes it away on the day it left it; its first status holds from the
`BEGINNING`. `WITH_EVIDENCE` adds one on the day of its first evidence;
`EVIDENCE_LINKS` counts its evidence links by day (for the latest evidence).
"""

import datetime
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from django.db import connection, transaction
from django.db.models import Q, Subquery, Sum

from .compiled import CompiledQuery
from .models import Recommendation, RecommendationTally, Tally
from .status import CONTRARY, status_records, status_steps

Status = Recommendation.Status
BEGINNING = datetime.date.min
WITH_EVIDENCE = "with_evidence"
EVIDENCE_LINKS = "evidence_links"


def month_end(day):
    following = datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def changes_of(record):
    """Counter{(day, measure): change} of one recommendation's `status.StatusRecord`."""
    held = [(BEGINNING, Status.NOT_FOUND), *status_steps(record.events)]
    if record.override:
        since = record.override_since or BEGINNING
        held = [(day, status) for day, status in held if day < since]
        held.append((since, record.override))
    changes = Counter()
    for (start, status), (end, _) in pairwise([*held, (None, None)]):
        changes[start, status] += 1
        if end is not None:
            changes[end, status] -= 1
    evidence = [day for day, relation in record.events if relation != CONTRARY]
    if evidence:
        changes[min(evidence), WITH_EVIDENCE] += 1
    for day in evidence:
        changes[day, EVIDENCE_LINKS] += 1
    # Without the zeros (a status left the day it was taken up); `+changes` would also drop
    # the negative changes.
    return Counter({key: change for key, change in changes.items() if change})


@transaction.atomic  # A caller in autocommit still gets one write.
def refresh(records):
    """Store the changes of the recommendations whose `{pk: StatusRecord}` are given, and move
    the sums by the difference. The caller holds the recommendations' row locks, taken before
    it read their records (`Recommendation.refresh_status`, `refresh_all`), so two refreshes
    of one recommendation run in turn, the second from the first's links and changes."""
    pks = list(records)
    difference = _withdrawn(pks)
    rows = []
    for pk, record in records.items():
        for (day, measure), change in changes_of(record).items():
            rows.append(RecommendationTally(recommendation_id=pk, day=day, measure=measure,
                                            change=change))  # fmt: skip
            difference[day, measure] += change
    RecommendationTally.objects.bulk_create(rows, batch_size=1000)
    _move_sums(difference)


def forget(recommendations):
    """Take the recommendations out of the sums (before they are deleted)."""
    _move_sums(_withdrawn(recommendations))


def _withdrawn(recommendations):
    """Delete the recommendations' stored changes; the difference that takes them out of
    the sums."""
    old = RecommendationTally.objects.filter(recommendation__in=recommendations)
    difference = Counter()
    for day, measure, change in old.values_list("day", "measure", "change"):
        difference[day, measure] -= change
    old.delete()
    return difference


def refresh_all(recommendations=None):
    """Recompute every recommendation's changes (or those given) from its links, 500 at a
    time, each batch locked before its links are read."""
    queryset = Recommendation.objects.all() if recommendations is None else recommendations
    pks = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), 500):
        with transaction.atomic():
            batch = Recommendation.objects.filter(pk__in=pks[start : start + 500])
            list(batch.select_for_update().order_by("pk").values_list("pk"))
            refresh(status_records(batch))


def sums_of(changes):
    """[(period, day, measure, change)]: `changes` ({(day, measure): change}) summed by day and
    by month, in key order, without the zeros."""
    by_period = {Tally.Period.DAY: Counter(), Tally.Period.MONTH: Counter()}
    for (day, measure), change in changes.items():
        by_period[Tally.Period.DAY][day, measure] += change
        by_period[Tally.Period.MONTH][month_end(day), measure] += change
    return [
        (period, day, measure, change)
        for period, sums in by_period.items()
        for (day, measure), change in sorted(sums.items())
        if change
    ]


def _move_sums(difference):
    """Add the difference to the sums by day and by month, in one statement each, as
    increments: concurrent refreshes of other recommendations add up instead of overwriting
    each other. Rows in key order, so two of them lock shared rows in the same order."""
    rows = sums_of(difference)
    table, period, day, measure, change = map(
        connection.ops.quote_name, [Tally._meta.db_table, "period", "day", "measure", "change"]
    )
    for start in range(0, len(rows), 500):
        batch = rows[start : start + 500]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({period}, {day}, {measure}, {change}) VALUES "
                + ", ".join(["(%s, %s, %s, %s)"] * len(batch))
                + f" ON CONFLICT ({period}, {day}, {measure})"
                f" DO UPDATE SET {change} = {table}.{change} + excluded.{change}",
                [value for row in batch for value in row],
            )
    if rows:  # A day no recommendation changes on any more: gone, so the reads stay short.
        Tally.objects.filter(change=0, day__in={day for _, day, _, _ in rows}).delete()


@dataclass
class Tallies:
    """The sums read for a set of days: by month, then by day within those days' months."""

    months: list  # [(month end, measure, change)] in month order
    days: list  # [(day, measure, change)] within the months of the days asked for
    latest_evidence: datetime.date | None

    def on(self, day):
        """{measure: count} at the end of `day`, for every status and WITH_EVIDENCE."""
        counts = dict.fromkeys([*Status.values, WITH_EVIDENCE], 0)
        first = day.replace(day=1)
        for end, measure, change in self.months:
            if end < first and measure in counts:
                counts[measure] += change
        for on, measure, change in self.days:
            if first <= on <= day and measure in counts:
                counts[measure] += change
        return counts

    def month_ends(self, ends):
        """[{status: count}] at each of `ends` (month ends in order; the last may be any
        day of its month, read as `on`)."""
        *whole, last = ends
        running, counts = dict.fromkeys(Status.values, 0), []
        changes = iter(self.months)
        pending = next(changes, None)
        for end in whole:
            while pending and pending[0] <= end:
                if pending[1] in running:
                    running[pending[1]] += pending[2]
                pending = next(changes, None)
            counts.append(dict(running))
        on = self.on(last)
        counts.append({status: on[status] for status in Status.values})
        return counts


def read(days, latest_on):
    """The sums needed for the counts on each of `days` and the latest evidence on or before
    `latest_on`, in one query (compiled once per process for each number of days)."""
    query = _READS.get(len(days))
    if query is None:
        # Placeholders: days long before any record, one for each value the query takes.
        start = datetime.date(1901, 1, 1)
        placeholders = [start + datetime.timedelta(n) for n in range(2 * len(days) + 1)]
        query = _READS[len(days)] = CompiledQuery(_read_query, *placeholders)
    rows = query(latest_on, *(value for day in days for value in (day.replace(day=1), day)))
    month_rows, day_rows, latest_evidence = [], {}, None
    for period, day, measure, change in rows:
        if period == Tally.Period.MONTH:
            month_rows.append((day, measure, change))
            continue
        # Keyed: the ranges of two days in one month overlap, and UNION ALL repeats the rows.
        day_rows[day, measure] = change
        if measure == EVIDENCE_LINKS and change > 0 and day <= latest_on:
            latest_evidence = max(day, latest_evidence or day)
    days = [(day, measure, change) for (day, measure), change in day_rows.items()]
    return Tallies(sorted(month_rows), days, latest_evidence)


def _read_query(latest_on, *ranges):
    """`read`'s query: `ranges` are the (first, last) days of each day's month so far."""
    latest = Tally.objects.filter(
        period=Tally.Period.DAY, measure=EVIDENCE_LINKS, change__gt=0, day__lte=latest_on
    ).order_by("-day")[:1]
    # One range of the unique index each, joined by UNION ALL, so that the database reads
    # those rows only (with OR, or an ORDER BY, it read every row).
    wanted = [
        Q(period=Tally.Period.MONTH),
        Q(period=Tally.Period.DAY, measure=EVIDENCE_LINKS, day=Subquery(latest.values("day"))),
        *(
            Q(period=Tally.Period.DAY, day__range=(first, last))
            for first, last in zip(ranges[::2], ranges[1::2], strict=True)
        ),
    ]
    first, *others = [
        Tally.objects.filter(one).order_by().values_list("period", "day", "measure", "change")
        for one in wanted
    ]
    return first.union(*others, all=True)


# {number of days: read's query, compiled once}
_READS: dict[int, CompiledQuery] = {}


def stage_counts_on(day):
    """{stage pk: {status: count}} at the end of `day`, from the recommendations' own changes
    (one query)."""
    rows = (
        RecommendationTally.objects.filter(day__lte=day, measure__in=Status.values)
        .values_list("recommendation__stage", "measure")
        .annotate(n=Sum("change"))
        .order_by()
    )
    counts = {}
    for stage, status, n in rows:
        counts.setdefault(stage, {})[status] = n
    return counts
