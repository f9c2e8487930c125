from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from tracker.importers.curation_file import export_curation


class Command(BaseCommand):
    help = (
        "Write every accepted and rejected link (with its reviewer and date), every status "
        "override and public status reason, the status history and the editor-entered sources "
        "to seeds/curation.yaml "
        "(stable order), so curation lives in the repository."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", default=settings.SEEDS_DIR / "curation.yaml")

    def handle(self, *args: Any, output: str | Path, **options: Any) -> None:
        counts = export_curation(output)
        self.stdout.write(
            f"Wrote {counts['links']} links, {counts['overrides']} overrides, "
            f"{counts['reasons']} status reasons, {counts['history']} history entries and "
            f"{counts.get('sources', 0)} editor-entered sources to {output}."
        )
