"""Every write to this app's tables that feed a park-wide figure raises the allocation version in its own
transaction, whatever code path writes (admin, imports, bulk_create, raw SQL): core/versioning.py."""
from django.db import migrations

from parkops.core.versioning import version_triggers

TABLES = ("firms_businessline", "firms_firm", "firms_firm_business_lines")


class Migration(migrations.Migration):
    dependencies = [("firms", "0001_initial"), ("core", "0003_allocation_version")]
    operations = [version_triggers(*TABLES)]
