"""Statuses over time: the scorecard at the end of each administration, month by month, and a
recommendation's own timeline. Everything here is computed in Python from
`status.status_records()` (one query) and the administrations (one query).
"""

import datetime
from dataclasses import dataclass
from itertools import groupby

from .models import Recommendation
from .record import working_url
from .status import CONTRARY, RECORD_START, STATUS_RELATIONS, status_steps

Status = Recommendation.Status
ONE_DAY = datetime.timedelta(days=1)


@dataclass
class Column:
    """The status counts on one date, for the side-by-side table."""

    heading: str
    on: datetime.date
    counts: dict
    slug: str = ""

    def cells(self):
        return [self.counts[status] for status in Status.values]


def last_day(administration):
    """The last day of an administration that left office: the day before its successor's."""
    return administration.left_office - ONE_DAY


def counts_on(records, on):
    counts = dict.fromkeys(Status.values, 0)
    for record in records.values():
        counts[record.status_on(on)] += 1
    return counts


def side_by_side(records, administrations, on, as_of=None):
    """[Column] at the end of each administration that had left office by `on`, then on `on`.

    The last column is today's public statuses, or the statuses on `as_of`.
    """
    columns = [
        Column(
            f"End of the {administration.name}",
            last_day(administration),
            counts_on(records, last_day(administration)),
            administration.slug,
        )
        for administration in administrations
        if administration.left_office and administration.left_office <= on
    ]
    if as_of:
        columns.append(Column(f"On {as_of:%-d %B %Y}", as_of, counts_on(records, as_of)))
    else:
        today = dict.fromkeys(Status.values, 0)
        for record in records.values():
            today[record.stored] += 1
        columns.append(Column("Today", on, today))
    return columns


def status_rows(columns):
    """[(status, label, [count in each column])] for the side-by-side table."""
    return [
        (status, label, [column.counts[status] for column in columns])
        for status, label in Status.choices
    ]


def month_ends(start, today):
    """The last day of each month from `start`'s month, the current month ending today."""
    ends, year, month = [], start.year, start.month
    while True:
        following = datetime.date(year + month // 12, month % 12 + 1, 1)
        end = following - ONE_DAY
        if end >= today:
            ends.append(today)
            return ends
        ends.append(end)
        year, month = following.year, following.month


@dataclass
class Month:
    on: datetime.date
    counts: dict
    bars: list  # [(status, label, count, y, height)] in the chart's units


@dataclass
class MonthlyChart:
    months: list
    total: int
    width: int
    height: int
    bar_width: float
    years: list  # [(x, year)] for the axis labels

    @property
    def last(self):
        return self.months[-1]


CHART_HEIGHT = 200
BAR_WIDTH = 10


def monthly_chart(records, today, start=RECORD_START):
    """The status counts at the end of each month since the record starts (stacked bars)."""
    dates = month_ends(start, today)
    tallies = [dict.fromkeys(Status.values, 0) for _ in dates]
    for record in records.values():
        steps = status_steps(record.events)
        if not steps and not record.override:
            for tally in tallies:
                tally[Status.NOT_FOUND] += 1
            continue
        # One pass over the record's steps for all the months (dates are in order).
        index, status = 0, Status.NOT_FOUND
        for tally, on in zip(tallies, dates, strict=True):
            while index < len(steps) and steps[index][0] <= on:
                status = steps[index][1]
                index += 1
            tally[record.override if record.override_holds_on(on) else status] += 1
    total = len(records)
    labels = dict(Status.choices)
    months = []
    for on, counts in zip(dates, tallies, strict=True):
        bars, top = [], 0.0
        for status in Status.values:
            height = CHART_HEIGHT * counts[status] / total if total else 0
            bars.append((status, labels[status], counts[status], round(top, 2), round(height, 2)))
            top += height
        months.append(Month(on, counts, bars))
    years = [
        (index * BAR_WIDTH, on.year)
        for index, on in enumerate(dates)
        if on.month == 1 or index == 0
    ]
    return MonthlyChart(months, total, len(dates) * BAR_WIDTH, CHART_HEIGHT, BAR_WIDTH, years)


@dataclass
class Entry:
    """One dated link of a recommendation's timeline, with the status it left."""

    link: object
    document: object
    status: str
    status_label: str

    @property
    def source_url(self):
        return working_url(self.document.url, self.document.published)


def recommendation_timeline(links, on):
    """[(administration or None, [Entry])]: evidence and reversals up to `on`, in date order.

    `links` are a recommendation's accepted links, with their actions' documents.
    """
    dated = [
        link
        for link in links
        if link.relation in STATUS_RELATIONS and link.action.factsheet.published <= on
    ]
    dated.sort(
        key=lambda link: (
            link.action.factsheet.published,
            link.relation == CONTRARY,
            link.action.position,
        )
    )
    after = dict(status_steps([(link.action.factsheet.published, link.relation) for link in dated]))
    labels = dict(Status.choices)
    entries = [
        Entry(
            link,
            link.action.factsheet,
            after[link.action.factsheet.published],
            labels[after[link.action.factsheet.published]],
        )
        for link in dated
    ]
    return [
        (administration, list(items))
        for administration, items in groupby(entries, key=lambda e: e.document.administration)
    ]
