"""Every write to this app's tables that feed a park-wide figure raises the allocation version in its own
transaction, whatever code path writes (admin, imports, bulk_create, raw SQL): core/versioning.py."""
from django.db import migrations

from parkops.core.versioning import version_triggers

TABLES = ("zones_zone", "zones_phase", "zones_building", "zones_floor", "zones_seat", "zones_seatoutage")


class Migration(migrations.Migration):
    dependencies = [("zones", "0002_seat_dates_and_outages"), ("core", "0003_allocation_version")]
    operations = [version_triggers(*TABLES)]
