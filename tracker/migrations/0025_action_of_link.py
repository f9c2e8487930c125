"""A link's document and place in it, read from an index rather than the action's row.

SQLite's scorecard.csv reads each recommendation's links with their documents' dates and
the actions' positions. An action's row holds its text and markdown, so at x10 (600,000
actions) looking up `factsheet_id` and `position` by id read a long row for every link:
two fifths of the statement's time (88 of 231 ms) went on that join. The
statement names this index (`INDEXED BY`: without statistics SQLite would look the rows up
by id all the same). PostgreSQL can read it the same way (an index-only scan).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tracker", "0024_evidence_and_search_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="action",
            index=models.Index(fields=["id", "factsheet", "position"], name="action_of_link"),
        ),
    ]
