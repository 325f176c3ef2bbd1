"""The bulk paths of parkops.leases.services (seats_allocate, seats_release, seats_release_any) run a fixed
number of queries whatever the number of seats, and leave exactly one history record per holding changed."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parkops.leases import services
from parkops.leases.models import LeaseSeat
from tests import factories

START, END = datetime.date(2026, 1, 1), datetime.date(2027, 1, 1)
History = LeaseSeat.history.model


@pytest.fixture
def seats(db):
    zone = factories.ZoneFactory(code="C", name="C区")
    building = factories.BuildingFactory(zone=zone, code="C-9")
    return list(factories.make_floor(120, building=building, level=2).seats.order_by("code"))


def _queries(func) -> int:
    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured.captured_queries)


def _allocated(seats, n):
    lease = factories.make_lease(factories.FirmFactory(), start=START, end=END)
    services.seats_allocate(lease=lease, seats=seats[:n], by=None)
    return lease


def test_release_from_start_removes_holdings_with_one_history_record_each(seats):
    lease = _allocated(seats, 40)
    services.seats_release(lease=lease, seats=seats[:40], on=START, confirm_remove_future=True, by=None)
    assert not LeaseSeat.objects.filter(lease=lease).exists()
    assert History.objects.filter(lease_id=lease.pk, history_type="-").count() == 40
    assert History.objects.filter(lease_id=lease.pk, history_type="+").count() == 40


def test_release_midway_shortens_holdings_with_one_history_record_each(seats):
    lease = _allocated(seats, 30)
    on = datetime.date(2026, 6, 1)
    services.seats_release(lease=lease, seats=seats[:30], on=on, confirm_remove_future=True, by=None)
    assert set(LeaseSeat.objects.filter(lease=lease).values_list("end", flat=True)) == {on}
    assert History.objects.filter(lease_id=lease.pk, history_type="~").count() == 30
    assert not History.objects.filter(lease_id=lease.pk, history_type="-").exists()


@pytest.mark.parametrize("on", [START, datetime.date(2026, 6, 1)], ids=["remove", "shorten"])
def test_release_runs_the_same_queries_for_5_and_60_seats(seats, on):
    small, large = _allocated(seats[:5], 5), _allocated(seats[5:65], 60)
    few = _queries(lambda: services.seats_release(lease=small, seats=seats[:5], on=on, confirm_remove_future=True, by=None))
    many = _queries(lambda: services.seats_release(lease=large, seats=seats[5:65], on=on, confirm_remove_future=True, by=None))
    assert few == many


def test_release_any_runs_the_same_queries_for_5_and_60_seats(seats):
    _allocated(seats[:5], 5), _allocated(seats[5:65], 60)
    few = _queries(lambda: services.seats_release_any(seats=seats[:5], on=START, confirm_remove_future=True, by=None))
    many = _queries(lambda: services.seats_release_any(seats=seats[5:65], on=START, confirm_remove_future=True, by=None))
    assert few == many
    assert not LeaseSeat.objects.exists()
    assert History.objects.filter(history_type="-").count() == 65


def test_allocate_runs_the_same_queries_for_5_and_60_seats(seats):
    small = factories.make_lease(factories.FirmFactory(), start=START, end=END)
    large = factories.make_lease(factories.FirmFactory(), start=START, end=END)
    few = _queries(lambda: services.seats_allocate(lease=small, seats=seats[:5], by=None))
    many = _queries(lambda: services.seats_allocate(lease=large, seats=seats[5:65], by=None))
    assert few == many


@pytest.mark.parametrize("on, kind", [(START, "-"), (datetime.date(2026, 6, 1), "~")], ids=["remove", "shorten"])
def test_release_history_rows_carry_the_rows_user_and_reason(seats, on, kind):
    lease = _allocated(seats, 3)
    holdings = {h.pk: h for h in LeaseSeat.objects.filter(lease=lease)}
    user = factories.staff_user()
    services.seats_release(lease=lease, seats=seats[:3], on=on, by=user, confirm_remove_future=True)
    records = list(History.objects.filter(lease_id=lease.pk, history_type=kind))
    assert {r.id for r in records} == set(holdings)
    for r in records:
        h = holdings[r.id]
        expected_end = h.end if kind == "-" else on
        assert (r.seat_id, r.start, r.end) == (h.seat_id, h.start, expected_end)
        assert (r.history_user, r.history_change_reason) == (user, "release")
        assert r.history_date is not None


def test_release_without_a_user_leaves_history_user_empty(seats):
    lease = _allocated(seats, 2)
    services.seats_release(lease=lease, seats=seats[:2], on=START, confirm_remove_future=True, by=None)
    removed = History.objects.filter(lease_id=lease.pk, history_type="-")
    assert list(removed.values_list("history_user", flat=True)) == [None, None]


def test_allocate_history_rows_copy_the_new_holdings(seats):
    lease = factories.make_lease(factories.FirmFactory(), start=START, end=END)
    user = factories.staff_user()
    rows = services.seats_allocate(lease=lease, seats=seats[:4], by=user)
    assert sorted(r.seat_id for r in rows) == sorted(s.pk for s in seats[:4])
    records = History.objects.filter(lease_id=lease.pk, history_type="+")
    got = {(r.id, r.seat_id, r.start, r.end, r.history_user, r.history_change_reason) for r in records}
    assert got == {(r.pk, r.seat_id, START, END, user, "allocate") for r in rows}
