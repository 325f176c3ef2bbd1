"""LeaseSeat's date indexes led by `end` (issue 21, item 2): the holdings in force on a day, of a seat or of a lease.

Led by start, "held on day d" (start <= d < end) walked every past holding: after 36 months of monthly changes
PostgreSQL read 159,205 rows to keep 3,994. Plain CREATE/DROP INDEX: SQLite does not rebuild the table, so the
no-overlap triggers of 0006 stay.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leases', '0006_leaseseat_no_overlap_sqlite'),
        ('zones', '0002_seat_dates_and_outages'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='leaseseat',
            name='leaseseat_seat_range_idx',
        ),
        migrations.RemoveIndex(
            model_name='leaseseat',
            name='leaseseat_range_idx',
        ),
        migrations.AddIndex(
            model_name='leaseseat',
            index=models.Index(fields=['end', 'start'], name='leaseseat_end_start_idx'),
        ),
        migrations.AddIndex(
            model_name='leaseseat',
            index=models.Index(fields=['seat', 'end', 'start'], name='leaseseat_seat_end_idx'),
        ),
        migrations.AddIndex(
            model_name='leaseseat',
            index=models.Index(fields=['lease', 'end'], name='leaseseat_lease_end_idx'),
        ),
    ]
