"""Turn the benchmark's figures into BENCHMARKS.md, each target beside what was measured."""

PUBLIC_PAGES = [
    "scorecard",
    "filtered list",
    "text search",
    "recommendation detail",
    "fact sheet page",
    "essay page",
]
ALL_PAGES = ["floor", *PUBLIC_PAGES, "admin review queue"]
SCALES = ["seeds", "record", "x10"]
BASELINE_FOLDER = "whitehouse-factsheets-2021-2025"


def verdict(ok):
    return "met" if ok else "**not met**"


def write_report(results, path):
    lines = []
    add = lines.append
    machine = results["machine"]
    runs = results["runs"]
    engines = sorted({key.split("-")[0] for key in runs})
    add("# Benchmarks\n")
    add(
        f"Measured by `make bench` on {machine['date']}: {machine['cpus']} cores "
        f"({machine['cpu']}), {machine['memory_gb']} GB of memory; Python "
        f"{machine['versions']['python']}, SQLite {machine['versions']['sqlite']}, "
        f"PostgreSQL {machine['versions']['postgresql']}. Every database is built fresh. "
        "Ratios compare figures taken in the same run. Raw figures: `bench-results/`.\n"
    )
    if "duration_minutes" in results:
        minutes = results["duration_minutes"]
        add(
            f"The whole run, uninterrupted, took **{minutes} minutes** (target: under an hour "
            f"on these cores: {verdict(minutes < 60)}).\n"
        )
    missing = [f"{e}-{scale}" for e in engines for scale in SCALES if f"{e}-{scale}" not in runs]
    if missing:
        add(
            f"**Not measured in this run: {', '.join(missing)}.** Tables comparing scales leave "
            "that database out.\n"
        )
    add_scales(add, runs)
    add_import(add, runs, engines)
    add_suggestions(add, runs, engines)
    if "evaluation" in results:
        add_evaluation(add, results["evaluation"])
    add_pages(add, runs, engines)
    add_downloads(add, results, runs, engines)
    if "http" in results:
        add_http(add, results["http"])
    if "peer" in results:
        add_peer(add, results["peer"])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def both(runs, engine, *scales):
    return all(f"{engine}-{scale}" in runs for scale in scales)


def add_scales(add, runs):
    add("## Scales\n")
    add("| run | documents | actions | recommendations | accepted links |")
    add("|---|---|---|---|---|")
    for key, run in runs.items():
        size = run["size"]
        add(
            f"| {key} | {size['documents']:,} | {size['actions']:,} | "
            f"{size['recommendations']:,} | {size['accepted_links']:,} |"
        )
    add(
        "\n*seeds*: the seed fact sheets, recommendations and curation alone (what `make run` "
        "serves). *record*: the seeds plus the whole record, every folder of the corpus "
        "(Biden fact sheets and presidential actions, 2021-2025; the next administration's, "
        "2025-2026). *x10*: the record scaled tenfold by `bench/synthetic.py`, which copies "
        "real documents' kind, subtype, administration and date, fills them with real "
        "sentences, and adds recommendations in ten synthetic essays and accepted links.\n"
    )


def add_import(add, runs, engines):
    add("## Import\n")
    add(
        "Each corpus folder imported in turn into the seeded database. The cost per file is "
        "compared, in CPU seconds of the importing process, with the Biden fact sheets' "
        f"(`{BASELINE_FOLDER}`), the first kind the importer read. Target: every kind within "
        "1.5× of that cost per file.\n"
    )
    add(
        "| database | folder | files | imported | refused | duplicates | actions | seconds | "
        "files / s | files / CPU s | cost per file ÷ fact sheets | within 1.5× |"
    )
    add("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for engine in engines:
        folders = runs.get(f"{engine}-record", {}).get("import", {}).get("folders", {})
        baseline = folders.get(BASELINE_FOLDER)
        for name, figures in folders.items():
            cost = (
                baseline["files_per_cpu_second"] / figures["files_per_cpu_second"]
                if baseline
                else None
            )
            add(
                f"| {engine} | {name} | {figures['files']:,} | {figures['imported']:,} | "
                f"{figures['failed']} | {figures['duplicates']} | {figures['actions']:,} | "
                f"{figures['seconds']} | {figures['files_per_second']} | "
                f"{figures['files_per_cpu_second']} | "
                f"{'' if cost is None else f'{cost:.2f}'} | "
                f"{'' if cost is None else verdict(cost <= 1.5)} |"
            )
    add("")


def add_suggestions(add, runs, engines):
    add("## Suggestions\n")
    add(
        "Full run: `suggest --recompute` (fit, score every action for every recommendation with "
        "its document context, store the top 10 of each). Incremental: one new three-action "
        "fact sheet scored with the stored index, then a second one after an editor's rejection "
        "(which rebuilds that recommendation's query and rescores its pending suggestions' "
        "documents only). x10 also has 3,000 recommendations instead of 48, so its full run "
        "per action mixes more actions with more queries; *recommendations fixed* is a full run "
        "at each scale for the record's own 48 recommendations (the synthetic ones deleted in a "
        "transaction rolled back afterwards). Targets: a full run at most linear in actions "
        "(µs per action at x10, recommendations fixed, within 1.25× of the record's); "
        "incremental under 1 s at x10.\n"
    )
    add(
        "| database | full run, record (s) | full run, x10 (s) | µs per action, record | "
        "µs per action, x10 (all recommendations) | µs per action-recommendation pair, "
        "record / x10 | µs per action, x10, recommendations fixed | growth per action, "
        "recommendations fixed | incremental at x10 (s) | after a decision, x10 (s) | targets |"
    )
    add("|---|---|---|---|---|---|---|---|---|---|---|")
    for engine in [e for e in engines if both(runs, e, "record", "x10")]:
        record = runs[f"{engine}-record"]["suggestions"]
        x10 = runs[f"{engine}-x10"]["suggestions"]
        fixed = x10.get("fixed_full_microseconds_per_action")
        baseline = record.get("fixed_full_microseconds_per_action")
        growth = fixed / baseline if fixed and baseline else None
        pairs = " / ".join(
            str(figures.get("full_microseconds_per_pair", "-")) for figures in (record, x10)
        )
        after = x10.get("incremental_after_decision_seconds", 0)
        fast = max(x10["incremental_seconds"], after) < 1
        linear = "-" if growth is None else verdict(growth <= 1.25)
        add(
            f"| {engine} | {record['full_seconds']} | {x10['full_seconds']} | "
            f"{record['full_microseconds_per_action']} | {x10['full_microseconds_per_action']} | "
            f"{pairs} | {fixed or '-'} | {'-' if growth is None else f'{growth:.2f}×'} | "
            f"{x10['incremental_seconds']} | {after or '-'} | "
            f"linear: {linear}; incremental < 1 s: {verdict(fast)} |"
        )
    add("")


def add_pages(add, runs, engines):
    add("## Pages\n")
    add(
        "Server time in process (Django test client, full middleware stack), median over the "
        "repetitions, cached (a visitor after the first) and uncached (every cache emptied "
        "before each request: the first visitor after a change). The floor is the same base "
        "template with no database query. Targets: every public page within 3× the floor "
        "cached, and uncached at the record; uncached at the record within 1.5× of its time on "
        "the seeds alone; at x10 within 1.5× of the record, cached and uncached; the same "
        "queries at every scale, at most 10 per public page.\n"
    )
    for engine in [e for e in engines if both(runs, e, "seeds", "record", "x10")]:
        seeds, record, x10 = (runs[f"{engine}-{scale}"]["pages"] for scale in SCALES)
        add(f"### {engine}\n")
        add(
            "| page | queries (seeds / record / x10) | cached ms (record / x10) | "
            "cached × floor | uncached ms (seeds / record / x10) | uncached × floor, record | "
            "uncached record ÷ seeds | x10 ÷ record (cached / uncached) | uncached p95 ms, x10 |"
        )
        add("|---|---|---|---|---|---|---|---|---|")
        for page in ALL_PAGES:
            s, r, x = seeds[page], record[page], x10[page]
            add(
                f"| {page} | {s['queries']} / {r['queries']} / {x['queries']} | "
                f"{r['median_ms']} / {x['median_ms']} | {r['ratio_to_floor']} | "
                f"{s['uncached_median_ms']} / {r['uncached_median_ms']} / "
                f"{x['uncached_median_ms']} | {r['uncached_ratio_to_floor']} | "
                f"{r['uncached_median_ms'] / s['uncached_median_ms']:.2f} | "
                f"{x['median_ms'] / r['median_ms']:.2f} / "
                f"{x['uncached_median_ms'] / r['uncached_median_ms']:.2f} | "
                f"{x['uncached_p95_ms']} |"
            )
        public = [(seeds[p], record[p], x10[p]) for p in PUBLIC_PAGES]
        checks = {
            "within 3× the floor, cached": all(r["ratio_to_floor"] <= 3 for _, r, _ in public),
            "within 3× the floor, uncached at the record": all(
                r["uncached_ratio_to_floor"] <= 3 for _, r, _ in public
            ),
            "uncached at the record within 1.5× of the seeds": all(
                r["uncached_median_ms"] <= 1.5 * s["uncached_median_ms"] for s, r, _ in public
            ),
            "x10 within 1.5× of the record, cached": all(
                x["median_ms"] <= 1.5 * r["median_ms"] for _, r, x in public
            ),
            "x10 within 1.5× of the record, uncached": all(
                x["uncached_median_ms"] <= 1.5 * r["uncached_median_ms"] for _, r, x in public
            ),
            "identical query counts": all(
                seeds[p]["queries"] == record[p]["queries"] == x10[p]["queries"] for p in ALL_PAGES
            ),
            "at most 10 queries per public page": all(
                max(s["queries"], r["queries"], x["queries"]) <= 10 for s, r, x in public
            ),
        }
        add(
            f"\nTargets on {engine}: "
            + "; ".join(f"{name}: {verdict(ok)}" for name, ok in checks.items())
            + ".\n"
        )


def add_downloads(add, results, runs, engines):
    add("## Downloads\n")
    add(
        "Each download fetched in process (rows per second) and again in a fresh process of "
        "its own (peak resident memory of that process), the median of a few fetches after a "
        "first. The database's own CSV of the same data in the same run gives the physical "
        "limit: on PostgreSQL `COPY (the same query) TO STDOUT`, on SQLite the sqlite3 "
        "shell's `.mode csv` of the SQL Datasette is given; target: at least 0.5 of it at x10, "
        "in flat memory.\n"
    )
    if "downloads_remeasured" in results:
        add(
            f"The downloads were measured again on {results['downloads_remeasured']}, on the "
            "same databases (`python -m bench.run --downloads-only`).\n"
        )
    add(
        "| database | file | rows (record / x10) | rows/s (record / x10) | peak RSS MB "
        "(record / x10) | database's own CSV rows/s, x10 | share of it, x10 |"
    )
    add("|---|---|---|---|---|---|---|")
    for engine in [e for e in engines if both(runs, e, "record", "x10")]:
        for name in ("scorecard.csv", "links.csv"):
            a = runs[f"{engine}-record"]["downloads"][name]
            b = runs[f"{engine}-x10"]["downloads"][name]
            copy = b.get("copy_rows_per_second", b.get("shell_rows_per_second", ""))
            share = b.get("share_of_copy", b.get("share_of_shell", ""))
            add(
                f"| {engine} | {name} | {a['rows']:,} / {b['rows']:,} | "
                f"{a['rows_per_second']:,} / {b['rows_per_second']:,} | "
                f"{a['process']['peak_rss_mb']} / {b['process']['peak_rss_mb']} | "
                f"{copy if copy == '' else f'{copy:,}'} | "
                f"{share if share == '' else f'{share} ({verdict(share >= 0.5)})'} |"
            )
    add("")


def add_http(add, http):
    add("## HTTP\n")
    add(
        "gunicorn with the shipped `gunicorn.conf.py` serving the whole record; wrk from a "
        "second process on loopback, 2 threads, 16 connections, each page in turn, in rounds "
        "(the floor first in each). A page's × floor is the median of its rounds' ratios to "
        "the floor's sample of the same round; its requests/s and latencies are its median "
        "round's, its worst p99 that of its slowest round. Targets: every page at least 0.8× "
        "the floor page's requests per second, p99 under 50 ms in every round. Server CPU per "
        "request (gunicorn's processes, from /proc, every round) is swayed far less than "
        "requests per second by other work on the machine.\n"
    )
    for engine, pages in http.items():
        add(f"### {engine}\n")
        if "error" in pages:
            add(f"Not measured: {pages['error']}.\n")
            continue
        add(
            "| page | requests/s | × floor | rounds' × floor | p50 | p90 | p99 | worst p99 "
            "| requests | errors | server CPU µs / request | targets |"
        )
        add("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for name, figures in pages.items():
            latency = figures["latency"]
            ratio = figures["ratio_to_floor"]
            worst = milliseconds(figures["worst_p99"])
            rounds = " / ".join(f"{r:.2f}" for r in figures["round_ratios"])
            add(
                f"| {name} | {figures['requests_per_second']:,.0f} | {ratio:.2f} | {rounds} | "
                f"{latency.get('50')} | {latency.get('90')} | {latency.get('99')} | "
                f"{figures['worst_p99']} | {figures['requests']:,} | {figures['errors']} | "
                f"{figures.get('server_cpu_us', '')} | ≥ 0.8×: "
                f"{verdict(ratio >= 0.8)}; p99 < 50 ms: "
                f"{'' if worst is None else verdict(worst < 50)} |"
            )
        add("")


def milliseconds(wrk_latency):
    """wrk prints latencies as `812.00us`, `3.21ms` or `1.02s`."""
    if not wrk_latency:
        return None
    for unit, factor in (("us", 0.001), ("ms", 1), ("s", 1000)):
        if wrk_latency.endswith(unit):
            return float(wrk_latency.removesuffix(unit)) * factor
    return None


def add_peer(add, peer):
    add("## Datasette as the peer\n")
    add(
        "The same SQLite file (whole record) served by Datasette (one process) and by the "
        "tracker (one gunicorn process, 4 threads, page cache off: every request renders); "
        "wrk, 4 connections, each address in turn. Targets: pages at least 1.0x, downloads "
        "at least 2x.\n"
    )
    if "error" in peer:
        add(f"Not measured: {peer['error']}.\n")
        return
    add("| address | tracker requests/s | Datasette requests/s | ratio | target | met |")
    add("|---|---|---|---|---|---|")
    for name, pair in peer.items():
        ours = pair["tracker"]["requests_per_second"]
        theirs = pair["datasette"]["requests_per_second"]
        target = 2.0 if name.endswith(".csv") else 1.0
        ratio = ours / theirs if theirs else float("inf")
        add(
            f"| {name} | {ours:,.1f} | {theirs:,.1f} | {ratio:.2f} | {target:.1f} | "
            f"{verdict(ratio >= target)} |"
        )
    add("")


def add_evaluation(add, evaluation):
    """Recall and MRR on the test split, as `evaluate_suggestions --tune --json` wrote them."""
    add("## Suggestion quality\n")
    add(
        "`manage.py evaluate_suggestions --tune` on the SQLite whole-record database. The setting "
        f"is chosen on the tuning split (chosen: {evaluation['params']}); figures are on the "
        "test split, each recommendation's labels held out (README, *How good the suggestions "
        "are*). Every row ranks through the method `suggest` stores with; the *shipped* row is "
        "what it stores. Targets: recall@10 ≥ 0.95 and recall@5 ≥ 0.85 on the curation, "
        "checked on the shipped row.\n"
    )
    add("| labels | engine | links | recall@5 | recall@10 | MRR |")
    add("|---|---|---|---|---|---|")
    for labels, rows in evaluation["test split"].items():
        for engine, figures in rows.items():
            add(
                f"| {labels} | {engine} | {figures['gold_links']} | {figures['recall@5']:.3f} | "
                f"{figures['recall@10']:.3f} | {figures['mrr']:.3f} |"
            )
    evidence = evaluation["test split"].get("curation: implements, partial", {})
    shipped = [figures for row, figures in evidence.items() if row.startswith("shipped")]
    if shipped:
        best = shipped[0]
        add(
            f"\nTargets on the curation: recall@10 ≥ 0.95: {verdict(best['recall@10'] >= 0.95)}; "
            f"recall@5 ≥ 0.85: {verdict(best['recall@5'] >= 0.85)}.\n"
        )
    add("")
