from django.core.management.base import BaseCommand, CommandError

from tracker.importers.errors import SourceError
from tracker.importers.seed import seed


class Command(BaseCommand):
    help = (
        "Import everything in seeds/: the essay, its recommendations (every quote verified) "
        "and the fact sheets. Safe to re-run: unchanged sources change nothing, and editors' "
        "links and statuses are never touched."
    )

    def handle(self, *args, **options):
        try:
            recommendations, factsheets = seed()
        except SourceError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Recommendations and stages: {recommendations}")
        self.stdout.write(f"Fact sheets: {factsheets}")
        for _path, reason in factsheets.failed:
            self.stderr.write(reason)
        if factsheets.failed:
            raise CommandError(f"{len(factsheets.failed)} seed fact sheet(s) failed to import.")
