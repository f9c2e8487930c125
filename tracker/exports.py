"""The scorecard as rows: one per recommendation, the same for the command and the download."""

import csv

from django.conf import settings

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
    "url",
]
# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Make a cell inert in spreadsheets by prefixing a quote to formula-like text."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def scorecard_rows(recommendations, site_url=None):
    """Yield one dict per recommendation; `recommendations` comes from `for_scorecard()`."""
    site_url = (site_url or settings.SITE_URL).rstrip("/")
    for recommendation in recommendations:
        evidence = recommendation.evidence
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
                f"{link.action.factsheet.title} ({link.action.factsheet.published}): {link.reason}"
                for link in evidence
            ),
            "evidence_urls": " ".join(
                dict.fromkeys(
                    link.action.factsheet.url for link in evidence if link.action.factsheet.url
                )
            ),
            "url": site_url + recommendation.get_absolute_url(),
        }


def write_csv(rows, columns, stream):
    writer = csv.DictWriter(stream, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: neutralise(value) for key, value in row.items()})
