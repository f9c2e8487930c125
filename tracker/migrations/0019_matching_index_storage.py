"""The stored index's pickles are kept uncompressed on PostgreSQL.

pglz cannot shrink the query rows (float32 and int32 arrays) but tried on every write, which
took 0.25 s of an incremental run at x10 (0.06 s without); reading needs no decompression.
SQLite does not compress: nothing to do there.
"""

from django.db import migrations

COLUMNS = ("vectorizer", "recommendation_vectors")


def set_storage(storage):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for column in COLUMNS:
            schema_editor.execute(
                f"ALTER TABLE tracker_matchingindex ALTER COLUMN {column} SET STORAGE {storage}"
            )

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0018_first_render"),
    ]

    operations = [
        migrations.RunPython(set_storage("EXTERNAL"), set_storage("EXTENDED")),
    ]
