"""The benchmark's synthetic park has the shape the issue asks for: floors of 200-600 seats with one of 600,
about one firm per 60 seats, about 80% of seats held today, leases that began and ended in the last 24 months,
headcount reports and zone-D reservations, and users for the staff and the largest firm."""
import datetime

from django.db.models import Count

from bench.synthetic_park import generate_park
from parkops.core.access import is_park_staff, user_firm
from parkops.leases.models import CapacityReservation, HeadcountReport, Lease, LeaseSeat
from parkops.zones.models import Building, Floor, Seat

TODAY = datetime.date(2026, 11, 26)


def test_park_shape(db):
    park = generate_park(9000, today=TODAY)
    per_floor = list(Floor.objects.annotate(n=Count("seats")).values_list("n", flat=True))
    assert Seat.objects.count() == park.seats == 9000
    assert max(per_floor) == 600 and min(per_floor) >= 200
    assert Floor.objects.get(pk=park.floor_id).seats.count() == 600
    assert park.counts["firms"] == 9000 // 60
    held_today = LeaseSeat.objects.on(TODAY).values("seat").distinct().count()
    assert 0.75 < held_today / 9000 < 0.85
    two_years_ago = TODAY - datetime.timedelta(days=730)
    assert Lease.objects.filter(start__gte=two_years_ago, end__lte=TODAY).exists()
    assert HeadcountReport.objects.count() == park.counts["firms"] * 12
    assert CapacityReservation.objects.filter(phase__zone__code="D").count() >= 25
    assert Building.objects.filter(zone__code="D").exists()
    seat = Seat.objects.order_by("pk").first()
    assert seat.created.tzinfo is not None and seat.code.endswith("-0001") and not seat.outages.exists()
    assert HeadcountReport.objects.order_by("pk").first().month.day == 1


def test_largest_building_and_firm_and_users(db):
    park = generate_park(9000, today=TODAY)
    sizes = dict(Building.objects.annotate(n=Count("floors__seats")).values_list("pk", "n"))
    assert sizes[park.building_id] == max(sizes.values())
    held = dict(LeaseSeat.objects.on(TODAY).values_list("lease__firm").annotate(n=Count("id")))
    assert held[park.firm_id] == max(held.values())
    assert is_park_staff(park.staff)
    assert not is_park_staff(park.tenant) and user_firm(park.tenant).pk == park.firm_id


def test_no_seat_is_held_twice_on_any_day(db):
    generate_park(1300, today=TODAY)
    for day in (TODAY, TODAY - datetime.timedelta(days=400), TODAY - datetime.timedelta(days=650)):
        assert not LeaseSeat.objects.on(day).values("seat").annotate(n=Count("id")).filter(n__gt=1).exists()


def test_history_adds_monthly_changes_before_today_and_leaves_today_as_it_was(db):
    from bench.synthetic_park import add_history
    from parkops.leases.choices import LeaseState

    generate_park(1200, today=TODAY)
    held = sorted(LeaseSeat.objects.on(TODAY).values_list("seat", "lease"))
    in_force = sorted(Lease.objects.in_state([LeaseState.ACTIVE, LeaseState.EXPIRING], TODAY).values_list("pk", flat=True))
    before = LeaseSeat.objects.count()
    counts = add_history(12, today=TODAY)
    # about 85% of 12 months on each of 1,200 seats, one lease per firm and month held
    assert 0.8 * 12 * 1200 < counts["holdings"] < 0.9 * 12 * 1200
    assert LeaseSeat.objects.count() == before + counts["holdings"] == counts["lease_seats"]
    assert LeaseSeat.history.filter(history_type="+").count() == counts["holdings"]
    assert sorted(LeaseSeat.objects.on(TODAY).values_list("seat", "lease")) == held
    assert sorted(Lease.objects.in_state([LeaseState.ACTIVE, LeaseState.EXPIRING], TODAY).values_list("pk", flat=True)) == in_force
    assert not Lease.objects.filter(number__startswith="HIST-", end__gt=TODAY).exists()
    # no seat is held twice on any day: the history ends where the seat's present rows begin
    a_year_ago = TODAY - datetime.timedelta(days=365)
    per_seat = LeaseSeat.objects.on(a_year_ago).values("seat").annotate(n=Count("id")).filter(n__gt=1)
    assert not per_seat.exists()
    assert LeaseSeat.objects.filter(lease__number__startswith="HIST-", start__lt=a_year_ago).exists()
