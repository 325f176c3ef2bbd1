"""Reservations stand over [reserved_on, closed_on): existing ones from the day they were entered; cancelled and
converted ones closed on the day they last changed."""

import django.utils.timezone
from django.utils import timezone
from django.db import migrations, models


def date_existing_reservations(apps, schema_editor):
    CapacityReservation = apps.get_model("leases", "CapacityReservation")
    rows = list(CapacityReservation.objects.all())
    for r in rows:
        r.reserved_on = timezone.localdate(r.created) if r.created else timezone.localdate()
        if r.status != "active":
            r.closed_on = max(r.reserved_on, timezone.localdate(r.modified) if r.modified else r.reserved_on)
    CapacityReservation.objects.bulk_update(rows, ["reserved_on", "closed_on"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('firms', '0001_initial'),
        ('leases', '0003_lease_stage'),
        ('zones', '0002_seat_dates_and_outages'),
    ]

    operations = [
        migrations.AddField(
            model_name='capacityreservation',
            name='closed_on',
            field=models.DateField(blank=True, help_text='取消或转为租约之日；从这一天起不再计入预留。', null=True, verbose_name='结束日期'),
        ),
        migrations.AddField(
            model_name='capacityreservation',
            name='reserved_on',
            field=models.DateField(default=django.utils.timezone.localdate, verbose_name='预留日期'),
        ),
        migrations.AddField(
            model_name='historicalcapacityreservation',
            name='closed_on',
            field=models.DateField(blank=True, help_text='取消或转为租约之日；从这一天起不再计入预留。', null=True, verbose_name='结束日期'),
        ),
        migrations.AddField(
            model_name='historicalcapacityreservation',
            name='reserved_on',
            field=models.DateField(default=django.utils.timezone.localdate, verbose_name='预留日期'),
        ),
        migrations.RunPython(date_existing_reservations, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='capacityreservation',
            constraint=models.CheckConstraint(condition=models.Q(('closed_on__isnull', True), ('closed_on__gte', models.F('reserved_on')), _connector='OR'), name='reservation_closed_after_reserved'),
        ),
    ]
