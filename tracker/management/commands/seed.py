from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tracker.importers.errors import SourceError
from tracker.importers.seed import seed


class Command(BaseCommand):
    help = (
        "Import everything in seeds/: the essay, its recommendations (every quote verified), "
        "the fact sheets and the editors' curation, then suggest matches for new actions. "
        "Safe to re-run: unchanged sources change nothing, and decisions editors made in the "
        "database are never overwritten."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = seed()
        except SourceError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Administrations: {result.administrations}")
        summary = result.recommendations
        self.stdout.write(f"Recommendations: {summary.counts(stages=False)}")
        self.stdout.write(f"Stages: {summary.counts(stages=True)}")
        self.stdout.write(f"Fact sheets: {result.factsheets}")
        self.stdout.write(
            f"Curation: {result.curated_links} links, {result.curated_overrides} overrides and "
            f"{result.curated_sources} editor-entered sources loaded; "
            f"{result.suggestions} new suggestions."
        )
        for skipped in result.curation_skipped:
            self.stderr.write(f"Curation entry not loaded: {skipped}")
        for _path, reason in result.factsheets.failed:
            self.stderr.write(reason)
        if result.factsheets.failed:
            raise CommandError(f"{len(result.factsheets.failed)} seed fact sheet(s) failed.")
