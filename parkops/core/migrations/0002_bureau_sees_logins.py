"""Let bureau admins see login attempts and lockouts (django-axes) in admin, and lift a lockout.

Viewing the access log and attempts, and deleting an attempt (which unlocks the user or address).
"""
from django.db import migrations

from parkops.core.migrations._perms import ensure_permissions

AXES_PERMS = (
    "view_accessattempt",
    "delete_accessattempt",
    "view_accesslog",
    "view_accessfailurelog",
    "view_accessattemptexpiration",
)


def grant(apps, schema_editor):
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    bureau, _ = Group.objects.get_or_create(name="Bureau admins")
    bureau.permissions.add(*Permission.objects.filter(content_type__app_label="axes", codename__in=AXES_PERMS))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="Bureau admins"):
        group.permissions.remove(*group.permissions.filter(content_type__app_label="axes"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_groups"),
        ("axes", "0010_accessattemptexpiration"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
