"""Where each imported document's file was when it was last stored, so that an import tells
the same page saved twice (its stored file still there) from a re-issue under a new name.
Documents already stored get "": an import knows their files by their checksums.

SQLite rebuilds `tracker_document` to add a column with a default, so the triggers are
dropped and installed again around it, as in 0029.
"""

from django.db import migrations, models

from tracker import document_sets, full_text, scorecard_evidence


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        scorecard_evidence.uninstall(schema_editor.connection)


def install_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        full_text.install(schema_editor, [full_text.DOCUMENTS])
        document_sets.install(schema_editor.connection)
        scorecard_evidence.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0029_parser_version")]

    operations = [
        migrations.RunPython(drop_triggers, install_triggers),
        migrations.AddField(
            model_name="document",
            name="source_file",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="Where the imported file was when it was last stored (its full "
                "path; empty: stored before locations were recorded). While that file is still "
                "there, another file with the same page is a duplicate, not a re-issue.",
                max_length=1000,
            ),
        ),
        migrations.RunPython(install_triggers, drop_triggers),
    ]
