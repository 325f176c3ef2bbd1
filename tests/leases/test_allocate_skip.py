"""Allocation choices: all or nothing by default; skip_taken=True leases the free seats and lists the others, why."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parkops.leases import services
from parkops.leases.models import Lease, LeaseSeat
from parkops.zones.choices import SeatCondition
from parkops.zones.models import Seat
from tests import factories

pytestmark = pytest.mark.django_db
START, END = dt.date(2026, 1, 1), dt.date(2027, 1, 1)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def taken(floor, other_firm):
    """Seats 1-5 of the floor: seat 2 held by the other firm from March, seat 4 out of service."""
    seats = list(Seat.objects.filter(floor=floor).order_by("code")[:5])
    other = factories.make_lease(other_firm, start=dt.date(2026, 3, 1), end=dt.date(2026, 9, 1), number="NJ-OTHER-9")
    services.seats_allocate(lease=other, seats=[seats[1]], by=None)
    services.seats_set_condition(seats=[seats[3]], condition=SeatCondition.OUT_OF_SERVICE, on=dt.date(2025, 1, 1), by=None)
    return seats


def test_all_or_nothing_stays_the_default(firm, taken):
    lease = factories.make_lease(firm, start=START, end=END)
    with pytest.raises(ValidationError, match="停用"):
        services.seats_allocate(lease=lease, seats=taken, by=None)
    assert not LeaseSeat.objects.filter(lease=lease).exists()


def test_skip_taken_allocates_the_free_and_lists_the_rest_with_reasons(firm, taken):
    lease = factories.make_lease(firm, start=START, end=END)
    result = services.seats_allocate(lease=lease, seats=taken, skip_taken=True, by=None)
    assert sorted(h.seat_id for h in result.allocated) == [taken[i].pk for i in (0, 2, 4)]
    assert [(s.code, s.seat_id) for s in result.skipped] == [(taken[1].code, taken[1].pk), (taken[3].code, taken[3].pk)]
    held, off = (s.reason for s in result.skipped)
    assert "迈睿中国" in held and "NJ-OTHER-9" in held and "2026-03-01 至 2026-09-01" in held
    assert "停用" in off
    assert LeaseSeat.objects.filter(lease=lease).count() == 3


def test_a_tenant_facing_skip_does_not_name_the_other_firm(firm, taken):
    lease = factories.make_lease(firm, start=START, end=END)
    result = services.seats_allocate(lease=lease, seats=taken, skip_taken=True, reveal_holders=False, by=None)
    reason = result.skipped[0].reason
    assert "迈睿中国" not in reason and "NJ-OTHER-9" not in reason and "已被占用" in reason


def test_a_holding_ending_on_the_start_day_is_not_a_conflict(firm, taken):
    # Half-open: the other firm's holding ends on 2026-09-01, so [2026-09-01, ...) is free.
    lease = factories.make_lease(firm, start=dt.date(2026, 9, 1), end=END)
    result = services.seats_allocate(lease=lease, seats=taken[:2], skip_taken=True, by=None)
    assert len(result) == 2 and result.skipped == []
    # ... but from the day before, it meets the other firm's last day.
    lease = factories.make_lease(factories.FirmFactory(), start=dt.date(2026, 8, 31), end=END)
    result = services.seats_allocate(lease=lease, seats=taken[1:3], skip_taken=True, by=None)
    assert [h.seat_id for h in result] == [taken[2].pk] and [s.seat_id for s in result.skipped] == [taken[1].pk]


def test_skip_taken_with_nothing_free_is_refused_and_changes_nothing(firm, taken):
    with pytest.raises(ValidationError) as exc:
        services.lease_create(firm=firm, start=START, end=END, seats=[taken[1], taken[3]], skip_taken=True, by=None)
    assert exc.value.code == "nothing_free" and taken[1].code in exc.value.messages[0]
    assert not Lease.objects.filter(firm=firm).exists()


def test_lease_create_reports_its_allocation(firm, taken):
    lease = services.lease_create(firm=firm, start=START, end=END, seats=taken, skip_taken=True, by=None)
    assert len(lease.allocation.allocated) == 3 and len(lease.allocation.skipped) == 2


def test_skip_taken_runs_the_same_queries_for_few_and_many_seats(floor, firm, other_firm):
    seats = list(Seat.objects.filter(floor=floor).order_by("code"))
    other = factories.make_lease(other_firm, start=START, end=END)
    services.seats_allocate(lease=other, seats=seats[::2], by=None)  # every other seat taken
    counts = []
    for chosen in (seats[:4], seats[4:40]):
        lease = factories.make_lease(factories.FirmFactory(), start=START, end=END)
        with CaptureQueriesContext(connection) as captured:
            result = services.seats_allocate(lease=lease, seats=chosen, skip_taken=True, by=None)
        assert len(result) == len(result.skipped) == len(chosen) // 2
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_the_planner_offers_the_choice_and_lists_what_was_skipped(client, staff, floor, firm, taken):
    client.force_login(staff)
    page = client.get(reverse("planner:floor", args=[floor.pk])).content.decode()
    assert 'name="skip_taken"' in page
    url = reverse("planner:floor_action", args=[floor.pk])
    data = {
        "action": "allocate", "seats": ",".join(s.code for s in taken), "firm": firm.pk, "firm_q": firm.short_name,
        "start": "2026-01-01", "end": "2027-01-01", "on": "2026-06-01", "rent_terms": "free_policy", "monthly_rate": "0",
    }
    response = client.post(url, data, **HTMX)
    assert response.status_code == 422 and not Lease.objects.filter(firm=firm).exists()
    response = client.post(url, {**data, "skip_taken": "on"}, **HTMX)
    assert response.status_code == 200
    notice = response.context["notice"]
    assert "已将 3 个席位" in notice and "跳过 2 个席位" in notice
    assert taken[1].code in notice and "迈睿中国" in notice and taken[3].code in notice
    # One skipped seat a line, kept by the floor's notice: the list stays readable however long it is.
    lines = notice.splitlines()
    assert lines[1] == "跳过 2 个席位：" and [line.split(" ")[0] for line in lines[2:]] == [taken[1].code, taken[3].code]
    assert response.content.decode().count("<br>") >= 3
    assert LeaseSeat.objects.filter(lease__firm=firm).count() == 3
