import csv
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.matching import (
    PARAMS,
    SMALL_GRID,
    describe_params,
    evaluate,
    evaluation_report,
    tune,
)
from tracker.models import Action, Link

DEFAULT_LABELS = settings.BASE_DIR / "tests/data/suggestion_labels.csv"
CURATION = settings.SEEDS_DIR / "curation.yaml"


def _action_ids() -> dict[tuple[str, str], int]:
    return {
        (slug, key): pk
        for pk, slug, key in Action.objects.values_list("pk", "factsheet__slug", "key")
    }


def read_labels(path: str | Path) -> tuple[dict[str, set[int]], list[dict[str, str]]]:
    """{recommendation code: {action ids}} from a CSV of implementing pairs."""
    with Path(path).open(encoding="utf-8") as labels:
        rows = list(csv.DictReader(labels))
    actions = _action_ids()
    gold: dict[str, set[int]] = {}
    missing: list[dict[str, str]] = []
    for row in rows:
        action_id = actions.get((row["factsheet"], row["action_key"]))
        if action_id is None:
            missing.append(row)
            continue
        gold.setdefault(row["recommendation_code"], set()).add(action_id)
    return gold, missing


def read_curation_labels(
    path: str | Path = CURATION, relations: tuple[str, ...] = tuple(Link.EVIDENCE_RELATIONS)
) -> dict[str, set[int]]:
    """{recommendation code: {action ids}} of the accepted links of `relations`."""
    links = yaml.safe_load(Path(path).read_text(encoding="utf-8")).get("links", [])
    actions = _action_ids()
    gold: dict[str, set[int]] = {}
    for link in links:
        if link.get("review") != "accepted" or link.get("relation") not in relations:
            continue
        action_id = actions.get((link["factsheet"], link["action"]))
        if action_id is not None:
            gold.setdefault(link["recommendation"], set()).add(action_id)
    return gold


class Command(BaseCommand):
    help = (
        "Measure the suggestion engine as suggest ships it: recall@5, recall@10 and MRR on all "
        "labels, then on the test split (recommendation code hash) with labels held out, for "
        "the seed labels and the curation's accepted implements/partial links."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--labels", default=DEFAULT_LABELS, help="CSV of implementing pairs.")
        parser.add_argument("--curation", default=CURATION, help="Curation YAML file.")
        parser.add_argument(
            "--tune",
            dest="tune_grid",
            action="store_true",
            help="Choose the setting on the tuning split of the curation's evidence links "
            "(a small grid: TF-IDF and BM25, with and without feedback, each with five "
            "document-context weightings, with and without other recommendations' decisions), "
            "then report with it on the test split. Each "
            "weighting fits every action: minutes on the whole corpus.",
        )
        parser.add_argument(
            "--json", dest="json_path", help="Also write the figures to this JSON file."
        )

    def handle(
        self,
        *args: Any,
        labels: str | Path,
        curation: str | Path,
        json_path: str | None = None,
        tune_grid: bool = False,
        **options: Any,
    ) -> None:
        gold, missing = read_labels(labels)
        if not gold:
            raise CommandError(f"No labelled pair of {labels} matches an imported action.")
        if missing:
            self.stderr.write(f"{len(missing)} labelled pairs name actions not imported; skipped.")
        result = evaluate(gold)
        self.stdout.write(
            f"{result['gold_links']} labelled links for {result['recommendations']} "
            f"recommendations\n"
            f"recall@5  {result['recall@5']:.3f}\n"
            f"recall@10 {result['recall@10']:.3f}\n"
            f"MRR       {result['mrr']:.3f}"
        )
        label_sets = {"seed labels": gold}
        if Path(curation).exists():
            label_sets["curation: implements, partial"] = read_curation_labels(curation)
            label_sets["curation: contrary (apart)"] = read_curation_labels(curation, ("contrary",))
        params, tuning = PARAMS, []
        if tune_grid and "curation: implements, partial" in label_sets:
            tuning = tune(label_sets["curation: implements, partial"], SMALL_GRID)
            self.stdout.write("\nTuning split, curation evidence: objective (R@5 + R@10 + MRR)")
            for objective, candidate in tuning:
                self.stdout.write(f"  {objective:.3f}  {describe_params(candidate)}")
            params = tuning[0][1]
        self.stdout.write(f"\nReported with: {describe_params(params)}")
        report = evaluation_report(label_sets, params)
        for name, rows in report.items():
            self.stdout.write(f"\n{name}, test split:  recall@5  recall@10  MRR  (links)")
            for row, figures in rows.items():
                self.stdout.write(
                    f"  {row:58} {figures['recall@5']:.3f}  {figures['recall@10']:.3f}  "
                    f"{figures['mrr']:.3f}  ({figures['gold_links']})"
                )
        if json_path:
            figures = {
                "all labels, no feedback": {"seed labels": result},
                "params": describe_params(params),
                "tuning": [{"objective": round(o, 4), "params": asdict(p)} for o, p in tuning],
                "test split": report,
            }
            Path(json_path).write_text(json.dumps(figures, indent=2), encoding="utf-8")
