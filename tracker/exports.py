"""The scorecard and the evidence as rows, for the downloads and the export command.

Rows are generated one at a time from database iterators, so a download
streams in constant memory however many rows there are.
"""

import csv
import datetime
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone

from .models import Administration, Document, Link, Recommendation
from .record import working_url
from .status import STATUS_RELATIONS, StatusRecord, today

SCORECARD_COLUMNS = [
    "code",
    "stage",
    "title",
    "statement",
    "quote",
    "status",
    "status_label",
    "status_reason",
    "evidence_count",
    "evidence",
    "evidence_urls",
    "last_changed",
    "url",
    # Added with the whole record, after the original columns; then one
    # `status_end_<administration>` column per administration that has left office.
    "latest_action_date",
]
LINK_COLUMNS = [
    "recommendation_code",
    "recommendation_title",
    "relation",
    "factsheet_title",
    "factsheet_date",
    "factsheet_url",
    "section",
    "action_text",
    "reason",
    "recommendation_url",
    # Added with the whole record: after the original columns, never before.
    "document_kind",
    "administration",
    "working_url",
]
# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 500


def neutralise(value):
    """Make a cell inert in spreadsheets by prefixing a quote to formula-like text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def end_columns(administrations):
    """{column: last day} for each administration that has left office, oldest first."""
    return {
        f"status_end_{a.slug.replace('-', '_')}": a.left_office - datetime.timedelta(days=1)
        for a in administrations
        if a.left_office and a.left_office <= today()
    }


class ScorecardExport:
    """The scorecard download: its columns and its rows, on a date (`as_of`) or today."""

    def __init__(self, recommendations, as_of=None, site_url=None):
        self.recommendations = recommendations
        self.as_of = as_of
        self.site_url = (site_url or settings.SITE_URL).rstrip("/")
        self.ends = end_columns(Administration.objects.order_by("took_office"))
        self.columns = [*SCORECARD_COLUMNS, *self.ends]

    def rows(self):
        return scorecard_rows(self.recommendations, self.site_url, self.as_of, self.ends)


def scorecard_rows(recommendations, site_url=None, as_of=None, ends=None):
    """One dict per recommendation; `recommendations` comes from `for_scorecard()`.

    The links of each chunk of recommendations are read as plain values in one
    query: no model instance per link. With `as_of`, the recommendations carry
    `status_on_date` (`status.annotate_on`) and later documents are left out.
    """
    site_url = (site_url or settings.SITE_URL).rstrip("/")
    chunk = []
    for recommendation in recommendations.iterator(chunk_size=CHUNK):
        chunk.append(recommendation)
        if len(chunk) == CHUNK:
            yield from _scorecard_chunk(chunk, site_url, as_of, ends or {})
            chunk = []
    yield from _scorecard_chunk(chunk, site_url, as_of, ends or {})


def _scorecard_chunk(recommendations, site_url, as_of, ends):
    links = {}
    rows = (
        Link.objects.accepted()
        .filter(
            recommendation__in=[r.pk for r in recommendations],
            relation__in=STATUS_RELATIONS,
        )
        .order_by("action__factsheet__published", "action__position")
        .values_list(
            "recommendation_id",
            "relation",
            "action__factsheet__title",
            "action__factsheet__published",
            "action__factsheet__url",
            "reason",
        )
    )
    for recommendation_id, *fields in rows:
        if as_of is None or fields[2] <= as_of:
            links.setdefault(recommendation_id, []).append(fields)
    labels = dict(Recommendation.Status.choices)
    for recommendation in recommendations:
        dated = links.get(recommendation.pk, [])
        evidence = [link for link in dated if link[0] in Link.EVIDENCE_RELATIONS]
        record = StatusRecord(
            recommendation.status_override,
            recommendation.status_override_since,
            [(published, relation) for relation, _, published, _, _ in dated],
        )
        status = recommendation.status_on_date if as_of else recommendation.status
        latest = record.latest_on(as_of or today())
        yield {
            "code": recommendation.code,
            "stage": recommendation.stage.name,
            "title": recommendation.title,
            "statement": recommendation.statement,
            "quote": recommendation.quote,
            "status": status,
            "status_label": labels[status],
            "status_reason": recommendation.status_reason
            if not recommendation.status_override or record.override_holds_on(as_of or today())
            else "",
            "evidence_count": recommendation.evidence_on_date
            if as_of
            else recommendation.evidence_count,
            "evidence": " | ".join(
                f"{title} ({published}): {reason}" for _, title, published, _, reason in evidence
            ),
            "evidence_urls": " ".join(dict.fromkeys(url for _, _, _, url, _ in evidence if url)),
            "last_changed": (
                timezone.localdate(recommendation.last_changed).isoformat()
                if recommendation.last_changed
                else ""
            ),
            "url": site_url + recommendation.get_absolute_url(),
            "latest_action_date": latest.isoformat() if latest else "",
            **{
                column: record.status_on(day) if as_of is None or day <= as_of else ""
                for column, day in ends.items()
            },
        }


def link_queryset(as_of=None):
    """Accepted links as plain values, in essay order: the query behind links.csv.

    With `as_of`, links to documents dated after it are left out.
    """
    links = Link.objects.accepted()
    if as_of:
        links = links.filter(action__factsheet__published__lte=as_of)
    return links.order_by(
        "recommendation__stage__position",
        "recommendation__position",
        "action__factsheet__published",
        "action__position",
    ).values_list(
        "recommendation__code",
        "recommendation__title",
        "relation",
        "action__factsheet__title",
        "action__factsheet__published",
        "action__factsheet__url",
        "action__section",
        "action__text",
        "reason",
        "action__factsheet__kind",
        "action__factsheet__subtype",
        "action__factsheet__executive_order_number",
        "action__factsheet__administration__slug",
    )


def link_rows(site_url=None, as_of=None):
    """One dict per accepted link (plain values: no model instances)."""
    site_url = (site_url or settings.SITE_URL).rstrip("/")
    url_of = reverse("tracker:recommendation_detail", args=["CODE"]).replace("CODE", "{}")
    rows = link_queryset(as_of).iterator(chunk_size=CHUNK * 4)
    for row in rows:
        code, title, relation, factsheet, published, url, section, text, reason = row[:9]
        kind, subtype, number, administration = row[9:]
        yield {
            "recommendation_code": code,
            "recommendation_title": title,
            "relation": relation,
            "factsheet_title": factsheet,
            "factsheet_date": published.isoformat(),
            "factsheet_url": url,
            "section": section,
            "action_text": text,
            "reason": reason,
            "recommendation_url": site_url + url_of.format(code),
            "document_kind": document_kind(kind, subtype, number),
            "administration": administration or "",
            "working_url": working_url(url, published),
        }


def document_kind(kind, subtype, number):
    """`factsheet`, `presidential_action`, or the subtype: `executive_order 14203`, `memorandum`."""
    if subtype == Document.Subtype.EXECUTIVE_ORDER and number:
        return f"{subtype} {number}"
    return subtype or kind


class _Echo:
    """A file-like object whose write() hands the line back, for streaming csv.writer."""

    def write(self, value):
        return value


def csv_lines(rows, columns):
    """Yield the header, then each row, as CSV text lines (cells neutralised)."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield writer.writerow(columns)
    for row in rows:
        yield writer.writerow([neutralise(row[column]) for column in columns])


def json_chunks(rows):
    """Yield a JSON array of the rows, one element at a time."""
    yield "[\n"
    for number, row in enumerate(rows):
        yield ("" if number == 0 else ",\n") + json.dumps(row, cls=DjangoJSONEncoder)
    yield "\n]\n"


def write_csv(rows, columns, stream):
    for line in csv_lines(rows, columns):
        stream.write(line)
