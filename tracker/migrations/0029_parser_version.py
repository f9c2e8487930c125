"""The version of the document parser that read each imported document, so that an import
reads an unchanged file again when the parser has changed (`document_parser.PARSER_VERSION`).
Documents already stored get 0: read before versions were recorded, so the next import (or
`seed`) reads their files again.

SQLite rebuilds `tracker_document` to add a column with a default and a check constraint:
the triggers are dropped and installed again around it (`_document_table`).
"""

from django.db import migrations, models

from ._document_table import rebuilding_the_document_table


class Migration(migrations.Migration):
    dependencies = [("tracker", "0028_unmovable_white_house_addresses")]

    # Unapplied, the column and the constraint go with rebuilds too: the same, backwards.
    operations = rebuilding_the_document_table(
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
    )
