"""The figures of each document set (kind and administration), stored and kept by triggers on
`tracker_document` (`tracker.document_sets`), so the scope of the record reads a few rows."""

from django.db import migrations, models

from tracker import document_sets


def install(apps, schema_editor):
    document_sets.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    document_sets.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0020_tallies")]

    operations = [
        migrations.CreateModel(
            name="DocumentSet",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("essay", "Essay"),
                            ("factsheet", "Fact sheet"),
                            ("presidential_action", "Presidential action"),
                            ("editor_source", "Editor-entered source"),
                        ],
                        max_length=20,
                    ),
                ),
                ("document_count", models.PositiveIntegerField()),
                ("first_published", models.DateField()),
                ("last_published", models.DateField()),
                ("last_updated", models.DateTimeField()),
                (
                    "administration",
                    models.ForeignKey(
                        null=True,
                        on_delete=models.deletion.CASCADE,
                        related_name="+",
                        to="tracker.administration",
                    ),
                ),
            ],
            options={
                "ordering": ["kind", "first_published"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "administration"), name="documentset_unique"
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("administration__isnull", True)),
                        fields=("kind",),
                        name="documentset_unique_without_administration",
                    ),
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
