from django.core.management.base import BaseCommand

from tracker.exports import ScorecardExport, write_csv
from tracker.models import Recommendation


class Command(BaseCommand):
    help = (
        "Print the scorecard as CSV (the same file as /scorecard.csv): one row per "
        "recommendation, with its status and evidence."
    )

    def handle(self, *args, **options):
        export = ScorecardExport(Recommendation.objects.for_scorecard())
        write_csv(export.rows(), export.columns, self.stdout._out)
