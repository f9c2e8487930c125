"""The first visitor after a change: every public page's render time with the cache emptied,
against the floor page, on the database as it is (DATABASE_URL); the downloads' rows a second.

Usage: python -m bench.first_visit [--repetitions N] [--downloads]  (prints a JSON object)

Nothing is built: point it at a database made by `seed` and `import_documents` (the whole
record) or by `seed` alone (the seeds), and compare the figures of two runs.
"""

import argparse
import json
import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tracker import exports  # noqa: E402
from tracker.models import Document, Recommendation, Stage  # noqa: E402


def public_pages():
    """{name: address} of every public page, on rows this database has."""
    recommendation = Recommendation.objects.order_by("stage__position", "position").first()
    document = Document.objects.factsheets().order_by("-published").first()
    stage = Stage.objects.order_by("position").first()
    return {
        "floor": "/__floor__/",
        "scorecard": "/",
        "scorecard as of": "/?as_of=2024-12-31",
        "list": "/recommendations/",
        "filtered list": "/recommendations/?stage=reengage&status=not_found",
        "search": "/recommendations/?q=human+rights+council",
        "recommendation": recommendation.get_absolute_url(),
        "stage": stage.get_absolute_url(),
        "documents": "/documents/",
        "document": document.get_absolute_url(),
        "essay": "/essay/",
        "about": "/about/",
    }


def median_ms(client, url, repetitions):
    samples = []
    for _ in range(repetitions):
        cache.clear()
        start = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return round(1000 * statistics.median(samples), 3)


def pages(repetitions, only=()):
    client = Client()
    results = {}
    for name, url in public_pages().items():
        if only and name not in only and name != "floor":
            continue
        client.get(url)  # Warm the code paths and templates.
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        results[name] = {"url": url, "queries": len(queries)}
        results[name]["uncached_ms"] = median_ms(client, url, repetitions)
    floor = results["floor"]["uncached_ms"]
    for figures in results.values():
        figures["ratio_to_floor"] = round(figures["uncached_ms"] / floor, 2)
    return results


def downloads(repetitions):
    """Rows a second of each download through one client (a new client would load the
    middleware again, WhiteNoise's scan of the static files included, on every request);
    on PostgreSQL, against the export's own COPY statement run bare."""
    client = Client()
    client.get("/__floor__/")
    results = {}
    for url in ("/scorecard.csv", "/links.csv", "/scorecard.csv?as_of=2024-12-31"):
        samples = []
        for _ in range(repetitions):
            start = time.perf_counter()
            rows = -1  # The header.
            for chunk in client.get(url).streaming_content:
                rows += chunk.count(b"\r\n")
            samples.append(time.perf_counter() - start)
        seconds = statistics.median(samples)
        results[url] = {"rows": rows, "ms": round(1000 * seconds, 2)}
        results[url]["rows_per_second"] = round(rows / seconds)
    if connection.vendor == "postgresql":
        copy = bare_copy_rows_per_second(repetitions)
        for url, rate in copy.items():
            results[url]["copy_rows_per_second"] = rate
            results[url]["share_of_copy"] = round(results[url]["rows_per_second"] / rate, 2)
    return results


def bare_copy_rows_per_second(repetitions):
    """Rows a second of the downloads' COPY statements run bare: no request, no response."""
    export = exports.ScorecardExport(Recommendation.objects.for_scorecard())
    statements = {
        "/scorecard.csv": exports._scorecard_copy_sql(export),
        "/links.csv": exports._links_copy_sql(),
    }
    connection.ensure_connection()
    results = {}
    for url, (sql, params) in statements.items():
        samples = []
        for _ in range(repetitions):
            with connection.cursor() as cursor:
                start = time.perf_counter()
                with cursor.cursor.copy(sql, params) as copy:
                    rows = sum(1 for _ in copy)
                samples.append(time.perf_counter() - start)
        results[url] = round(rows / statistics.median(samples))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repetitions", type=int, default=20)
    parser.add_argument("--downloads", action="store_true", help="Measure the downloads too.")
    parser.add_argument("--pages", default="", help="Only these pages (comma separated names).")
    args = parser.parse_args()
    settings.DEBUG = False
    only = [name for name in args.pages.split(",") if name]
    figures = {"database": connection.vendor, "pages": pages(args.repetitions, only)}
    if args.downloads:
        figures["downloads"] = downloads(max(3, args.repetitions // 4))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
