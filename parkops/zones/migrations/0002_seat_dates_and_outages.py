"""Seats get an existence range [available_from, retired_on) and dated out-of-service periods (SeatOutage).

Existing seats exist from the day they were entered, or from their first holding if that is earlier (a loader
may record past leases on seats it creates today). Seats out of service get an open outage from the day their
condition last changed (their last history row with that condition; the row's modified date otherwise).
The undated condition column is then dropped: the outages are the only record of a seat's condition.
"""

import django.db.models.deletion
import django.utils.timezone
from django.utils import timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def date_existing_seats(apps, schema_editor):
    Seat = apps.get_model("zones", "Seat")
    SeatOutage = apps.get_model("zones", "SeatOutage")
    HistoricalSeat = apps.get_model("zones", "HistoricalSeat")
    LeaseSeat = apps.get_model("leases", "LeaseSeat")
    first_held = dict(LeaseSeat.objects.values("seat").annotate(first=models.Min("start")).values_list("seat", "first"))
    seats = list(Seat.objects.only("id", "created", "modified", "condition"))
    for seat in seats:
        entered = timezone.localdate(seat.created) if seat.created else timezone.localdate()
        seat.available_from = min(entered, first_held.get(seat.pk, entered))
    Seat.objects.bulk_update(seats, ["available_from"], batch_size=500)
    outages = []
    for seat in (s for s in seats if s.condition == "out_of_service"):
        last = (
            HistoricalSeat.objects.filter(id=seat.pk, condition="out_of_service").order_by("-history_date").values_list("history_date", flat=True).first()
        )
        since = timezone.localdate(last or seat.modified) if (last or seat.modified) else timezone.localdate()
        outages.append(SeatOutage(seat=seat, start=max(since, seat.available_from)))
    SeatOutage.objects.bulk_create(outages, batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('zones', '0001_initial'),
        ('leases', '0002_leaseseat_no_overlap'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalSeatOutage',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('created', models.DateTimeField(blank=True, editable=False, verbose_name='创建时间')),
                ('start', models.DateField(verbose_name='停用开始日期')),
                ('end', models.DateField(blank=True, help_text='从这一天起恢复启用；留空表示仍停用。', null=True, verbose_name='恢复启用日期')),
                ('reason', models.CharField(blank=True, max_length=200, verbose_name='停用原因')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical 席位停用',
                'verbose_name_plural': 'historical 席位停用',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='SeatOutage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('modified', models.DateTimeField(auto_now=True, verbose_name='修改时间')),
                ('start', models.DateField(verbose_name='停用开始日期')),
                ('end', models.DateField(blank=True, help_text='从这一天起恢复启用；留空表示仍停用。', null=True, verbose_name='恢复启用日期')),
                ('reason', models.CharField(blank=True, max_length=200, verbose_name='停用原因')),
            ],
            options={
                'verbose_name': '席位停用',
                'verbose_name_plural': '席位停用',
                'ordering': ['seat', '-start'],
            },
        ),
        migrations.AddField(
            model_name='historicalseat',
            name='available_from',
            field=models.DateField(default=django.utils.timezone.localdate, help_text='席位从这一天起存在（楼层交付或席位布置之日）。', verbose_name='启用日期'),
        ),
        migrations.AddField(
            model_name='historicalseat',
            name='retired_on',
            field=models.DateField(blank=True, help_text='席位从这一天起不再存在、不再统计；留空表示仍在使用。', null=True, verbose_name='撤除日期'),
        ),
        migrations.AddField(
            model_name='seat',
            name='available_from',
            field=models.DateField(default=django.utils.timezone.localdate, help_text='席位从这一天起存在（楼层交付或席位布置之日）。', verbose_name='启用日期'),
        ),
        migrations.AddField(
            model_name='seat',
            name='retired_on',
            field=models.DateField(blank=True, help_text='席位从这一天起不再存在、不再统计；留空表示仍在使用。', null=True, verbose_name='撤除日期'),
        ),
        migrations.AddConstraint(
            model_name='seat',
            constraint=models.CheckConstraint(condition=models.Q(('retired_on__isnull', True), ('retired_on__gt', models.F('available_from')), _connector='OR'), name='seat_retired_after_available'),
        ),
        migrations.AddField(
            model_name='historicalseatoutage',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalseatoutage',
            name='seat',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='zones.seat', verbose_name='席位'),
        ),
        migrations.AddField(
            model_name='seatoutage',
            name='seat',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='outages', to='zones.seat', verbose_name='席位'),
        ),
        migrations.AddIndex(
            model_name='seatoutage',
            index=models.Index(fields=['seat', 'start'], name='seatoutage_seat_start_idx'),
        ),
        migrations.AddConstraint(
            model_name='seatoutage',
            constraint=models.CheckConstraint(condition=models.Q(('end__isnull', True), ('end__gt', models.F('start')), _connector='OR'), name='seatoutage_end_after_start'),
        ),
        migrations.RunPython(date_existing_seats, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='historicalseat',
            name='condition',
        ),
        migrations.RemoveField(
            model_name='seat',
            name='condition',
        ),
    ]
