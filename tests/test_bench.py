"""`make bench` at a tiny scale, so the benchmark cannot silently rot.

The real run takes many minutes on the whole record; this one builds a database from
the seeds and a one-file corpus, scales it up twofold with a few synthetic rows,
measures it with bench/measure.py's own functions (and bench/download.py's) and
writes the report with bench/report.py.
"""

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from bench import download, measure, report, run
from bench.serving import cpu_seconds
from bench.synthetic import scale_up
from tracker.models import Document, Link, Recommendation

from .factories import make_link

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

TINY_CORPUS_FACTSHEET = measure.NEW_FACTSHEET.replace(
    "Benchmark fact sheet", "Tiny corpus fact sheet"
).replace("2025-01-15", "2025-01-10")


def test_the_benchmark_measures_and_reports_at_a_tiny_scale(tmp_path, settings, capsys):
    settings.ROOT_URLCONF = "bench.urls"  # Adds the floor view the pages are compared with.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tiny.md").write_text(TINY_CORPUS_FACTSHEET, encoding="utf-8")

    built = measure.build("record", corpus)
    accepted = Link.objects.filter(review="accepted").count()
    recommendations = Recommendation.objects.count()
    sheets = Document.objects.factsheets().count()
    counts = scale_up(factor=2, recommendations=recommendations + 20, links=accepted + 30)
    measured = {
        "suggestions": measure.suggestions(),
        "pages": measure.pages(repetitions=2),
        "downloads": measure.downloads(),
    }
    for name in ("scorecard.csv", "links.csv"):
        download.main(f"/{name}")
        measured["downloads"][name]["process"] = json.loads(capsys.readouterr().out)

    assert built["import"]["imported"] == 1
    assert counts["documents"] == 2 * sheets
    assert counts["recommendations"] == recommendations + 20
    assert counts["accepted_links"] == accepted + 30
    assert set(measured["pages"]) == set(measure.PAGES)
    assert 0 < measured["pages"]["scorecard"]["queries"] <= 10
    assert measured["downloads"]["scorecard.csv"]["rows"] == counts["recommendations"]
    assert measured["suggestions"]["suggestions_stored"] > 0
    # The run for the record's own recommendations left the synthetic ones in place.
    assert measured["suggestions"]["fixed_recommendations"] == recommendations
    assert Recommendation.objects.count() == recommendations + 20

    path = tmp_path / "BENCHMARKS.md"
    machine = {
        "date": "today",
        "cpus": 2,
        "cpu": "test",
        "memory_gb": 1,
        "versions": {"python": "3", "sqlite": "3", "postgresql": "-"},
    }
    vendor = connection.vendor
    results = {
        "machine": machine,
        # One measurement stands for both scales: this checks the code, not the figures.
        "runs": {
            f"{vendor}-{scale}": {"scale": scale, **built, "size": counts, **measured}
            for scale in ("seeds", "record", "x10")
        },
        "duration_minutes": 1.5,
        "http": {vendor: {"error": "not measured in the smoke test"}},
        "evaluation": evaluation(tmp_path / "evaluation.json"),
    }
    # Datasette needs a server and a file; here the tracker's side of each pair is fetched
    # and the report is written from wrk-shaped figures.
    if vendor == "sqlite":
        addresses = measure.peer_addresses("tiny")
        assert set(addresses) == {
            "table page", "filter", "row page", "document list", "scorecard.csv", "links.csv",
        }  # fmt: skip
        for tracker, peer in addresses.values():
            assert Client().get(tracker).status_code == 200, tracker
            assert peer.startswith("/tiny")
        wrk = {"requests_per_second": 10.0, "requests": 80, "latency": {}, "errors": 0}
        results["peer"] = {name: {"tracker": wrk, "datasette": wrk} for name in addresses}
    report.write_report(results, path)
    text = path.read_text(encoding="utf-8")
    assert "## Suggestions" in text
    # Which weighting the tuning picks on this tiny database is a tie broken by row ids,
    # which differ between databases and runs; the shipped row is there whichever it is.
    assert re.search(
        r"\| curation: implements, partial \| shipped: (bm25|tfidf) "
        r"\+ feedback \+ document context",
        text,
    )
    assert "recommendations fixed" in text
    assert f"| {vendor} | scorecard.csv |" in text
    assert f"| {vendor} | corpus | 1 | 1 | 0 | 0 |" in text
    assert "uncached at the record within 1.5× of the seeds" in text
    assert "took **1.5 minutes** (target: under an hour on these cores: met)" in text
    if vendor == "sqlite":
        assert "| links.csv | 10.0 | 10.0 | 1.00 | 2.0 | **not met** |" in text


def evaluation(path):
    """What bench/run.py records: `evaluate_suggestions --tune --json` on the built database."""
    call_command("evaluate_suggestions", "--tune", "--json", str(path), stdout=io.StringIO())
    return json.loads(path.read_text(encoding="utf-8"))


def test_a_servers_cpu_time_includes_its_ended_and_its_live_workers():
    """The HTTP benchmark's CPU per request counts gunicorn's workers, including one
    that was recycled during the load."""
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
    parent = (
        "import subprocess, sys, time\n"
        f"subprocess.run([sys.executable, '-c', {burn!r}])\n"  # Ended and reaped.
        f"live = subprocess.Popen([sys.executable, '-c', {burn!r} + 'time.sleep(60)'])\n"
        "print(flush=True)\n"
        "time.sleep(60)\n"
    )
    with subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE) as server:
        try:
            server.stdout.readline()
            deadline = time.monotonic() + 20
            while cpu_seconds(server) < 0.6 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert cpu_seconds(server) >= 0.6
        finally:
            for worker in (
                Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
            ):
                os.kill(int(worker), signal.SIGTERM)
            server.kill()


def sample(requests_per_second, p99, requests=1000, cpu=0.5, errors=0):
    return {
        "requests_per_second": requests_per_second,
        "latency": {"50": "1.00ms", "99": p99},
        "requests": requests,
        "errors": errors,
        "server_cpu_seconds": cpu,
    }


def test_a_pages_ratio_to_the_floor_is_taken_round_by_round():
    """The floor's sample of the first round ran in a slow spell: each round's ratio is taken
    against the floor of the same round and the median kept, so that spell moves one round."""
    samples = {
        "floor": [sample(500, "9.00ms"), sample(2000, "8.00ms"), sample(2000, "7.00ms")],
        "detail": [
            sample(1800, "30.00ms"),
            sample(1900, "1.02s", errors=2),
            sample(1700, "950.00us", requests=3000, cpu=1.0),
        ],
    }

    figures = run.http_summary(samples)["detail"]

    assert figures["round_ratios"] == [3.6, 0.95, 0.85]
    assert figures["ratio_to_floor"] == 0.95
    assert figures["requests_per_second"] == 1800  # the median round's figures
    assert figures["latency"]["99"] == "30.00ms"
    assert figures["worst_p99"] == "1.02s"  # by duration, not by its text
    assert (figures["requests"], figures["errors"]) == (5000, 2)
    assert figures["server_cpu_us"] == 400  # 2.0 s over 5,000 requests
    assert run.http_summary(samples)["floor"]["ratio_to_floor"] == 1.0


def test_the_databases_own_csv_is_timed_as_the_downloads_are(monkeypatch):
    """The reference COPY of links.csv's query is timed as the download is: a first run not
    kept, then the median of as many runs (one run alone moved the share by 0.01 or more)."""
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    for _ in range(4):
        make_link()
    clock = iter([0, 10, 10, 11, 11, 15, 15, 17])  # Runs of 10 s (the first), 1, 4 and 2 s.
    monkeypatch.setattr(measure, "time", SimpleNamespace(perf_counter=lambda: next(clock)))

    assert measure.copy_throughput(repetitions=3) == 2  # 4 rows (no header) in 2 s.
