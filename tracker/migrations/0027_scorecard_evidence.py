"""Today's evidence of each recommendation as scorecard.csv writes it, stored on SQLite and kept
by triggers on links, actions and documents (`tracker.scorecard_evidence`), so the download
reads it rather than building it on every request."""

from django.db import migrations

from tracker import scorecard_evidence


def install(apps, schema_editor):
    scorecard_evidence.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    scorecard_evidence.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0026_status_counts")]

    operations = [migrations.RunPython(install, uninstall)]
