"""The first render after a change: indexes for the documents' order (the list's menu of the
latest cited documents) and for the record's scope, and on PostgreSQL
each recommendation's full-text vector kept in a stored generated column.

The expression index of 0005 was not used on a table this small, so every search parsed
every search text (tens of kilobytes each) again: 0.2 s on 48 recommendations. A stored
vector is parsed once, when the text is written. SQLite searches the stems line instead
and has no such column; the model does not declare it (`RecommendationQuerySet.search`).
"""

from django.db import migrations, models

OLD_INDEX = "recommendation_search_text"
INDEX = "recommendation_search_vector"
ADD = (
    "ALTER TABLE tracker_recommendation ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english'::regconfig, COALESCE(search_text, ''))) STORED"
)


def add_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON tracker_recommendation USING gin (search_vector)"
        )
        schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")


def drop_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE tracker_recommendation DROP COLUMN search_vector")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {OLD_INDEX} ON tracker_recommendation "
            "USING gin (to_tsvector('english'::regconfig, COALESCE(search_text, '')))"
        )


class Migration(migrations.Migration):
    dependencies = [("tracker", "0017_full_text_search")]

    operations = [
        migrations.RunPython(add_vector, drop_vector),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(fields=["-published", "title"], name="document_order"),
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(
                fields=["kind", "administration", "published", "updated_at"],
                name="document_scope",
            ),
        ),
    ]
