"""Fill the search text, and index it for full-text search on PostgreSQL."""

from django.db import migrations

INDEX = "recommendation_search_text"
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON tracker_recommendation "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(search_text, '')))"
)


def fill_search_text(apps, schema_editor):
    Recommendation = apps.get_model("tracker", "Recommendation")
    Link = apps.get_model("tracker", "Link")
    for recommendation in Recommendation.objects.all():
        parts = [
            recommendation.title,
            recommendation.statement,
            recommendation.quote,
            recommendation.status_reason,
        ]
        for link in Link.objects.filter(recommendation=recommendation, review="accepted"):
            parts += [link.reason, link.action.text]
        recommendation.search_text = "\n".join(part for part in parts if part)
        recommendation.save(update_fields=["search_text"])


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("tracker", "0004_search_text")]

    operations = [
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
