"""The scorecard's counts over time, stored as dated changes (`tracker.tally`), computed here
once from the links and overrides; `Recommendation.refresh_status` keeps them from then on.
And the indexes the scorecard's other reads need to stay small as the data grows."""

from collections import Counter

from django.conf import settings
from django.db import migrations, models


def compute(apps, schema_editor):
    from tracker.status import STATUS_RELATIONS, StatusRecord
    from tracker.tally import changes_of, sums_of

    Recommendation = apps.get_model("tracker", "Recommendation")
    Link = apps.get_model("tracker", "Link")
    RecommendationTally = apps.get_model("tracker", "RecommendationTally")
    Tally = apps.get_model("tracker", "Tally")
    records = {
        pk: StatusRecord(override, since, [])
        for pk, override, since in Recommendation.objects.values_list(
            "pk", "status_override", "status_override_since"
        )
    }
    links = Link.objects.filter(review="accepted", relation__in=STATUS_RELATIONS).values_list(
        "recommendation_id", "action__factsheet__published", "relation"
    )
    for pk, published, relation in links.iterator():
        records[pk].events.append((published, relation))
    rows, total = [], Counter()
    for pk, record in records.items():
        changes = changes_of(record)
        total.update(changes)
        rows += [
            RecommendationTally(recommendation_id=pk, day=day, measure=measure, change=change)
            for (day, measure), change in changes.items()
        ]
    RecommendationTally.objects.bulk_create(rows, batch_size=1000)
    Tally.objects.bulk_create(
        [Tally(period=p, day=d, measure=m, change=c) for p, d, m, c in sums_of(total)],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0019_matching_index_storage"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Tally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("period", models.CharField(choices=[("day", "Day"), ("month", "Month")], max_length=5)),
                ("day", models.DateField()),
                ("measure", models.CharField(max_length=20)),
                ("change", models.IntegerField()),
            ],
            options={
                "ordering": ["period", "day", "measure"],
                "constraints": [models.UniqueConstraint(fields=("period", "day", "measure"), name="tally_unique")],
            },
        ),
        migrations.CreateModel(
            name="RecommendationTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("measure", models.CharField(help_text="A status, or a count of evidence.", max_length=20)),
                ("change", models.IntegerField()),
                ("recommendation", models.ForeignKey(on_delete=models.deletion.CASCADE, related_name="tallies", to="tracker.recommendation")),
            ],
            options={
                "ordering": ["recommendation_id", "day", "measure"],
                "constraints": [models.UniqueConstraint(fields=("recommendation", "day", "measure"), name="recommendationtally_unique")],
            },
        ),
        migrations.RunPython(compute, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="link",
            index=models.Index(condition=models.Q(("reviewed_at__isnull", False)), fields=["reviewed_at"], name="link_reviewed_at"),
        ),
        migrations.AddIndex(
            model_name="recommendation",
            index=models.Index(fields=["stage", "status"], name="recommendation_stage_status"),
        ),
        migrations.AddIndex(
            model_name="statuschange",
            index=models.Index(condition=models.Q(("changed_by__isnull", False)), fields=["changed_at"], name="statuschange_by_editor"),
        ),
    ]
