"""`make bench`: build fresh databases at two scales on SQLite and PostgreSQL, measure, report.

Writes BENCHMARKS.md (and the raw figures to bench-results/). Takes a while.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from bench import report
from bench.serving import cpu_seconds, datasette, gunicorn

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results"
DEFAULT_CORPUS = ROOT.parent / "shared/corpus"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
SCALES = ["seeds", "record", "x10"]
HTTP_PAGES = {
    "floor": "/__floor__/",
    "scorecard": "/",
    "list": "/recommendations/?stage=reengage&status=not_found",
    "detail": "/recommendations/rejoin-un-human-rights-council/",
}
HTTP_PORT = 8765
# Each page and the floor alternate, so that each ratio is taken moments apart.
HTTP_ROUNDS = 3
PEER_PORT = 8766
PEER_TRACKER_PORT = 8767
PEER_CONNECTIONS = 4


def database_url(engine, scale, *, create=True):
    """The address of a fresh database for this run (removed first if an earlier run left it;
    created empty unless it is to be made as a copy)."""
    if engine == "sqlite":
        path = RESULTS / f"{scale}.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    name = f"tracker_bench_{scale}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as server:
        server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if create:
            server.execute(f"CREATE DATABASE {name}")
    return f"{PG_SERVER}/{name}"


def environment(url):
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "benchmark-only-secret-key",
        "HTTPS": "0",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "PYTHONWARNINGS": "ignore",
    }


def existing_database_url(engine, scale):
    if engine == "sqlite":
        return f"sqlite:///{RESULTS / f'{scale}.sqlite3'}"
    return f"{PG_SERVER}/tracker_bench_{scale}"


def run_scale(engine, scale, corpus, repetitions, *, downloads_only=False, snapshot=None,
              prebuilt=False):  # fmt: skip
    """Build (unless `prebuilt`: a snapshot of the record) and measure one database; with
    `snapshot`, copy the freshly imported record there first, for x10 to start from."""
    if downloads_only or prebuilt:
        url = existing_database_url(engine, scale)
    else:
        url = database_url(engine, scale)
    output = RESULTS / f"{engine}-{scale}.json"
    print(f"== {engine} / {scale}: {'downloads' if downloads_only else 'building and measuring'}",
          flush=True)  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "bench.measure", "--scale", scale, "--corpus", str(corpus),
         "--repetitions", str(repetitions), "--output", str(output),
         *(["--downloads-only"] if downloads_only else []),
         *(["--snapshot", snapshot] if snapshot else []),
         *(["--prebuilt"] if prebuilt else [])],
        env=environment(url), cwd=ROOT, check=True,
    )  # fmt: skip
    figures = json.loads(output.read_text())
    for name in ("scorecard.csv", "links.csv"):
        result = subprocess.run(
            [sys.executable, "-m", "bench.download", f"/{name}"],
            env=environment(url), cwd=ROOT, check=True, capture_output=True, text=True,
        )  # fmt: skip
        figures["downloads"][name]["process"] = json.loads(result.stdout)
    output.write_text(json.dumps(figures, indent=2))
    return figures, url


def http_load(url, seconds, rounds=HTTP_ROUNDS):
    """gunicorn serving the database, loaded by wrk from a second process on loopback: every
    page in turn, `rounds` times, `seconds` in all per page (`http_summary`)."""
    if not shutil.which("wrk"):
        return {"error": "wrk is not installed (apt install wrk)"}
    samples = {name: [] for name in HTTP_PAGES}
    with gunicorn(environment(url), HTTP_PORT, HTTP_PAGES["floor"]) as server:
        for _ in range(rounds):
            for name, path in HTTP_PAGES.items():
                before = cpu_seconds(server)
                sample = _wrk(path, max(1, seconds // rounds))
                sample["server_cpu_seconds"] = cpu_seconds(server) - before
                samples[name].append(sample)
    return http_summary(samples)


def http_summary(samples):
    """{page: figures} from each page's samples, one a round, the floor's first.

    A slow spell of the machine during the floor's one sample used to skew every page's ratio
    (requests per second in one sample swing 2-4x on a shared virtual machine): a page's ratio
    to the floor is the median of its rounds' ratios, each against the floor's sample of the
    same round, moments apart. Its other figures are its median round's, its p99 the worst
    round's, its requests and server CPU those of every round."""
    floor = samples["floor"]
    results = {}
    for name, runs in samples.items():
        ratios = [run["requests_per_second"] / base["requests_per_second"]
                  for run, base in zip(runs, floor, strict=True)]  # fmt: skip
        middle = sorted(runs, key=lambda run: run["requests_per_second"])[len(runs) // 2]
        requests = sum(run["requests"] for run in runs)
        cpu = sum(run["server_cpu_seconds"] for run in runs)
        results[name] = {
            **{key: middle[key] for key in ("requests_per_second", "latency")},
            "worst_p99": max((run["latency"].get("99") for run in runs),
                             key=lambda latency: report.milliseconds(latency) or 0),
            "ratio_to_floor": round(statistics.median(ratios), 2),
            "round_ratios": [round(ratio, 2) for ratio in ratios],
            "requests": requests,
            "errors": sum(run["errors"] for run in runs),
            "server_cpu_us": round(1e6 * cpu / requests) if requests else None,
        }  # fmt: skip
    return results


def peer_load(url, addresses, seconds):
    """The tracker (one gunicorn process, 4 threads, no page cache) against Datasette (one
    process) serving the same SQLite file, 4 connections each. Both serve at once and each
    address is loaded on one then the other, back to back, so that a change in the machine's
    load between them skews a ratio as little as it can."""
    if not shutil.which("wrk"):
        return {"error": "wrk is not installed (apt install wrk)"}
    database = url.removeprefix("sqlite:///")
    results = {}
    uncached = {**environment(url), "BENCH_UNCACHED": "1"}
    with (
        gunicorn(uncached, PEER_TRACKER_PORT, "/__floor__/", threads=PEER_CONNECTIONS, workers=1),
        datasette(database, PEER_PORT, addresses["table page"][1]),
    ):
        for name, (tracker, peer) in addresses.items():
            results[name] = {
                "tracker": _wrk(tracker, seconds, PEER_CONNECTIONS, PEER_TRACKER_PORT),
                "datasette": _wrk(peer, seconds, PEER_CONNECTIONS, PEER_PORT),
            }
    return results


def _wrk(path, seconds, connections=16, port=HTTP_PORT):
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
         f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    text = result.stdout
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", text, re.MULTILINE))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", text)[1]),
        "requests": int(re.search(r"(\d+) requests in", text)[1]),
        "latency": latency,
        "errors": errors + (int(non_2xx[1]) if non_2xx else 0),
    }


def evaluation(url):
    """The suggester's recall and MRR on the whole record (`evaluate_suggestions --tune`)."""
    print("== Suggestion quality: evaluate_suggestions --tune (SQLite, whole record)", flush=True)
    output = RESULTS / "evaluation.json"
    subprocess.run(
        [sys.executable, "manage.py", "evaluate_suggestions", "--tune", "--json", str(output)],
        env=environment(url), cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return json.loads(output.read_text())


def machine():
    memory = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    versions = {"python": platform.python_version(), "sqlite": __import__("sqlite3").sqlite_version}
    with psycopg.connect(f"{PG_SERVER}/postgres") as server:
        versions["postgresql"] = server.execute("SHOW server_version").fetchone()[0]
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "cpu": _cpu_name(),
        "memory_gb": round(int(memory) / 2**20, 1),
        "versions": versions,
    }


def _cpu_name():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repetitions", type=int, default=100)
    parser.add_argument("--http-seconds", type=int, default=15)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--peer-seconds", type=int, default=8)
    parser.add_argument(
        "--scales", default=",".join(SCALES), help="Which scales to build (seeds,record,x10)."
    )
    parser.add_argument(
        "--http-only",
        action="store_true",
        help="Run only the HTTP load on the last run's whole-record databases.",
    )
    parser.add_argument(
        "--downloads-only",
        action="store_true",
        help="Re-measure only the downloads on the databases of the last run, and rewrite "
        "the report from the figures kept in bench-results/.",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    if not args.corpus.is_dir():
        sys.exit(f"The corpus is not at {args.corpus}; pass --corpus PATH.")
    RESULTS.mkdir(exist_ok=True)
    previous = RESULTS / "all.json"
    results = {"machine": machine(), "runs": {}}
    if args.downloads_only and previous.exists():
        results = json.loads(previous.read_text())
        results["downloads_remeasured"] = machine()["date"]
    if args.http_only and previous.exists():
        results = json.loads(previous.read_text())
        results["http"] = {
            engine: http_load(existing_database_url(engine, "record"), args.http_seconds)
            for engine in args.engines.split(",")
        }
        results["http_measured"] = machine()["date"]
        previous.write_text(json.dumps(results, indent=2))
        report.write_report(results, ROOT / "BENCHMARKS.md")
        return
    urls = {}
    scales = args.scales.split(",")
    for engine in args.engines.split(","):
        for scale in scales:
            if args.downloads_only and not (RESULTS / f"{engine}-{scale}.json").exists():
                continue
            # x10 starts from a copy of the imported record rather than importing it again.
            from_record = "record" in scales and not args.downloads_only
            snapshot = (
                database_url(engine, "x10", create=False)
                if scale == "record" and from_record and "x10" in scales
                else None
            )
            figures, url = run_scale(
                engine,
                scale,
                args.corpus,
                args.repetitions,
                downloads_only=args.downloads_only,
                snapshot=snapshot,
                prebuilt=scale == "x10" and from_record,
            )
            results["runs"][f"{engine}-{scale}"] = figures
            urls[engine, scale] = url
    if ("sqlite", "record") in urls and not args.downloads_only:
        results["evaluation"] = evaluation(urls["sqlite", "record"])
    if not args.downloads_only:
        results["http"] = {}
        for engine in [engine for engine, scale in urls if scale == "record"]:
            print(f"== HTTP load: gunicorn on {engine} (whole record), wrk on loopback", flush=True)
            results["http"][engine] = http_load(urls[engine, "record"], args.http_seconds)
    if ("sqlite", "record") in urls and not args.downloads_only:
        print("== Datasette as the peer: the same SQLite file (whole record)", flush=True)
        addresses = results["runs"]["sqlite-record"]["peer_addresses"]
        results["peer"] = peer_load(urls["sqlite", "record"], addresses, args.peer_seconds)
    results["duration_minutes"] = round((time.perf_counter() - started) / 60, 1)
    (RESULTS / "all.json").write_text(json.dumps(results, indent=2))
    report.write_report(results, ROOT / "BENCHMARKS.md")
    print("Wrote BENCHMARKS.md")


if __name__ == "__main__":
    main()
