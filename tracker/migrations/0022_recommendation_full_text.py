"""SQLite: an FTS5 index of the recommendations' stems lines, kept by triggers
(`tracker.full_text.RECOMMENDATIONS`), so that a search no longer reads every search text
with LIKE: its cost grew with the number of recommendations. PostgreSQL already matches
through the GIN index of 0018."""

from django.db import migrations

from tracker import full_text


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        full_text.install(schema_editor, [full_text.RECOMMENDATIONS])


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        full_text.uninstall(schema_editor, [full_text.RECOMMENDATIONS])


class Migration(migrations.Migration):
    dependencies = [("tracker", "0021_document_sets")]

    operations = [migrations.RunPython(install, uninstall)]
