"""Statuses over time: the scorecard at the end of each administration, month by month, and a
recommendation's own timeline. The scorecard's counts are read from the stored sums of
`tracker.tally`; a recommendation's timeline from its links.
"""

import datetime
import html
from dataclasses import dataclass
from itertools import groupby

from django.utils.safestring import mark_safe

from .models import Document, Link, Recommendation
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


def side_by_side(tallies, today, administrations, on, as_of=None):
    """[Column] at the end of each administration that had left office by `on`, then on `on`.

    The last column is today's public statuses (`today`, as stored), or the statuses on
    `as_of`; the others are read from the `tally.Tallies`.
    """
    columns = [
        Column(
            f"End of the {administration.name}",
            last_day(administration),
            _statuses(tallies.on(last_day(administration))),
            administration.slug,
        )
        for administration in administrations
        if administration.left_office and administration.left_office <= on
    ]
    if as_of:
        columns.append(Column(f"On {as_of:%-d %B %Y}", as_of, _statuses(tallies.on(as_of))))
    else:
        columns.append(Column("Today", on, dict(today)))
    return columns


def _statuses(counts):
    return {status: counts[status] for status in Status.values}


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

    # The two parts that grow by a month each month, written here rather than in the template:
    # template loops over every month's five bars were three quarters of the scorecard's render.
    def bars_svg(self):
        """The SVG group of each month's stacked bar, with its figures as a title."""
        inner = self.bar_width - 2
        groups = []
        for index, month in enumerate(self.months):
            figures = ", ".join(f"{label} {count}" for _, label, count, _, _ in month.bars)
            rects = "".join(
                f'<rect class="fill-{status}" x="1" y="{y}" width="{inner}" height="{height}">'
                "</rect>"
                for status, _, count, y, height in month.bars
                if count
            )
            groups.append(
                f'<g transform="translate({round(index * self.bar_width)} 0)">'
                # `html.escape`: as Django's `escape`, without its check for lazy text.
                f"<title>{month.on:%B %Y}: {html.escape(figures)}</title>{rects}</g>"
            )
        return mark_safe("".join(groups))  # numbers, dates and escaped labels

    def table_rows(self):
        """The rows of the month-by-month table: the month, then a count per status."""
        rows = []
        for month in self.months:
            cells = "".join(f'<td class="number">{count}</td>' for _, _, count, _, _ in month.bars)
            rows.append(
                f'<tr><th scope="row"><time datetime="{month.on:%Y-%m-%d}">{month.on:%b %Y}'
                f"</time></th>{cells}</tr>\n"
            )
        return mark_safe("".join(rows))  # numbers and dates only


CHART_HEIGHT = 200
BAR_WIDTH = 10


def monthly_chart(tallies, today, start=RECORD_START):
    """The status counts at the end of each month since the record starts (stacked bars),
    read from the `tally.Tallies`."""
    dates = month_ends(start, today)
    tallies = tallies.month_ends(dates)
    total = sum(tallies[-1].values())  # Every recommendation holds one status on any day.
    labels = dict(Status.choices)  # Read once: `choices` and `values` are built at each read.
    months = []
    for on, counts in zip(dates, tallies, strict=True):
        bars, top = [], 0.0
        for status in labels:
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

    link: Link
    document: Document
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
