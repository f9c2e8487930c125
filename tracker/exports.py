"""The scorecard and the evidence as rows, for the downloads and the export command.

Rows are generated one at a time from database iterators, so a download
streams in constant memory however many rows there are.
"""

import csv
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse

from .models import Link

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
]
# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 500


def neutralise(value):
    """Make a cell inert in spreadsheets by prefixing a quote to formula-like text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def scorecard_rows(recommendations, site_url=None):
    """One dict per recommendation; `recommendations` comes from `for_scorecard()`.

    The evidence of each chunk of recommendations is read as plain values in one
    query: no model instance per link.
    """
    site_url = (site_url or settings.SITE_URL).rstrip("/")
    chunk = []
    for recommendation in recommendations.iterator(chunk_size=CHUNK):
        chunk.append(recommendation)
        if len(chunk) == CHUNK:
            yield from _scorecard_chunk(chunk, site_url)
            chunk = []
    yield from _scorecard_chunk(chunk, site_url)


def _scorecard_chunk(recommendations, site_url):
    evidence = {}
    rows = (
        Link.objects.evidence()
        .filter(recommendation__in=[r.pk for r in recommendations])
        .order_by("action__factsheet__published", "action__position")
        .values_list(
            "recommendation_id",
            "action__factsheet__title",
            "action__factsheet__published",
            "action__factsheet__url",
            "reason",
        )
    )
    for recommendation_id, *fields in rows:
        evidence.setdefault(recommendation_id, []).append(fields)
    for recommendation in recommendations:
        links = evidence.get(recommendation.pk, [])
        yield {
            "code": recommendation.code,
            "stage": recommendation.stage.name,
            "title": recommendation.title,
            "statement": recommendation.statement,
            "quote": recommendation.quote,
            "status": recommendation.status,
            "status_label": recommendation.get_status_display(),
            "status_reason": recommendation.status_reason,
            "evidence_count": recommendation.evidence_count,
            "evidence": " | ".join(
                f"{title} ({published}): {reason}" for title, published, _, reason in links
            ),
            "evidence_urls": " ".join(dict.fromkeys(url for _, _, url, _ in links if url)),
            "last_changed": (
                recommendation.last_changed.isoformat() if recommendation.last_changed else ""
            ),
            "url": site_url + recommendation.get_absolute_url(),
        }


def link_queryset():
    """Accepted links as plain values, in essay order: the query behind links.csv."""
    return (
        Link.objects.accepted()
        .order_by(
            "recommendation__stage__position",
            "recommendation__position",
            "action__factsheet__published",
            "action__position",
        )
        .values_list(
            "recommendation__code",
            "recommendation__title",
            "relation",
            "action__factsheet__title",
            "action__factsheet__published",
            "action__factsheet__url",
            "action__section",
            "action__text",
            "reason",
        )
    )


def link_rows(site_url=None):
    """One dict per accepted link (plain values: no model instances)."""
    site_url = (site_url or settings.SITE_URL).rstrip("/")
    url_of = reverse("tracker:recommendation_detail", args=["CODE"]).replace("CODE", "{}")
    rows = link_queryset().iterator(chunk_size=CHUNK * 4)
    for code, title, relation, factsheet, published, url, section, text, reason in rows:
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
        }


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
