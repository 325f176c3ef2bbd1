"""Every write to this app's tables that feed a park-wide figure raises the allocation version in its own
transaction, whatever code path writes (admin, imports, bulk_create, raw SQL): core/versioning.py."""
from django.db import migrations

from parkops.core.versioning import version_triggers

TABLES = ("leases_lease", "leases_leaseseat", "leases_capacityreservation", "leases_seatrequest", "leases_headcountreport")


class Migration(migrations.Migration):
    dependencies = [("leases", "0007_leaseseat_indexes_led_by_end"), ("core", "0003_allocation_version")]
    operations = [version_triggers(*TABLES)]
