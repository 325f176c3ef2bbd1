"""The no-double-booking rule in the database, on PostgreSQL only.

EXCLUDE USING gist (seat_id WITH =, daterange(start, "end", '[)') WITH &&) makes
two holdings of one seat with overlapping half-open ranges impossible, whatever
code writes them. It has no condition on purpose: terminating a lease shortens
its holdings rather than flagging them (Django ticket 36222 breaks ModelForms
that omit a field used in a constraint's condition).

SQLite cannot hold the constraint: there this migration does nothing, and the
services' locked check inside an IMMEDIATE transaction is the guard. The
constraint is kept out of Meta.constraints for the same reason: SQLite rebuilds
tables from Meta when it alters them.
"""
from django.db import migrations

CONSTRAINT = "leaseseat_no_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f'ALTER TABLE leases_leaseseat ADD CONSTRAINT {CONSTRAINT} '
        f"EXCLUDE USING gist (seat_id WITH =, daterange(start, \"end\", '[)') WITH &&)"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE leases_leaseseat DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("leases", "0001_initial")]
    operations = [migrations.RunPython(add_constraint, drop_constraint, elidable=False)]
