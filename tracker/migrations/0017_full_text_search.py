"""Full-text indexes of documents' titles and actions' texts, for the site-wide search
(`tracker.full_text`): FTS5 tables kept by triggers on SQLite, a stored tsvector and GIN
indexes on PostgreSQL."""

from django.db import migrations

from tracker import full_text


def install(apps, schema_editor):
    full_text.install(schema_editor)


def uninstall(apps, schema_editor):
    full_text.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0016_editor_sources")]

    operations = [migrations.RunPython(install, uninstall)]
