from django.core.management.base import BaseCommand

from tracker.exports import SCORECARD_COLUMNS, scorecard_rows, write_csv
from tracker.models import Recommendation


class Command(BaseCommand):
    help = (
        "Print the scorecard as CSV (the same file as /scorecard.csv): one row per "
        "recommendation, with its status and evidence."
    )

    def handle(self, *args, **options):
        rows = scorecard_rows(Recommendation.objects.for_scorecard())
        write_csv(rows, SCORECARD_COLUMNS, self.stdout._out)
