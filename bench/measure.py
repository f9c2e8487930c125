"""One benchmark run on one database at one scale; prints a JSON object of figures.

Run by bench/run.py in a fresh process per database, with DATABASE_URL set.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.synthetic import scale_up  # noqa: E402
from tracker import exports  # noqa: E402
from tracker.importers.document_import import import_documents  # noqa: E402
from tracker.importers.seed import seed  # noqa: E402
from tracker.matching import suggest_all, suggest_for_actions  # noqa: E402
from tracker.models import Action, Document, Link, Recommendation  # noqa: E402

PAGES = {
    "floor": "/__floor__/",
    "scorecard": "/",
    "filtered list": "/recommendations/?stage=reengage&status=not_found",
    "text search": "/recommendations/?q=human+rights+council",
    "recommendation detail": "/recommendations/rejoin-un-human-rights-council/",
    "fact sheet page": "/documents/2024-12-11-human-rights-day/",
    "essay page": "/essay/",
    "admin review queue": "/admin/tracker/link/",
}
PUBLIC = [name for name in PAGES if name not in ("floor", "admin review queue")]
DOWNLOADS = {"scorecard.csv": "/scorecard.csv", "links.csv": "/links.csv"}
DOWNLOAD_REPETITIONS = 5
NEW_FACTSHEET = """---
title: Benchmark fact sheet
date: '2025-01-15'
source_url: https://example.org/benchmark/
---
**Upheld Universal Human Rights**

-   We rejoined the UN Human Rights Council and issued a standing invitation to UN experts.
-   We sanctioned officials for gross violations of human rights under Global Magnitsky.
-   We restored funding to the UN Population Fund and supported refugees.
"""


SECOND_NEW_FACTSHEET = (
    NEW_FACTSHEET.replace("Benchmark fact sheet", "Second benchmark fact sheet")
    .replace("/benchmark/", "/benchmark-second/")
    .replace("We ", "The United States ")
)


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def build(scale, corpus, *, prebuilt=False, snapshot=None):
    """The seeds alone, or the seeds plus the whole record (every corpus folder), or its x10
    (from a `prebuilt` copy of the imported record, or importing it here)."""
    figures = {}
    if not prebuilt:
        call_command("migrate", verbosity=0)
        seed()
        if scale != "seeds":
            figures["import"] = import_record(corpus)
    if snapshot:
        copy_database(snapshot)
    if scale == "x10":
        counts, seconds = timed(scale_up)
        figures["synthetic"] = {**counts, "seconds": round(seconds, 1)}
    maintain()
    figures["size"] = {
        "documents": Document.objects.factsheets().count(),
        "actions": Action.objects.count(),
        "recommendations": Recommendation.objects.count(),
        "accepted_links": Link.objects.filter(review="accepted").count(),
    }
    return figures


def maintain():
    """Fresh statistics and, on PostgreSQL, dead rows reclaimed and the visibility map set,
    as autovacuum keeps a maintained database (it may be off on a benchmark's server)."""
    # VACUUM cannot run inside a transaction (the smoke test's): statistics alone there.
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


def copy_database(url):
    """Copy this database, as it stands, to `url` (which must not exist yet)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [url.removeprefix("sqlite:///")])
        return
    import psycopg

    name = connection.settings_dict["NAME"]
    server = url.rsplit("/", 1)[0]
    connection.close()  # A template database must have no other session.
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {url.rsplit('/', 1)[1]} TEMPLATE {name}")


def import_record(corpus):
    """Import the corpus folder by folder, timing each: the cost per file of each kind of
    document is compared with the Biden fact sheets', the importer's first and simplest kind.
    CPU seconds are this process's own (the database server's work is in the wall time)."""
    folders = sorted(path for path in Path(corpus).iterdir() if path.is_dir()) or [Path(corpus)]
    per_folder = {}
    for folder in folders:
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        summary = import_documents([folder])
        cpu = time.process_time() - cpu_start
        wall = time.perf_counter() - wall_start
        files = summary.imported + len(summary.unchanged) + len(summary.failed)
        per_folder[folder.name] = {
            "files": files,
            "imported": summary.imported,
            "failed": len(summary.failed),
            "duplicates": len(summary.duplicates),
            "actions": summary.actions,
            "seconds": round(wall, 2),
            "cpu_seconds": round(cpu, 2),
            "files_per_second": round(files / wall, 1),
            "files_per_cpu_second": round(files / cpu, 1),
        }
    totals = {
        key: sum(figures[key] for figures in per_folder.values())
        for key in ("files", "imported", "failed", "duplicates", "actions", "seconds")
    }
    return {**totals, "seconds": round(totals["seconds"], 2), "folders": per_folder}


def suggestions():
    """The full run, then one new fact sheet's incremental run, before and after an editor's
    decision (which rebuilds that recommendation's query and rescores its pending rows)."""
    (created, _, _), full = timed(suggest_all, recompute=True)
    incremental = _incremental(NEW_FACTSHEET, "benchmark-new.md")
    decided = Link.objects.filter(review=Link.Review.SUGGESTED).order_by("-score").first()
    decided.review, decided.reason = Link.Review.REJECTED, "Benchmark decision."
    decided.save()
    after_decision = _incremental(SECOND_NEW_FACTSHEET, "benchmark-second.md")
    actions = Action.objects.count()
    recommendations = Recommendation.objects.count()
    fixed_seconds, fixed_recommendations = _full_run_for_the_records_recommendations()
    return {
        "full_seconds": round(full, 2),
        "full_microseconds_per_action": round(1e6 * full / actions, 1),
        "full_microseconds_per_pair": round(1e6 * full / (actions * recommendations), 4),
        "recommendations": recommendations,
        "suggestions_stored": created,
        "incremental_seconds": round(incremental, 3),
        "incremental_after_decision_seconds": round(after_decision, 3),
        "fixed_recommendations": fixed_recommendations,
        "fixed_full_seconds": round(fixed_seconds, 2),
        "fixed_full_microseconds_per_action": round(1e6 * fixed_seconds / actions, 1),
    }


def _full_run_for_the_records_recommendations():
    """(seconds, recommendations) of a full run for the record's own recommendations only.

    x10 also multiplies the recommendations (by 62), so its full run per action mixes the
    growth in actions with the growth in queries: this holds the queries fixed. The
    synthetic recommendations are deleted in a transaction rolled back afterwards."""
    with transaction.atomic():
        Recommendation.objects.filter(code__startswith="synthetic-").delete()
        recommendations = Recommendation.objects.count()
        _, seconds = timed(suggest_all, recompute=True)
        transaction.set_rollback(True)
    return seconds, recommendations


def _incremental(factsheet, name):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, name)
        path.write_text(factsheet, encoding="utf-8")
        summary = import_documents([path])
    _, seconds = timed(suggest_for_actions, summary.new_action_ids)
    return seconds


def pages(repetitions):
    """Median and 95th percentile server time per page, cached (warm) and uncached (cold)."""
    client = Client()
    admin = get_user_model().objects.create_superuser("bench", password="bench-password-1")
    results = {}
    for name, url in PAGES.items():
        if name == "admin review queue":
            client.force_login(admin)
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        clear_caches()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        cold_queries = len(queries)  # Read now: the next request clears the log.
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        warm_queries = len(queries)
        cold = _samples(client, url, max(10, repetitions // 5), clear_cache=True)
        warm = _samples(client, url, repetitions, clear_cache=False)
        results[name] = {
            "queries": cold_queries,
            "queries_cached": warm_queries,
            "median_ms": _ms(statistics.median(warm)),
            "p95_ms": _ms(_p95(warm)),
            "uncached_median_ms": _ms(statistics.median(cold)),
            "uncached_p95_ms": _ms(_p95(cold)),
        }
        client.logout()
    floor = results["floor"]["median_ms"]
    for figures in results.values():
        figures["ratio_to_floor"] = round(figures["median_ms"] / floor, 2)
        figures["uncached_ratio_to_floor"] = round(figures["uncached_median_ms"] / floor, 2)
    return results


def clear_caches():
    """Every cache the site keeps (pages, fragments, aggregates): the first visitor after a
    change finds them all empty."""
    for cache in caches.all():
        cache.clear()


def _samples(client, url, repetitions, clear_cache):
    samples = []
    for _ in range(repetitions):
        if clear_cache:
            clear_caches()
        start = time.perf_counter()
        client.get(url)
        samples.append(time.perf_counter() - start)
    return sorted(samples)


def _p95(samples):
    return samples[int(0.95 * (len(samples) - 1))]


def _ms(seconds):
    return round(1000 * seconds, 3)


def downloads(repetitions=DOWNLOAD_REPETITIONS):
    """Rows per second of each download: the median of a few fetches after a first one (memory
    is measured in its own process by run.py). Each is compared with the database's own CSV
    of the same data: PostgreSQL's COPY, or the sqlite3 shell's `.mode csv`."""
    client = Client()  # One client: a new one loads the middleware (and WhiteNoise) again.
    client.get(PAGES["floor"])
    results = {}
    for name, url in DOWNLOADS.items():
        samples = []
        for _ in range(repetitions + 1):  # The first fetch warms the caches and is not kept.
            start = time.perf_counter()
            rows = -1  # The header.
            for chunk in client.get(url).streaming_content:
                rows += chunk.count(b"\r\n")
            samples.append(time.perf_counter() - start)
        seconds = statistics.median(samples[1:])
        results[name] = {
            "rows": rows,
            "seconds": round(seconds, 3),
            "rows_per_second": round(rows / seconds),
        }
    if connection.vendor == "postgresql":
        own = {
            "links.csv": copy_throughput(repetitions),
            "scorecard.csv": scorecard_copy_throughput(repetitions),
        }
        key = "copy"
    elif shutil.which("sqlite3") and Path(connection.settings_dict["NAME"]).is_file():
        # The shell (`make bench` installs it) reads a file, not a test's database in memory.
        own = {name: shell_throughput(sql) for name, sql in peer_queries().items()}
        key = "shell"
    else:
        return results
    for name, rate in own.items():
        results[name][f"{key}_rows_per_second"] = rate
        results[name][f"share_of_{key}"] = round(results[name]["rows_per_second"] / rate, 3)
    return results


def shell_throughput(sql, repetitions=DOWNLOAD_REPETITIONS * 4):
    """Rows per second of the sqlite3 shell writing the rows of `sql` as CSV (`.mode csv`) to
    /dev/null: the statement's own time as `.timer` reports it (in milliseconds, so the mean
    of several runs after a first one)."""
    statement = sql.strip().rstrip(";") + ";\n"
    script = ".mode csv\n.output /dev/null\n.timer on\n" + statement * (repetitions + 1)
    shell = subprocess.run(
        ["sqlite3", "-readonly", str(connection.settings_dict["NAME"])],
        input=script, capture_output=True, text=True, check=True,
    )  # fmt: skip
    seconds = [float(real) for real in re.findall(r"Run Time: real ([\d.]+)", shell.stdout)]
    if len(seconds) != repetitions + 1:
        raise RuntimeError(f"the sqlite3 shell did not run the statement: {shell.stderr}")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql})")
        rows = cursor.fetchone()[0]
    return round(rows / statistics.mean(seconds[1:]))


def scorecard_copy_throughput(repetitions=DOWNLOAD_REPETITIONS):
    """Rows per second of scorecard.csv's own COPY statement run bare (no request, no
    response): its rows, evidence and statuses at the end of each administration, as CSV."""
    export = exports.ScorecardExport(Recommendation.objects.for_scorecard())
    sql, params = exports._scorecard_copy_sql(export)
    connection.ensure_connection()
    return copy_rows_per_second(connection.connection, sql, params, repetitions)


def copy_throughput(repetitions=DOWNLOAD_REPETITIONS):
    """Rows per second of COPY (the links.csv query) TO STDOUT: the physical limit."""
    import psycopg

    sql, params = exports.link_queryset().query.sql_with_params()
    connection.ensure_connection()
    raw = connection.connection
    query = psycopg.ClientCursor(raw).mogrify(sql, params)
    statement = f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)"
    return copy_rows_per_second(raw, statement, None, repetitions, header=True)


def copy_rows_per_second(raw, sql, params, repetitions, header=False):
    """Rows per second of a COPY statement, timed as the downloads are: the median of
    `repetitions` runs after a first one that is not kept."""
    samples = []
    for _ in range(repetitions + 1):
        with raw.cursor() as cursor:
            start = time.perf_counter()
            with cursor.copy(sql, params) as copy:
                rows = sum(1 for _ in copy) - header
            samples.append(time.perf_counter() - start)
    return round(rows / statistics.median(samples[1:]))


# The scorecard as Datasette would serve it from the same file: one row per recommendation
# with its stage, status and accepted evidence, in essay order.
PEER_SCORECARD_SQL = """
SELECT r.code, s.name AS stage, r.title, r.statement, r.quote, r.status, r.status_reason,
       count(l.id) AS evidence_count,
       group_concat(d.title || ' (' || d.published || '): ' || l.reason, ' | ') AS evidence,
       group_concat(d.url, ' ') AS evidence_urls
FROM tracker_recommendation r
JOIN tracker_stage s ON s.id = r.stage_id
LEFT JOIN tracker_link l ON l.recommendation_id = r.id AND l.review = 'accepted'
     AND l.relation IN ('implements', 'partial', 'contrary')
LEFT JOIN tracker_action a ON a.id = l.action_id
LEFT JOIN tracker_document d ON d.id = a.factsheet_id
GROUP BY r.id ORDER BY s.position, r.position
"""


def peer_queries():
    """{download: SQL} of the same data as each CSV download, as Datasette and the sqlite3
    shell are given it: plain SQL, no parameter."""
    links_sql, params = exports.link_queryset().query.sql_with_params()
    # The query's parameters are plain strings (the review state): inline them as literals.
    links_sql = links_sql % tuple("'" + str(p).replace("'", "''") + "'" for p in params)
    queries = {"scorecard.csv": PEER_SCORECARD_SQL, "links.csv": links_sql}
    with connection.cursor() as cursor:  # Both queries run as they are on this file.
        for sql in queries.values():
            cursor.execute(f"SELECT count(*) FROM ({sql})")
    return queries


def peer_addresses(database):
    """{name: (tracker address, Datasette address)} for the same data in the SQLite file whose
    Datasette name is `database`: table page, filter, row page, document list and the CSVs."""
    from urllib.parse import urlencode

    from tracker.models import Stage

    recommendation = Recommendation.objects.get(code="rejoin-un-human-rights-council")
    stage = Stage.objects.get(slug="reengage")
    queries = peer_queries()
    table = f"/{database}/tracker_recommendation"
    return {
        "table page": ("/recommendations/", table),
        "filter": (
            "/recommendations/?stage=reengage&status=not_found",
            f"{table}?stage_id={stage.pk}&status=not_found",
        ),
        "row page": (recommendation.get_absolute_url(), f"{table}/{recommendation.pk}"),
        "document list": ("/documents/", f"/{database}/tracker_document"),
        "scorecard.csv": (
            "/scorecard.csv",
            f"/{database}.csv?" + urlencode({"sql": queries["scorecard.csv"], "_size": "max"}),
        ),
        "links.csv": (
            "/links.csv",
            f"/{database}.csv?" + urlencode({"sql": queries["links.csv"], "_size": "max"}),
        ),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=["seeds", "record", "x10"], required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--repetitions", type=int, default=100)
    parser.add_argument("--output", required=True, help="Where to write the JSON figures.")
    parser.add_argument(
        "--downloads-only",
        action="store_true",
        help="Measure the downloads again on the database as it is; keep the other figures.",
    )
    parser.add_argument("--snapshot", help="A database address to copy the built record to.")
    parser.add_argument(
        "--prebuilt", action="store_true", help="The database is already the imported record."
    )
    args = parser.parse_args()
    settings.DEBUG = False
    if args.downloads_only:
        figures = json.loads(Path(args.output).read_text(encoding="utf-8"))
        figures["downloads"] = downloads()
        Path(args.output).write_text(json.dumps(figures, indent=2), encoding="utf-8")
        return
    figures = {"scale": args.scale, "database": connection.vendor}
    figures.update(build(args.scale, args.corpus, prebuilt=args.prebuilt, snapshot=args.snapshot))
    if args.scale != "seeds":
        figures["suggestions"] = suggestions()
        maintain()  # The full runs rewrote the suggestions: tens of thousands of rows at x10.
    reset_queries()
    figures["pages"] = pages(args.repetitions)
    figures["downloads"] = downloads()
    if connection.vendor == "sqlite" and args.scale == "record":
        figures["peer_addresses"] = peer_addresses(Path(settings.DATABASES["default"]["NAME"]).stem)
    Path(args.output).write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
