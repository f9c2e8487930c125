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
    missing = [f"{e}-{scale}" for e in engines for scale in ("archive", "x10")
               if f"{e}-{scale}" not in runs]  # fmt: skip
    if missing:
        add(
            f"**Not measured in this run: {', '.join(missing)}.** Tables comparing the two "
            "scales leave that database out; its archive figures are listed where they stand "
            "alone (import, and below).\n"
        )
    add("## Scales\n")
    add("| run | fact sheets | actions | recommendations | accepted links |")
    add("|---|---|---|---|---|")
    for key, run in runs.items():
        size = run["size"]
        add(
            f"| {key} | {size['factsheets']:,} | {size['actions']:,} | "
            f"{size['recommendations']:,} | {size['accepted_links']:,} |"
        )
    add(
        "\n*archive*: the seeds plus the real fact sheets of the corpus, with the 47 seed "
        "recommendations and their curation. *x10*: the archive scaled tenfold by "
        "`bench/synthetic.py`, which reuses real sentences for new fact sheets, and adds "
        "recommendations in ten synthetic essays and accepted links.\n"
    )

    add("## Import\n")
    add("| database | files | imported | refused | actions | seconds | fact sheets / s |")
    add("|---|---|---|---|---|---|---|")
    for engine in engines:
        if f"{engine}-archive" not in runs:
            continue
        figures = runs[f"{engine}-archive"]["import"]
        add(
            f"| {engine} | {figures['files']} | {figures['imported']} | {figures['failed']} | "
            f"{figures['actions']:,} | {figures['seconds']} | {figures['factsheets_per_second']} |"
        )
    add("")
    for engine in engines:
        per_kind = runs.get(f"{engine}-archive", {}).get("import_per_kind", {})
        if per_kind.get("presidential action"):
            add(
                f"{engine}: presidential actions import at {per_kind['presidential action']} "
                "files / s (imported and rolled back)."
            )
    add("")

    add("## Suggestions\n")
    add(
        "Full run: `suggest --recompute` (fit, score every action for every recommendation, "
        "store the top 10 of each). Incremental: one new three-action fact sheet scored with "
        "the stored index, then a second one after an editor's rejection (which rebuilds that "
        "recommendation's query and rescores its pending suggestions only). x10 also has "
        "3,000 recommendations instead of 48.\n"
    )
    add(
        "| database | full run, archive (s) | full run, x10 (s) | µs per action, archive | "
        "µs per action, x10 | growth per action | incremental at x10 (s) | "
        "after a decision, x10 (s) | targets |"
    )
    add("|---|---|---|---|---|---|---|---|---|")
    for engine in [e for e in engines if f"{e}-archive" in runs and f"{e}-x10" in runs]:
        archive = runs[f"{engine}-archive"]["suggestions"]
        x10 = runs[f"{engine}-x10"]["suggestions"]
        growth = x10["full_microseconds_per_action"] / archive["full_microseconds_per_action"]
        linear = growth <= 1.25
        fast = max(x10["incremental_seconds"], x10.get("incremental_after_decision_seconds", 0)) < 1
        add(
            f"| {engine} | {archive['full_seconds']} | {x10['full_seconds']} | "
            f"{archive['full_microseconds_per_action']} | {x10['full_microseconds_per_action']} | "
            f"{growth:.2f}× | {x10['incremental_seconds']} | "
            f"{x10.get('incremental_after_decision_seconds', '-')} | linear: {verdict(linear)}; "
            f"incremental < 1 s: {verdict(fast)} |"
        )
    add("")

    if "evaluation" in results:
        add_evaluation(add, results["evaluation"])

    add("## Pages\n")
    add(
        "Server time in process (Django test client, full middleware stack), median and 95th "
        "percentile over the repetitions, cached (a visitor after the first) and uncached (the "
        "page cache emptied before every request). The floor is the same base template with no "
        "database query. Targets: every public page within 3× the floor at archive scale, and "
        "at x10 within 1.5× of its own archive time; queries identical at both scales, at most "
        "10 per public page.\n"
    )
    for engine in [e for e in engines if f"{e}-archive" in runs and f"{e}-x10" in runs]:
        archive = runs[f"{engine}-archive"]["pages"]
        x10 = runs[f"{engine}-x10"]["pages"]
        add(f"### {engine}\n")
        add(
            "| page | queries (archive / x10) | cached median ms (archive / x10) | "
            "× floor, archive | x10 ÷ archive | uncached median ms (archive / x10) | "
            "uncached × floor, archive | uncached x10 ÷ archive | p95 ms, x10 uncached |"
        )
        add("|---|---|---|---|---|---|---|---|---|")
        for page in ALL_PAGES:
            a, b = archive[page], x10[page]
            add(
                f"| {page} | {a['queries']} / {b['queries']} | {a['median_ms']} / "
                f"{b['median_ms']} | {a['ratio_to_floor']} | "
                f"{b['median_ms'] / a['median_ms']:.2f} | {a['uncached_median_ms']} / "
                f"{b['uncached_median_ms']} | {a['uncached_ratio_to_floor']} | "
                f"{b['uncached_median_ms'] / a['uncached_median_ms']:.2f} | "
                f"{b['uncached_p95_ms']} |"
            )
        public = [(archive[p], x10[p]) for p in PUBLIC_PAGES]
        within_floor = all(a["ratio_to_floor"] <= 3 for a, _ in public)
        stable = all(b["median_ms"] <= 1.5 * a["median_ms"] for a, b in public)
        stable_uncached = all(
            b["uncached_median_ms"] <= 1.5 * a["uncached_median_ms"] for a, b in public
        )
        same_queries = all(archive[p]["queries"] == x10[p]["queries"] for p in ALL_PAGES)
        few_queries = all(a["queries"] <= 10 and b["queries"] <= 10 for a, b in public)
        add(
            f"\nTargets on {engine}: within 3× the floor (cached): {verdict(within_floor)}; "
            f"x10 within 1.5× of archive (cached): {verdict(stable)}, uncached: "
            f"{verdict(stable_uncached)}; identical query counts: {verdict(same_queries)}; "
            f"at most 10 queries per public page: {verdict(few_queries)}.\n"
        )

    for engine in [e for e in engines if f"{e}-archive" in runs and f"{e}-x10" not in runs]:
        archive = runs[f"{engine}-archive"]
        add(f"### {engine}, archive only\n")
        suggestions = archive["suggestions"]
        add(
            f"Suggestions: full run {suggestions['full_seconds']} s, incremental "
            f"{suggestions['incremental_seconds']} s.\n"
        )
        add("| page | queries | cached ms | × floor | uncached ms | uncached × floor |")
        add("|---|---|---|---|---|---|")
        for page in ALL_PAGES:
            a = archive["pages"][page]
            add(
                f"| {page} | {a['queries']} | {a['median_ms']} | {a['ratio_to_floor']} | "
                f"{a['uncached_median_ms']} | {a['uncached_ratio_to_floor']} |"
            )
        links = archive["downloads"]["links.csv"]
        if "copy_rows_per_second" in links:
            add(
                f"\nlinks.csv at archive scale: {links['rows_per_second']:,} rows/s against "
                f"COPY's {links['copy_rows_per_second']:,} ({links['share_of_copy']}), on only "
                f"{links['rows']} rows, so fixed costs dominate.\n"
            )
    add("## Downloads\n")
    add(
        "Each download fetched in process (rows per second) and again in a fresh process of "
        "its own (peak resident memory of that process). On PostgreSQL, `COPY (the links.csv "
        "query) TO STDOUT` in the same run gives the physical limit.\n"
    )
    if "downloads_remeasured" in results:
        add(
            f"The downloads were measured again on {results['downloads_remeasured']}, on the "
            "same databases, after the export was changed to read evidence as plain values "
            "(`python -m bench.run --downloads-only`).\n"
        )
    add(
        "| database | file | rows (archive / x10) | rows/s (archive / x10) | peak RSS MB "
        "(archive / x10) | COPY rows/s, x10 | share of COPY, x10 |"
    )
    add("|---|---|---|---|---|---|---|")
    for engine in [e for e in engines if f"{e}-archive" in runs and f"{e}-x10" in runs]:
        for name in ("scorecard.csv", "links.csv"):
            a = runs[f"{engine}-archive"]["downloads"][name]
            b = runs[f"{engine}-x10"]["downloads"][name]
            copy = b.get("copy_rows_per_second", "")
            share = b.get("share_of_copy", "")
            add(
                f"| {engine} | {name} | {a['rows']:,} / {b['rows']:,} | "
                f"{a['rows_per_second']:,} / {b['rows_per_second']:,} | "
                f"{a['process']['peak_rss_mb']} / {b['process']['peak_rss_mb']} | "
                f"{copy if copy == '' else f'{copy:,}'} | {share} |"
            )
    add("")

    if "http" in results:
        add("## HTTP\n")
        add(
            "gunicorn (2 workers) serving the archive on PostgreSQL; wrk from a second process "
            "on loopback, 2 threads, 16 connections, for each page in turn.\n"
        )
        http = results["http"]
        if "error" in http:
            add(f"Not measured: {http['error']}.\n")
        else:
            add("| page | requests/s | × floor | p50 | p75 | p90 | p99 | requests | errors |")
            add("|---|---|---|---|---|---|---|---|---|")
            floor = http["floor"]["requests_per_second"]
            for name, figures in http.items():
                latency = figures["latency"]
                add(
                    f"| {name} | {figures['requests_per_second']:,.0f} | "
                    f"{figures['requests_per_second'] / floor:.2f} | {latency.get('50')} | "
                    f"{latency.get('75')} | {latency.get('90')} | {latency.get('99')} | "
                    f"{figures['requests']:,} | {figures['errors']} |"
                )
            add("")
    if "peer" in results:
        add("## Datasette as the peer\n")
        add(
            "The same SQLite file (archive) served by Datasette (one process) and by the "
            "tracker (one gunicorn process, 4 threads, page cache off: every request renders); "
            "wrk, 4 connections, each address in turn. Targets: pages at least 1.0x, downloads "
            "at least 2x.\n"
        )
        peer = results["peer"]
        if "error" in peer:
            add(f"Not measured: {peer['error']}.\n")
        else:
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
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def add_evaluation(add, evaluation):
    """Recall and MRR on the test split, as `evaluate_suggestions --tune --json` wrote them."""
    add("## Suggestion quality\n")
    add(
        "`manage.py evaluate_suggestions --tune` on the SQLite archive database. The setting "
        f"is chosen on the tuning split (chosen: {evaluation['params']}); figures are on the "
        "test split, each recommendation's labels held out (README, *How good the suggestions "
        "are*). Targets: recall@10 ≥ 0.95 and recall@5 ≥ 0.85 on the curation.\n"
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
    if evidence:
        best = max(evidence.values(), key=lambda figures: figures["recall@10"])
        add(
            f"\nTargets on the curation: recall@10 ≥ 0.95: {verdict(best['recall@10'] >= 0.95)}; "
            f"recall@5 ≥ 0.85: {verdict(best['recall@5'] >= 0.85)}.\n"
        )
    add("")
