"""Each page's floor query (bench.benchmark_sql) runs on this database and returns the rows the page
shows, and the services' floor writes and removes the holdings as seats_allocate and seats_release would."""
import datetime

import pytest
from django.db import connection

from bench import benchmark_sql
from bench.synthetic_park import generate_park
from parkops.firms.models import Firm
from parkops.leases import services
from parkops.leases.models import Lease, LeaseSeat
from parkops.zones.models import Floor, Seat

TODAY = datetime.date(2026, 11, 26)


@pytest.fixture
def park(db):
    return generate_park(1300, today=TODAY)


def _rows(page, park):
    sql, params = page.floor_sql(park)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _page(name):
    return next(p for p in benchmark_sql.PAGES if p.name == name)


def test_every_floor_query_runs_and_returns_rows(park):
    for page in benchmark_sql.PAGES:
        assert _rows(page, park), page.name


def test_floor_query_of_the_planner_has_one_row_per_seat(park):
    rows = _rows(_page("floor"), park)
    assert len(rows) == Floor.objects.get(pk=park.floor_id).seats.count() == 600
    held = sum(1 for r in rows if r[-1] is not None)
    assert held == LeaseSeat.objects.on(TODAY).filter(seat__floor=park.floor_id).count()


def test_overview_and_seat_export_cover_the_whole_park(park):
    overview = _rows(_page("overview"), park)
    assert len(overview) == Floor.objects.count()
    assert sum(r[5] for r in overview) == Seat.objects.count()
    assert sum(r[6] for r in overview) == LeaseSeat.objects.on(TODAY).count()
    assert len(_rows(_page("seat_csv"), park)) == Seat.objects.count()


def test_portal_query_names_the_firms_floors_and_leases(park):
    rows = _rows(_page("portal"), park)
    kinds = [r[0] for r in rows]
    assert kinds.count("lease") == Lease.objects.filter(firm=park.firm_id).count()
    assert sum(r[8] for r in rows if r[0] == "floor") == LeaseSeat.objects.on(TODAY).filter(lease__firm=park.firm_id).count()
    assert sum(r[8] for r in rows if r[0] == "lease") == LeaseSeat.objects.on(TODAY).filter(lease__firm=park.firm_id).count()
    assert kinds.count("headcount") == 1


def test_service_floor_writes_and_removes_the_holdings_with_history(park):
    firm = Firm.objects.get(pk=park.firm_id)
    lease = services.lease_create(firm=firm, start=TODAY, end=TODAY + datetime.timedelta(days=30), by=None)
    seats = list(Seat.objects.exclude(lease_seats__end__gt=TODAY)[:50])
    insert, delete, _locked = benchmark_sql.service_floor(lease, seats, TODAY)
    History = LeaseSeat.history.model
    insert()
    assert LeaseSeat.objects.filter(lease=lease).count() == 50
    assert History.objects.filter(lease_id=lease.pk, history_type="+").count() == 50
    delete()
    assert not LeaseSeat.objects.filter(lease=lease).exists()
    assert History.objects.filter(lease_id=lease.pk, history_type="-").count() == 50


def test_zone_d_query_gives_the_boards_figures(park):
    from parkops.leases import selectors
    from parkops.leases.models import CapacityReservation
    from parkops.zones.models import Phase
    from tests.factories import BuildingFactory, make_floor

    # The 1,300-seat park has no seats in zone D yet: lay out two floors of phase 1 and lease part of one.
    phase = Phase.objects.order_by("number").first()
    building = BuildingFactory(zone=phase.zone, phase=phase, code="D-T")
    upper = make_floor(30, building=building, level=2)
    make_floor(12, building=building, level=3)
    # The board counts the reservations made by its day: the synthetic ones are made today (reserved_on).
    import dataclasses
    from django.utils import timezone

    today = timezone.localdate()
    firm = Firm.objects.get(pk=park.firm_id)
    services.lease_create(firm=firm, start=today, end=today + datetime.timedelta(days=90),
                          seats=list(upper.seats.order_by("code")[:7]), by=None)
    services.lease_create(firm=firm, start=today + datetime.timedelta(days=90), end=today + datetime.timedelta(days=200),
                          seats=list(upper.seats.order_by("code")[10:13]), by=None)  # booked from a later day
    rows = _rows(_page("zone_d"), dataclasses.replace(park, today=today))
    assert len([r for r in rows if r[10] is not None]) == CapacityReservation.objects.count() > 0
    figures = {r[0]: (r[6] or 0, r[7] or 0, r[8] or 0, (r[9] or 0) - (r[8] or 0)) for r in rows}
    assert figures[phase.number] == (2, 42, 7, 3)
    reserved = {}
    for r in rows:
        reserved[r[0]] = reserved.get(r[0], 0) + (r[15] or 0)
    for cap in selectors.phase_capacity(today):
        assert figures[cap.phase.number] == (cap.floors, cap.laid_out, cap.leased, cap.booked)
        assert reserved[cap.phase.number] == cap.reserved


def test_service_floor_with_locks_removes_the_holdings_with_history(park):
    firm = Firm.objects.get(pk=park.firm_id)
    lease = services.lease_create(firm=firm, start=TODAY, end=TODAY + datetime.timedelta(days=30), by=None)
    seats = list(Seat.objects.exclude(lease_seats__end__gt=TODAY)[:40])
    insert, _delete, locked_delete = benchmark_sql.service_floor(lease, seats, TODAY)
    insert()
    locked_delete()
    assert not LeaseSeat.objects.filter(lease=lease).exists()
    assert LeaseSeat.history.model.objects.filter(lease_id=lease.pk, history_type="-").count() == 40
