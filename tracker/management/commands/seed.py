from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tracker.importers.errors import SourceError
from tracker.importers.seed import seed


class Command(BaseCommand):
    help = (
        "Import everything in seeds/: the essay, its recommendations (every quote verified), "
        "the fact sheets and the editors' curation, then suggest matches for new actions. "
        "Safe to re-run: unchanged sources change nothing, and decisions editors made in the "
        "database are never overwritten; the file corrects only decisions older than its own."
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
        curation = result.curation
        self.stdout.write(
            f"Curation: {curation.links} links, {curation.overrides} overrides, "
            f"{curation.reasons} status reasons, {curation.history} history entries and "
            f"{curation.sources} editor-entered sources loaded; "
            f"{result.suggestions} new suggestions."
        )
        if curation.created_reviewers:
            self.stdout.write(
                "Reviewers not in this database, created as inactive accounts without a "
                f"password (activate them in the admin to let them log in): "
                f"{', '.join(curation.created_reviewers)}"
            )
        if curation.corrected:
            self.stdout.write(
                f"Decisions corrected by the file ({len(curation.corrected)}; this database held "
                "an earlier decision on each, loaded from a file or stamped before the file's; "
                "each is in its recommendation's history where it changed the status):"
            )
            for change in curation.corrected:
                self.stdout.write(f"  {change}")
        if curation.kept:
            self.stdout.write(
                f"Decisions an editor made here after the file's, kept over it "
                f"({len(curation.kept)}; export_curation writes them into the file, and leaves "
                "out a link an editor reopened):"
            )
            for change in curation.kept:
                self.stdout.write(f"  {change}")
        for skipped in curation.skipped:
            self.stderr.write(f"Curation entry not loaded: {skipped}")
        for _path, reason in result.factsheets.failed:
            self.stderr.write(reason)
        if result.factsheets.failed:
            raise CommandError(f"{len(result.factsheets.failed)} seed fact sheet(s) failed.")
