"""Tests of services.seat_request_allocate and selectors.free_seats / tenant_floor_map / with_seats_on."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from parkops.leases import selectors, services
from parkops.leases.choices import SeatRequestStatus
from parkops.leases.models import Lease, LeaseSeat
from parkops.zones.choices import SeatCondition
from parkops.zones.models import Seat
from tests import factories

TODAY = timezone.localdate


@pytest.fixture
def req(firm, floor):
    return services.seat_request_create(firm=firm, seats=3, wanted_from=TODAY(), reason="扩编", by=None)


def test_allocate_picks_free_in_service_seats_in_grid_order(req, floor, other_firm, staff):
    seats = list(Seat.objects.filter(floor=floor).order_by("row", "col"))
    factories.make_lease(other_firm, seats=seats[:2], start=TODAY(), end=TODAY() + datetime.timedelta(days=30))
    services.seats_set_condition(seats=[seats[2]], condition=SeatCondition.OUT_OF_SERVICE, on=datetime.date(2020, 1, 1), by=None)
    done = services.seat_request_allocate(request=req, seats=3, start=TODAY(), end=TODAY() + datetime.timedelta(days=90),
                                          floor=floor, by=staff)
    assert done.status == SeatRequestStatus.APPROVED
    assert sorted(LeaseSeat.objects.filter(lease=done.lease).values_list("seat__code", flat=True)) == [s.code for s in seats[3:6]]
    assert done.lease.note.startswith("由席位申请")


def test_allocate_in_zone_without_floor(req, floor):
    done = services.seat_request_allocate(request=req, seats=3, start=TODAY(), end=TODAY() + datetime.timedelta(days=9),
                                          zone=floor.building.zone, by=None)
    assert LeaseSeat.objects.filter(lease=done.lease, seat__floor=floor).count() == 3


def test_allocate_seat_free_later_is_not_free_now(req, floor, other_firm):
    seats = list(Seat.objects.filter(floor=floor).order_by("row", "col"))
    factories.make_lease(other_firm, seats=seats[:38], start=TODAY() + datetime.timedelta(days=10),
                         end=TODAY() + datetime.timedelta(days=40))
    with pytest.raises(ValidationError, match="只有 2 个空闲可用席位"):
        services.seat_request_allocate(request=req, seats=3, start=TODAY(), end=TODAY() + datetime.timedelta(days=20), floor=floor, by=None)
    req.refresh_from_db()
    assert req.status == SeatRequestStatus.OPEN and Lease.objects.filter(firm=req.firm).count() == 0


@pytest.mark.parametrize("kwargs, message", [
    ({"floor": None, "zone": None}, "请选择分配席位的楼层"),
    ({"seats": 0}, "正整数"),
    ({"end_days": 0}, "必须晚于开始日期"),
])
def test_allocate_bad_input(req, floor, kwargs, message):
    args = {"request": req, "seats": 3, "start": TODAY(), "end": TODAY() + datetime.timedelta(days=kwargs.pop("end_days", 9)),
            "floor": floor, **kwargs}
    with pytest.raises(ValidationError, match=message):
        services.seat_request_allocate(**args, by=None)
    assert not Lease.objects.exists()


def test_allocate_decided_request_refused(req, floor):
    services.seat_request_withdraw(request=req, by=None)
    with pytest.raises(ValidationError, match="已处理"):
        services.seat_request_allocate(request=req, seats=1, start=TODAY(), end=TODAY() + datetime.timedelta(days=9), floor=floor, by=None)


def test_tenant_floor_map_carries_nothing_of_other_firms(floor, firm, other_firm, django_assert_num_queries):
    seats = list(Seat.objects.filter(floor=floor).order_by("row", "col"))
    factories.make_lease(firm, seats=seats[:3], start=TODAY(), end=TODAY() + datetime.timedelta(days=30), number="OWN-1")
    factories.make_lease(other_firm, seats=seats[3:6], start=TODAY(), end=TODAY() + datetime.timedelta(days=300), number="OTH-1")
    with django_assert_num_queries(2):
        states = selectors.tenant_floor_map(floor, TODAY(), firm)
    assert [s.state for s in states[:7]] == ["own_expiring"] * 3 + ["occupied"] * 3 + ["free"]
    assert states[0].code == seats[0].code and states[0].lease_number == "OWN-1"
    assert all(s.code == "" and s.lease_number == "" and s.end is None for s in states[3:])


def test_with_seats_on_counts_todays_holdings(floor, firm):
    seats = list(Seat.objects.filter(floor=floor))
    lease = factories.make_lease(firm, seats=seats[:5], start=TODAY() - datetime.timedelta(days=5), end=TODAY() + datetime.timedelta(days=5))
    services.seats_release(lease=lease, seats=seats[:2], on=TODAY(), by=None)
    assert selectors.with_seats_on(Lease.objects.all(), TODAY()).get().seats_on == 3


def test_floors_with_free_seats_most_free_first_in_zone(floor, firm, django_assert_num_queries):
    other_zone_floor = factories.make_floor(50, building=factories.BuildingFactory(code="A-1"), level=1)
    fuller = factories.make_floor(10, building=floor.building, level=4)
    factories.make_lease(firm, seats=Seat.objects.filter(floor=floor)[:35], start=TODAY(), end=TODAY() + datetime.timedelta(days=9))
    with django_assert_num_queries(3):
        rows = selectors.floors_with_free_seats(TODAY(), zone=floor.building.zone)
    assert [(occ.obj, occ.free) for occ in rows] == [(fuller, 10), (floor, 5)]
    assert other_zone_floor in [occ.obj for occ in selectors.floors_with_free_seats(TODAY())]
