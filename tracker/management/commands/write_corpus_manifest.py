from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.importers.manifest import write_manifest


class Command(BaseCommand):
    help = (
        "Write seeds/corpus-manifest.csv: every document of the corpus that the curation "
        "searched (path, date, kind, SHA-256)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("corpus", help="The corpus folder, e.g. ../shared/corpus")
        parser.add_argument("--output", default=settings.SEEDS_DIR / "corpus-manifest.csv")

    def handle(self, *args: Any, corpus: str, output: str, **options: Any) -> None:
        try:
            count = write_manifest(corpus, output)
        except OSError as error:
            raise CommandError(f"{corpus}: cannot be read ({error.strerror})") from None
        self.stdout.write(f"Listed {count} documents in {output}.")
