from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.exports import write_csv
from tracker.matching import DEFAULT_TOP, ranking_rows, suggest_all

RANKING_COLUMNS = [
    "recommendation_code",
    "rank",
    "score",
    "action_id",
    "factsheet_title",
    "action_text",
]


class Command(BaseCommand):
    help = (
        "Rank every action for every recommendation and store the best unreviewed ones as "
        "suggestions for editors. Accepted and rejected links are never touched, a "
        "rejected pair is never suggested again, and a link an editor put back to review "
        "is never deleted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--top", type=int, default=DEFAULT_TOP, help="Suggestions to keep.")
        parser.add_argument(
            "--recompute",
            action="store_true",
            help="Delete and rebuild all pending machine suggestions.",
        )
        parser.add_argument(
            "--format",
            choices=["csv"],
            help="Print the engine's ranking (regardless of review state) instead of storing.",
        )

    def handle(
        self, *args: Any, top: int, recompute: bool, format: str | None, **options: Any
    ) -> None:
        if top < 1:
            raise CommandError("--top must be at least 1.")
        if format == "csv":
            write_csv(ranking_rows(top), RANKING_COLUMNS, self.stdout)
            return
        created, updated, deleted = suggest_all(top, recompute=recompute)
        self.stdout.write(f"Suggestions: {created} created, {updated} rescored, {deleted} removed.")
