"""Two reads that grew with the data, bounded again.

The latest evidence links, newest first (`Document.recently_cited`, the list's document
menu): a partial index over evidence alone, so the latest 300 are read from it instead of
walking every newer link (after `suggest`, tens of thousands of suggestions).

PostgreSQL: the recommendations' GIN index of 0018 without its pending list. Rows written
since the last VACUUM wait there unsorted, and every search reads all of them: at x10
(3,000 recommendations written at once, no VACUUM since) a search read 420 pages and the
planner chose to read the whole table instead, 11 ms against 0.05 ms once the list was
merged. Recommendations are written one at a time by editors, so each write merges its
entries itself (`fastupdate = off`) and no search depends on when VACUUM last ran.
"""

from django.db import migrations, models

SEARCH_INDEX = "recommendation_search_vector"


def merge_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {SEARCH_INDEX} SET (fastupdate = off)")
        # The setting keeps new entries out of the pending list; this empties it now.
        schema_editor.execute(f"SELECT gin_clean_pending_list('{SEARCH_INDEX}'::regclass)")


def restore_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {SEARCH_INDEX} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("tracker", "0023_matching_feedback_rows")]

    operations = [
        migrations.AddIndex(
            model_name="link",
            index=models.Index(
                condition=models.Q(
                    ("review", "accepted"), ("relation__in", ["implements", "partial"])
                ),
                fields=["id", "action"],
                name="link_evidence_latest",
            ),
        ),
        migrations.RunPython(merge_search_index, restore_pending_list),
    ]
