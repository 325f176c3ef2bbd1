"""Every backed-up table's rows, in a form two databases can be compared by (used by test_backup).

Content types and permissions are named by natural key, since each database numbers its own.
Run as a script it prints the snapshot of the database in DATABASE_URL as JSON.
"""
import json


def _natural_keys():
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    return {
        ContentType: {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()},
        Permission: {
            p.pk: f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")
        },
    }


def _table_models():
    from parkops.core.backup import backed_up_models

    for model in backed_up_models():
        yield model
        for field in model._meta.local_many_to_many:
            yield field.remote_field.through


def snapshot() -> dict[str, list[list[str]]]:
    """Return {table: rows}, each row its column values as text, ordered by primary key.

    Many-to-many link tables are compared by their pairs: a backup lists the links of each row,
    and a restore numbers the link rows afresh.
    """
    natural = _natural_keys()
    tables = {}
    for model in _table_models():
        fields = [f for f in model._meta.concrete_fields if not (model._meta.auto_created and f.primary_key)]
        rows = []
        for values in model._base_manager.order_by("pk").values_list(*[f.attname for f in fields]):
            row = []
            for field, value in zip(fields, values):
                mapping = natural.get(field.related_model) if field.is_relation else None
                row.append(mapping.get(value) if mapping and value is not None else str(value))
            rows.append(row)
        tables[model._meta.db_table] = sorted(rows) if model._meta.auto_created else rows
    return tables


if __name__ == "__main__":
    import os
    import sys

    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkops.settings")
    import django

    django.setup()
    print(json.dumps(snapshot(), ensure_ascii=False))
