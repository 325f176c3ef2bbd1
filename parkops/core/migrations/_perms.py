"""Helper for data migrations that grant permissions: make sure the permission rows exist first
(Django only creates them after the whole migrate run)."""
from django.contrib.auth.management import create_permissions


def ensure_permissions(apps):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
