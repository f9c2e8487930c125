import csv
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.matching import evaluate
from tracker.models import Action

DEFAULT_LABELS = settings.BASE_DIR / "tests/data/suggestion_labels.csv"


def read_labels(path: str | Path) -> tuple[dict[str, set[int]], list[dict[str, str]]]:
    """{recommendation code: {action ids}} from a CSV of implementing pairs."""
    with Path(path).open(encoding="utf-8") as labels:
        rows = list(csv.DictReader(labels))
    actions = {
        (slug, key): pk
        for pk, slug, key in Action.objects.values_list("pk", "factsheet__slug", "key")
    }
    gold: dict[str, set[int]] = {}
    missing: list[dict[str, str]] = []
    for row in rows:
        action_id = actions.get((row["factsheet"], row["action_key"]))
        if action_id is None:
            missing.append(row)
            continue
        gold.setdefault(row["recommendation_code"], set()).add(action_id)
    return gold, missing


class Command(BaseCommand):
    help = "Measure the suggestion engine against a labelled set: recall@5, recall@10 and MRR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--labels", default=DEFAULT_LABELS, help="CSV of implementing pairs.")

    def handle(self, *args: Any, labels: str | Path, **options: Any) -> None:
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
