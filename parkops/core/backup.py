"""What a backup holds, and the checks restore makes: shared by the backup and restore commands.

A backup is Django's dumpdata JSON of every table that carries the park's data: zones, firms,
leases with all their history tables, users and groups, the admin log and the login log. Left
out: content types and permissions (migrate makes them; rows refer to them by natural key),
sessions (a restore logs everyone out) and the allocation version (core/versioning.py: the restore's own
writes raise it, so no figure cached before the restore is ever read after it).
"""
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import caches

EXCLUDED_APPS = {"contenttypes", "sessions"}
EXCLUDED_MODELS = {"auth.permission", "core.allocationversion"}


def backed_up_models() -> list:
    """Return every concrete model whose rows a backup holds (auto-created m2m tables excluded)."""
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label not in EXCLUDED_APPS
        and model._meta.label_lower not in EXCLUDED_MODELS
        and not model._meta.proxy
        and model._meta.managed
    ]


def backed_up_tables() -> list[str]:
    """Return the table names of the backed-up models and of their many-to-many tables."""
    tables = []
    for model in backed_up_models():
        tables.append(model._meta.db_table)
        tables.extend(f.remote_field.through._meta.db_table for f in model._meta.local_many_to_many)
    return sorted(set(tables))


def dump_labels() -> list[str]:
    """Return the model labels to pass to dumpdata."""
    return [model._meta.label for model in backed_up_models()]


def non_empty_models() -> list[str]:
    """Return labels of models holding rows that a fresh, migrated database would not have.

    The groups made by the roles migration are expected in an empty database.
    """
    found = []
    for model in backed_up_models():
        queryset = model._base_manager.all()
        if model is Group:
            queryset = queryset.exclude(name__in=["Bureau admins", "Park staff"])
        if queryset.exists():
            found.append(model._meta.label)
    return found


def end_every_session(database: str) -> None:
    """Log everyone out: delete every stored session (database-backed engines), and clear the session
    cache when the engine keeps sessions there."""
    engine = import_module(settings.SESSION_ENGINE)
    store = getattr(engine, "SessionStore", None)
    if store is not None and hasattr(store, "get_model_class"):
        store.get_model_class().objects.using(database).all().delete()
    if settings.SESSION_ENGINE.endswith(("sessions.backends.cache", "sessions.backends.cached_db")):
        caches[settings.SESSION_CACHE_ALIAS].clear()
