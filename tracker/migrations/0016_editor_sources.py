"""Editor-entered sources: a kind of document with no file, one action (the quoted passage),
added and edited by editors in their own admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

EDITOR_SOURCE_PERMISSIONS = ["view_editorsource", "add_editorsource", "change_editorsource"]


def allow(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="tracker", codename__in=EDITOR_SOURCE_PERMISSIONS
    )
    for editors in Group.objects.filter(name="Editors"):
        editors.permissions.add(*permissions)


def disallow(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="tracker", codename__in=EDITOR_SOURCE_PERMISSIONS
    )
    for editors in Group.objects.filter(name="Editors"):
        editors.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0015_editor_text_validators"),
    ]

    operations = [
        migrations.CreateModel(
            name="EditorSource",
            fields=[],
            options={
                "verbose_name": "editor-entered source",
                "ordering": ["-published", "title"],
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("tracker.document",),
        ),
        migrations.RemoveConstraint(
            model_name="document",
            name="document_kind_valid",
        ),
        migrations.AddField(
            model_name="document",
            name="version",
            field=models.PositiveIntegerField(
                default=1,
                editable=False,
                help_text="Raised by each save, so a stale form is refused.",
            ),
        ),
        migrations.AlterField(
            model_name="document",
            name="kind",
            field=models.CharField(
                choices=[
                    ("essay", "Essay"),
                    ("factsheet", "Fact sheet"),
                    ("presidential_action", "Presidential action"),
                    ("editor_source", "Editor-entered source"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="document",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("kind__in", ["essay", "factsheet", "presidential_action", "editor_source"])
                ),
                name="document_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="document",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("kind", "editor_source"),
                    models.Q(("source_path", ""), _negated=True),
                    _connector="OR",
                ),
                name="document_imported_has_file",
            ),
        ),
        migrations.AddConstraint(
            model_name="document",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "editor_source"), _negated=True),
                    models.Q(
                        ("source_path", ""),
                        ("subtype", ""),
                        models.Q(("publisher", ""), _negated=True),
                        models.Q(("url", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="document_editor_source_complete",
            ),
        ),
        migrations.RunPython(allow, disallow),
    ]
