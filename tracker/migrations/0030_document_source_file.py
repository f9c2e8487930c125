"""Where each imported document's file was when it was last stored, so that an import tells
the same page saved twice (its stored file still there) from a re-issue under a new name.
Documents already stored get "": an import knows their files by their checksums.

SQLite rebuilds `tracker_document` to add a column with a default, so the triggers are
dropped and installed again around it (`_document_table`), as in 0029.
"""

from django.db import migrations, models

from ._document_table import rebuilding_the_document_table


class Migration(migrations.Migration):
    dependencies = [("tracker", "0029_parser_version")]

    operations = rebuilding_the_document_table(
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
    )
