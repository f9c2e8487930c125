"""The version of the document parser that read each imported document, so that an import
reads an unchanged file again when the parser has changed (`document_parser.PARSER_VERSION`).
Documents already stored get 0: read before versions were recorded, so the next import (or
`seed`) reads their files again.

SQLite rebuilds `tracker_document` to add a column with a default and a check constraint.
It refuses to move the rebuilt table into place while a trigger on another table names it
(the scorecard evidence's, on links and actions), so those are dropped first; and the
rebuild drops the triggers on the table itself. All are installed again afterwards
(full-text search, document sets, scorecard evidence), which also remakes what they keep.
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
    dependencies = [("tracker", "0028_unmovable_white_house_addresses")]

    # Unapplied, the column and the constraint go with rebuilds too: the same, backwards.
    operations = [
        migrations.RunPython(drop_triggers, install_triggers),
        migrations.AddField(
            model_name="document",
            name="parser_version",
            field=models.PositiveSmallIntegerField(
                default=0,
                editable=False,
                help_text="The version of the document parser that read the file "
                "(`document_parser.PARSER_VERSION`; 0: read before versions were recorded, or "
                "not a file the parser reads). An import reads an unchanged file again if it "
                "is another.",
            ),
        ),
        migrations.AddConstraint(
            model_name="document",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["factsheet", "presidential_action"]))
                | models.Q(parser_version=0),
                name="document_parser_version_imported_only",
            ),
        ),
        migrations.RunPython(install_triggers, drop_triggers),
    ]
