"""Around a migration that makes SQLite rebuild `tracker_document` (a column added with a
default, a check constraint): SQLite refuses to move the rebuilt table into place while a
trigger on another table names it (the scorecard evidence's, on links and actions), and the
rebuild drops the triggers on the table itself. So the former are dropped first, and all are
installed again afterwards (full-text search, document sets, scorecard evidence), which also
remakes what they keep. Not a migration: the loader skips modules named with "_".
"""

from django.db import migrations

from tracker import document_sets, full_text, scorecard_evidence


def _drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        scorecard_evidence.uninstall(schema_editor.connection)


def _install_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        full_text.install(schema_editor, [full_text.DOCUMENTS])
        document_sets.install(schema_editor.connection)
        scorecard_evidence.install(schema_editor.connection)


def rebuilding_the_document_table(*operations):
    """The operations, with the triggers dropped before and installed after (and, unapplied,
    the same backwards)."""
    return [
        migrations.RunPython(_drop_triggers, _install_triggers),
        *operations,
        migrations.RunPython(_install_triggers, _drop_triggers),
    ]
