from typing import Any

from django.core.management.base import BaseCommand

from tracker.exports import ScorecardExport, csv_lines
from tracker.models import Recommendation


class Command(BaseCommand):
    help = (
        "Print the scorecard as CSV (the same file as /scorecard.csv): one row per "
        "recommendation, with its status and evidence."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        export = ScorecardExport(Recommendation.objects.for_scorecard())
        for line in csv_lines(export.rows(), export.columns):
            # Each line already ends with the CSV's "\r\n": add no other ending.
            self.stdout.write(line, ending="")
