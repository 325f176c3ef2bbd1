"""The no-double-booking rule in the database on SQLite too (0002 holds it on PostgreSQL).

SQLite has no exclusion constraints; two triggers do the same work: before a LeaseSeat row is
inserted, or its seat or dates are changed, they look for another holding of the same seat whose
half-open range [start, end) overlaps, and abort the statement with "leaseseat_no_overlap" (raised
as an IntegrityError). Ranges that only touch (one ends the day the other starts) do not overlap.
Dates are stored as ISO text (YYYY-MM-DD), so text comparison is date comparison.

The services still check first, under lock, and say which seat is taken; the triggers make it
impossible whatever code writes. On PostgreSQL this migration does nothing. SQLite drops a table's
triggers when a later migration rebuilds the table: such a migration must run this one's SQL again
(tests/leases/test_services.py checks the triggers after every migration).
"""
from django.db import migrations

CONSTRAINT = "leaseseat_no_overlap"

OVERLAP = (
    "SELECT 1 FROM leases_leaseseat AS held WHERE held.seat_id = NEW.seat_id "
    'AND held.start < NEW."end" AND held."end" > NEW.start'
)

CREATE = [
    f"""
    CREATE TRIGGER IF NOT EXISTS {CONSTRAINT}_insert BEFORE INSERT ON leases_leaseseat
    FOR EACH ROW WHEN EXISTS ({OVERLAP})
    BEGIN SELECT RAISE(ABORT, '{CONSTRAINT}: the seat is already held in an overlapping period'); END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS {CONSTRAINT}_update BEFORE UPDATE OF seat_id, start, "end" ON leases_leaseseat
    FOR EACH ROW WHEN EXISTS ({OVERLAP} AND held.id <> NEW.id)
    BEGIN SELECT RAISE(ABORT, '{CONSTRAINT}: the seat is already held in an overlapping period'); END
    """,
]
DROP = [f"DROP TRIGGER IF EXISTS {CONSTRAINT}_insert", f"DROP TRIGGER IF EXISTS {CONSTRAINT}_update"]


def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in CREATE:
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in DROP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("leases", "0005_headcount_confirmation_reason")]
    operations = [migrations.RunPython(add_triggers, drop_triggers, elidable=False)]
