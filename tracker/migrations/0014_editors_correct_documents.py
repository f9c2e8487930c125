"""Editors may correct a document's administration (the admin lets them change nothing else)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def allow(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="tracker", codename="change_document")
    for editors in Group.objects.filter(name="Editors"):
        editors.permissions.add(permission)


def disallow(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(
        content_type__app_label="tracker", codename="change_document"
    ).first()
    if permission:
        for editors in Group.objects.filter(name="Editors"):
            editors.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0013_local_orderings")]

    operations = [migrations.RunPython(allow, disallow)]
