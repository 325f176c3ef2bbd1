"""The allocation version (core/versioning.py): its one row, and on PostgreSQL the sequence its numbers come
from and the function the apps' triggers call (each app's migration adds the triggers on its own tables)."""
from django.db import migrations, models

from parkops.core import versioning


def create(apps, schema_editor):
    for sql in versioning.function_sql(schema_editor.connection.vendor)[0]:
        schema_editor.execute(sql)
    schema_editor.execute(versioning.BUMP[schema_editor.connection.vendor])


def drop(apps, schema_editor):
    for sql in versioning.function_sql(schema_editor.connection.vendor)[1]:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_bureau_sees_logins")]

    operations = [
        migrations.CreateModel(
            name="AllocationVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.BigIntegerField(verbose_name="版本号")),
                ("changed_at", models.DateTimeField(verbose_name="变更时间")),
            ],
            options={"verbose_name": "分配数据版本", "verbose_name_plural": "分配数据版本"},
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
