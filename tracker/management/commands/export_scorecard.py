from typing import Any

from django.core.management.base import BaseCommand

from tracker.exports import SCORECARD_COLUMNS, csv_lines, scorecard_rows
from tracker.models import Recommendation


class Command(BaseCommand):
    help = (
        "Print the scorecard as CSV (the same file as /scorecard.csv): one row per "
        "recommendation, with its status and evidence."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rows = scorecard_rows(Recommendation.objects.for_scorecard())
        for line in csv_lines(rows, SCORECARD_COLUMNS):
            # Each line already ends with the CSV's "\r\n": add no other ending.
            self.stdout.write(line, ending="")
