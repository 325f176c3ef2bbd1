"""parkops.leases.selectors: shared reads with fixed query counts."""
import datetime
import datetime as dt

import pytest
from django.utils import timezone

from parkops.leases import selectors, services
from parkops.zones.choices import SeatCondition
from parkops.zones.models import Seat, SeatOutage
from tests.factories import BuildingFactory, FirmFactory, PhaseFactory, ZoneFactory, make_floor, make_lease

D = dt.date
pytestmark = pytest.mark.django_db


def first(floor, n, offset=0):
    return list(Seat.objects.filter(floor=floor).order_by("code")[offset : offset + n])


@pytest.fixture
def park(floor, firm, other_firm):
    """Zone C: 40 seats; firm holds 10 all year, other_firm 5 until 1 March then 5 more from 1 March."""
    make_lease(firm, seats=first(floor, 10))
    make_lease(other_firm, seats=first(floor, 5, 10), end=D(2026, 3, 1))
    make_lease(other_firm, seats=first(floor, 5, 10), start=D(2026, 3, 1), end=D(2026, 4, 15))
    services.seats_set_condition(seats=first(floor, 3, 30), condition=SeatCondition.OUT_OF_SERVICE, on=datetime.date(2020, 1, 1), by=None)
    zone_b = ZoneFactory(code="B", declared_seats=500)
    make_floor(20, building=BuildingFactory(zone=zone_b, code="B-1"), level=1)
    return floor


def test_zone_occupancy_counts_exclusive_buckets(park):
    rows = {occ.label: occ for occ in selectors.zone_occupancy(D(2026, 3, 1))}
    c = rows["C"]
    assert (c.declared, c.seats, c.leased, c.out_of_service, c.free) == (1000, 40, 15, 3, 22)
    assert c.rate_pct == 37.5
    b = rows["B"]
    assert (b.seats, b.leased, b.free, b.rate) == (20, 0, 20, 0.0)
    after = {occ.label: occ for occ in selectors.zone_occupancy(D(2026, 4, 15))}["C"]
    assert (after.leased, after.free) == (10, 27)


def test_leased_out_of_service_seat_counts_once(park, firm):
    # The services refuse this state now (item 6); rows from before the dated outages can still hold it.
    SeatOutage.objects.create(seat=first(park, 1)[0], start=D(2020, 1, 1))
    c = {occ.label: occ for occ in selectors.zone_occupancy(D(2026, 6, 1))}["C"]
    assert (c.leased, c.out_of_service, c.free) == (10, 3, 27)
    assert c.leased + c.out_of_service + c.free == c.seats


def test_seat_states_on_a_day(park, firm):
    states = {s.code: s for s in selectors.seat_states(park, D(2026, 2, 1))}
    assert states["C-1-3F-0001"].state == "leased" and states["C-1-3F-0001"].firm_name == "平安金服"
    assert states["C-1-3F-0011"].state == "expiring"  # ends 1 March, within the expiry window
    assert states["C-1-3F-0021"].state == "free"
    assert states["C-1-3F-0031"].state == "out_of_service"
    assert [s.code for s in selectors.seat_states(park, D(2026, 2, 1))][:2] == ["C-1-3F-0001", "C-1-3F-0002"]


def test_firm_allocation(park, firm, other_firm):
    alloc = selectors.firm_allocation(other_firm, D(2026, 3, 10))
    assert alloc.seats == 5 and alloc.by_zone() == {"C": 5}
    assert sorted(lease.seats_on for lease in alloc.leases) == [0, 5]


def test_phase_capacity(firm, other_firm):
    phase = PhaseFactory(number=1, planned_capacity=100)
    services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=60, by=None)
    services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=other_firm, phase=phase, seats=30, by=None)
    d7 = make_floor(10, building=BuildingFactory(zone=phase.zone, phase=phase, code="D-7"), level=6)
    make_lease(FirmFactory(), seats=list(d7.seats.all()[:4]))
    (cap,) = selectors.phase_capacity(D(2026, 5, 1))
    assert (cap.planned, cap.reserved, cap.reservations, cap.laid_out, cap.leased) == (100, 90, 2, 10, 4)
    assert cap.near_full and not cap.over_reserved and cap.committed_pct == 94.0
    assert cap.floors == 1
    # A page that read the reservations already gets the same figures: the one cancelled today is left out from
    # today on, and still counts on an earlier day, as it stood then.
    cancelled = services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=FirmFactory(), phase=phase, seats=5, by=None)
    services.reservation_cancel(reservation=cancelled, by=None)
    from parkops.leases.models import CapacityReservation

    today = timezone.localdate()
    every = list(CapacityReservation.objects.all())
    for day, expected in ((today, (90, 2)), (D(2026, 5, 1), (95, 3))):
        (given,) = selectors.phase_capacity(day, reservations=every)
        (counted,) = selectors.phase_capacity(day)
        for c in (given, counted):
            assert (c.reserved, c.reservations, c.laid_out, c.floors) == (*expected, 10, 1)


@pytest.mark.parametrize("n_seats", [50, 600])
def test_seat_states_queries_do_not_grow(n_seats, firm, django_assert_max_num_queries):
    floor = make_floor(n_seats, cols=30)
    make_lease(firm, seats=list(floor.seats.all()[: n_seats // 2]))
    with django_assert_max_num_queries(2):
        assert len(selectors.seat_states(floor, D(2026, 6, 1))) == n_seats


@pytest.mark.parametrize("floors", [1, 12])
def test_overview_selectors_queries_do_not_grow(floors, firm, django_assert_max_num_queries):
    zone = ZoneFactory(code="A")
    building = BuildingFactory(zone=zone, code="A-1")
    for level in range(1, floors + 1):
        floor = make_floor(300, building=building, level=level, cols=20)
        make_lease(firm, seats=list(floor.seats.all()[:200]))
    on = D(2026, 6, 1)
    with django_assert_max_num_queries(3):
        (occ,) = selectors.zone_occupancy(on)
    assert (occ.seats, occ.leased) == (300 * floors, 200 * floors)
    with django_assert_max_num_queries(2):
        assert selectors.firm_allocation(firm, on).seats == 200 * floors
    with django_assert_max_num_queries(3):
        selectors.phase_capacity(on)


def test_building_stack_counts_firms_per_floor_top_first(park, firm, other_firm, django_assert_max_num_queries):
    upper = make_floor(10, building=park.building, level=4, cols=10)
    make_lease(firm, seats=first(upper, 2))
    with django_assert_max_num_queries(4):
        stack = selectors.building_stack(park.building, D(2026, 2, 1))
    assert [s.floor.level for s in stack] == [4, 3]
    assert [(name, n) for _id, name, n in stack[1].firms] == [(firm.short_name, 10), (other_firm.short_name, 5)]
    assert (stack[1].occupancy.leased, stack[1].occupancy.free, stack[1].occupancy.out_of_service) == (15, 22, 3)
    assert [(name, n) for _id, name, n in stack[0].firms] == [(firm.short_name, 2)]


def test_free_seats_skips_held_and_out_of_service(park, django_assert_max_num_queries):
    from django.db.models import Q

    with django_assert_max_num_queries(1):
        free = selectors.free_seats(Q(floor=park), D(2026, 2, 1), D(2026, 5, 1), limit=100)
    codes = [s.code for s in free]
    # Seats 1-15 are held in the range (11-15 by two back-to-back leases), 31-33 are out of service.
    assert codes == [s.code for s in first(park, 15, 15)] + [s.code for s in first(park, 7, 33)]
    assert len(selectors.free_seats(Q(floor=park), D(2026, 2, 1), D(2026, 5, 1), limit=3)) == 3
    # After the second lease of seats 11-15 ends they are free again.
    later = selectors.free_seats(Q(floor=park), D(2026, 4, 15), D(2026, 6, 1), limit=100)
    assert [s.code for s in later][:5] == [s.code for s in first(park, 5, 10)]


def test_building_stack_splits_each_floor_by_firm(park, firm, other_firm):
    """Two floors of one building; a leased out-of-service seat counts as leased only, as everywhere else."""
    upper = make_floor(12, building=park.building, level=park.level + 1)
    make_lease(firm, seats=first(upper, 4))
    SeatOutage.objects.create(seat=first(park, 1)[0], start=D(2020, 1, 1))  # leased by firm (legacy rows; see above)
    stack = selectors.building_stack(park.building, D(2026, 3, 1))
    assert [s.floor for s in stack] == [upper, park]
    top, low = stack
    assert top.firms == [(firm.pk, firm.short_name, 4)]
    assert (top.occupancy.seats, top.occupancy.leased, top.occupancy.out_of_service, top.occupancy.free) == (12, 4, 0, 8)
    assert low.firms == [(firm.pk, firm.short_name, 10), (other_firm.pk, other_firm.short_name, 5)]
    assert (low.occupancy.seats, low.occupancy.leased, low.occupancy.out_of_service, low.occupancy.free) == (40, 15, 3, 22)
    by_floor = selectors.occupancy_by("floor", D(2026, 3, 1))
    for s in stack:
        same = by_floor[s.floor.pk]
        assert (s.occupancy.seats, s.occupancy.leased, s.occupancy.out_of_service) == (same.seats, same.leased, same.out_of_service)
