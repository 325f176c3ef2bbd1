"""Tests of the staff seat request queue and decision page (parkops/registers/views.py, seat request section)."""
import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from parkops.leases import services
from parkops.leases.choices import SeatRequestStatus
from parkops.leases.models import Lease, LeaseSeat, SeatRequest
from parkops.zones.models import Seat
from tests import factories


@pytest.fixture
def open_request(floor, firm):
    return services.seat_request_create(
        firm=firm, seats=4, wanted_from=timezone.localdate(), reason="=cmd|' /C calc'!A0", zone_preference=floor.building.zone, by=None
    )


def test_queue_lists_and_filters_requests(client, staff, open_request, other_firm):
    other = services.seat_request_create(firm=other_firm, seats=9, wanted_from=timezone.localdate(), reason="迈睿扩编", by=None)
    services.seat_request_decide(request=other, approve=False, reason="暂无空位", by=None)
    client.force_login(staff)
    page = client.get(reverse("registers:seat_request_list")).content.decode()
    assert "平安金服" in page and "迈睿中国" in page
    assert reverse("registers:seat_request_decide", args=[open_request.pk]) in page
    filtered = client.get(reverse("registers:seat_request_list"), {"status": "open"}).content.decode()
    assert ">平安金服</td>" in filtered
    assert ">迈睿中国</td>" not in filtered and ">迈睿中国</td>" in page


def test_queue_export_neutralises_formulae(client, staff, open_request):
    client.force_login(staff)
    response = client.get(reverse("registers:seat_request_list"), {"_export": "csv"})
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert any(cell.startswith("'=cmd") for row in rows for cell in row)
    assert not any(cell.startswith("=") for row in rows for cell in row)


@pytest.mark.parametrize("n_requests", [2, 25])
def test_queue_query_count_is_fixed(client, staff, firm, django_assert_num_queries, n_requests):
    for i in range(n_requests):
        services.seat_request_create(firm=firm, seats=i + 1, wanted_from=timezone.localdate(), reason=f"批次{i}", by=None)
    client.force_login(staff)
    # session, user with its role groups, count, page of requests, and the filter form's zone choices (the firm is typed into
    # the picker, not listed; no membership: the nav reads it only for tenants)
    with django_assert_num_queries(6):
        assert client.get(reverse("registers:seat_request_list")).status_code == 200


def test_decide_page_links_to_planner_and_offers_floors(client, staff, open_request, floor):
    client.force_login(staff)
    page = client.get(reverse("registers:seat_request_decide", args=[open_request.pk])).content.decode()
    assert f"/planner/floor/{floor.pk}/?request={open_request.pk}" in page
    assert 'name="allocate-seats"' in page and 'value="4"' in page


@pytest.mark.parametrize("n_floors", [1, 6])
def test_decide_page_query_count_is_fixed(client, staff, open_request, floor, django_assert_num_queries, n_floors):
    for level in range(n_floors):
        factories.make_floor(10, building=floor.building, level=10 + level)
    client.force_login(staff)
    with django_assert_num_queries(11):
        assert client.get(reverse("registers:seat_request_decide", args=[open_request.pk])).status_code == 200


def allocate_data(floor, **change):
    today = timezone.localdate()
    return {
        "action": "allocate", "allocate-floor": floor.pk, "allocate-zone": "", "allocate-seats": "4",
        "allocate-start": today.isoformat(), "allocate-end": (today + datetime.timedelta(days=365)).isoformat(),
        "allocate-rent_terms": "free_policy", "allocate-monthly_rate": "0", "allocate-policy_basis": "", "allocate-reason": "",
        **change,
    }


def test_direct_allocate_approves_with_new_lease(client, staff, open_request, floor, firm):
    client.force_login(staff)
    response = client.post(reverse("registers:seat_request_decide", args=[open_request.pk]), allocate_data(floor))
    assert response.status_code == 302
    open_request.refresh_from_db()
    assert open_request.status == SeatRequestStatus.APPROVED and open_request.decided_by == staff
    assert LeaseSeat.objects.filter(lease=open_request.lease).count() == 4
    assert open_request.lease.firm == firm


def test_direct_allocate_with_too_few_free_seats_changes_nothing(client, staff, open_request, floor):
    client.force_login(staff)
    response = client.post(reverse("registers:seat_request_decide", args=[open_request.pk]), allocate_data(floor, **{"allocate-seats": "41"}))
    assert response.status_code == 200
    assert "只有 40 个空闲可用席位" in response.content.decode()
    open_request.refresh_from_db()
    assert open_request.status == SeatRequestStatus.OPEN and not Lease.objects.exists()


def test_approve_with_lease_made_in_planner(client, staff, open_request, floor, firm):
    lease = factories.make_lease(firm, seats=Seat.objects.filter(floor=floor)[:4])
    client.force_login(staff)
    response = client.post(reverse("registers:seat_request_decide", args=[open_request.pk]),
                           {"action": "approve", "approve-lease": lease.pk, "approve-reason": "已在楼层图中分配"})
    assert response.status_code == 302
    open_request.refresh_from_db()
    assert (open_request.status, open_request.lease) == (SeatRequestStatus.APPROVED, lease)


def test_approve_with_another_firms_lease_is_refused(client, staff, open_request, other_firm):
    lease = factories.make_lease(other_firm)
    client.force_login(staff)
    response = client.post(reverse("registers:seat_request_decide", args=[open_request.pk]),
                           {"action": "approve", "approve-lease": lease.pk})
    assert response.status_code == 200
    open_request.refresh_from_db()
    assert open_request.status == SeatRequestStatus.OPEN


def test_reject_needs_reason(client, staff, open_request):
    client.force_login(staff)
    url = reverse("registers:seat_request_decide", args=[open_request.pk])
    assert client.post(url, {"action": "reject", "reject-decision_reason": ""}).status_code == 200
    open_request.refresh_from_db()
    assert open_request.status == SeatRequestStatus.OPEN
    assert client.post(url, {"action": "reject", "reject-decision_reason": "C区已满"}).status_code == 302
    open_request.refresh_from_db()
    assert (open_request.status, open_request.decision_reason) == (SeatRequestStatus.REJECTED, "C区已满")


def test_decided_request_shows_no_forms_and_cannot_be_decided_again(client, staff, open_request):
    services.seat_request_decide(request=open_request, approve=False, reason="已满", by=None)
    client.force_login(staff)
    url = reverse("registers:seat_request_decide", args=[open_request.pk])
    assert 'name="action"' not in client.get(url).content.decode()
    response = client.post(url, {"action": "reject", "reject-decision_reason": "再次"})
    assert "不能重复处理" in response.content.decode()
    assert SeatRequest.objects.get(pk=open_request.pk).decision_reason == "已满"


def test_unknown_action_changes_nothing(client, staff, open_request):
    client.force_login(staff)
    response = client.post(reverse("registers:seat_request_decide", args=[open_request.pk]), {"action": "delete"})
    assert response.status_code == 302
    assert SeatRequest.objects.get(pk=open_request.pk).status == SeatRequestStatus.OPEN
