"""Today's count of recommendations of each stage and status, stored and kept by triggers on
`tracker_recommendation` (`tracker.status_counts`), so the scorecard's counts by stage and in
total read a few rows, not every recommendation."""

from django.db import migrations, models

from tracker import status_counts


def install(apps, schema_editor):
    status_counts.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    status_counts.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0025_action_of_link")]

    operations = [
        migrations.CreateModel(
            name="StatusCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("implemented", "Implemented"),
                            ("partial", "Partly implemented"),
                            ("not_found", "No action found"),
                            ("contrary", "Contrary action"),
                            ("reversed", "Reversed"),
                        ],
                        max_length=20,
                    ),
                ),
                ("recommendation_count", models.PositiveIntegerField()),
                (
                    "stage",
                    models.ForeignKey(
                        on_delete=models.deletion.CASCADE,
                        related_name="status_counts",
                        to="tracker.stage",
                    ),
                ),
            ],
            options={
                "ordering": ["stage", "status"],
                "constraints": [
                    models.UniqueConstraint(fields=("stage", "status"), name="statuscount_unique")
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
