"""Create the roles' groups and their permissions (DESIGN.md, Roles).

- Bureau admins: every permission of the park's apps and of users (they run everything in admin).
- Park staff: view everything; add and change seats, firms, leases and the allocation records
  (always through the services); no delete anywhere.
Tenant users are FirmMembers and belong to no group.
"""
from django.contrib.auth.management import create_permissions
from django.db import migrations

PARK_APPS = ("zones", "firms", "leases")
STAFF_CHANGE = {
    "zones": {"seat", "floor"},
    "firms": {"firm", "firmmember"},
    "leases": {"lease", "leaseseat", "capacityreservation", "seatrequest", "headcountreport"},
}


def ensure_permissions(apps):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None


def create_groups(apps, schema_editor):
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    park = Permission.objects.filter(content_type__app_label__in=PARK_APPS)
    users = Permission.objects.filter(content_type__app_label="auth")

    bureau, _ = Group.objects.get_or_create(name="Bureau admins")
    bureau.permissions.set(list(park) + list(users))

    staff, _ = Group.objects.get_or_create(name="Park staff")
    allowed = [p for p in park.select_related("content_type") if p.codename.startswith("view_")]
    for p in park.select_related("content_type"):
        model = p.codename.split("_", 1)[1]
        if p.codename.split("_", 1)[0] in ("add", "change") and model in STAFF_CHANGE.get(p.content_type.app_label, ()):
            allowed.append(p)
    staff.permissions.set(allowed)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Bureau admins", "Park staff"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("zones", "0001_initial"),
        ("firms", "0001_initial"),
        ("leases", "0002_leaseseat_no_overlap"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
