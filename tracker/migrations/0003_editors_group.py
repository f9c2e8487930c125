"""The Editors group: may curate links and recommendation statuses and reasons, nothing else."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = {
    "link": ["view", "add", "change", "delete"],
    "recommendation": ["view", "change"],
    "action": ["view"],
    "document": ["view"],
    "stage": ["view"],
    "statuschange": ["view"],
}


def create_editors(apps, schema_editor):
    # Permissions are normally created after all migrations; editors need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    codenames = [
        f"{verb}_{model}" for model, verbs in EDITOR_PERMISSIONS.items() for verb in verbs
    ]
    editors.permissions.set(
        Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames)
    )


def remove_editors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0002_status_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors, remove_editors)]
