"""Tests of parkops/portal/views.py: what a firm's users see and may change, and what they may not."""
import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from parkops.leases import services
from parkops.leases.choices import SeatRequestStatus
from parkops.leases.models import HeadcountReport, Lease, SeatRequest
from parkops.zones.models import Seat
from tests import factories
from tests.factories import build_world

from .conftest import other_firm_secrets


def body(response) -> bytes:
    """Return a response's bytes, streamed (CSV exports) or not."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def login(client, user):
    client.force_login(user)
    return client


# --- access -------------------------------------------------------------------------------------


def test_anonymous_user_is_sent_to_login(client, db):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_staff_without_firm_is_sent_to_planner_or_home(client, staff):
    response = login(client, staff).get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"] == "/planner/"


def test_user_without_role_gets_404(client, db):
    nobody = factories.UserFactory(username="nobody")
    assert login(client, nobody).get(reverse("portal:home")).status_code == 404


def test_tenant_opening_staff_pages_gets_404(client, world):
    login(client, world.admin)
    assert client.get(reverse("registers:seat_request_list")).status_code == 404
    assert client.get(reverse("registers:seat_request_decide", args=[world.request.pk])).status_code == 404


def test_home_redirects_tenant_to_portal(client, world):
    assert login(client, world.admin).get("/").url == reverse("portal:home")


# --- home ---------------------------------------------------------------------------------------


def test_home_shows_own_seats_leases_headcount_requests_reservations(client, world):
    page = login(client, world.viewer).get(reverse("portal:home")).content.decode()
    assert '<p class="big num" data-testid="seat-total">10</p>' in page
    assert "NJ-OWN-001" in page and "C-1 3F" in page
    assert reverse("portal:floor", args=[world.floor.pk]) in page
    assert "120.0%" in page and "flag-bad" in page  # 12 people on 10 seats: over-density
    assert f"#{world.request.pk}" in page and "待处理" in page
    assert "D区1期" in page and ">100<" in page
    for secret in other_firm_secrets(world):
        assert secret not in page


def test_home_flags_lease_expiring_within_90_days(client, world):
    services.lease_create(
        firm=world.firm, start=world.today - datetime.timedelta(days=10), end=world.today + datetime.timedelta(days=30),
        number="NJ-SOON-002", by=None,
    )
    page = login(client, world.admin).get(reverse("portal:home")).content.decode()
    soon = page[page.index("NJ-SOON-002"):]
    assert '<span class="flag-warn"' in soon[: soon.index("</tr>")]
    own = page[page.index("NJ-OWN-001"):]
    assert "flag-warn" not in own[: own.index("</tr>")]


def test_home_shows_rejection_reason(client, world):
    services.seat_request_decide(request=world.request, approve=False, reason="C区暂无空位，请考虑B1区", by=None)
    page = login(client, world.admin).get(reverse("portal:home")).content.decode()
    assert "C区暂无空位，请考虑B1区" in page and "已驳回" in page


def test_utilisation_under_100_is_not_flagged(client, world):
    services.headcount_report_submit(firm=world.firm, month=world.today.replace(day=1), headcount=8, by=None)
    page = login(client, world.admin).get(reverse("portal:home")).content.decode()
    assert "80.0%" in page and "超密度" not in page


@pytest.mark.parametrize("own_seats", [3, 30])
def test_home_query_count_is_fixed(client, floor, firm, other_firm, django_assert_num_queries, own_seats):
    world = build_world(floor, firm, other_firm, own_seats=own_seats, other_seats=40 - own_seats)
    for i in range(own_seats // 3):  # more leases, requests and reports with the bigger data set
        services.seat_request_create(firm=firm, seats=i + 1, wanted_from=world.today, reason=f"第{i}批", by=None)
        services.headcount_report_submit(firm=firm, month=datetime.date(2020, 1 + i % 12, 1) , headcount=i,
                                         confirmation_reason="补报历史月份", by=None)
    login(client, world.admin)
    # session, user with its role groups, membership with its firm, the allocation version, then on a miss: firm
    # allocation (2), latest headcount, requests, reservations; on the next read (cached) none of these five
    with django_assert_num_queries(9):
        assert client.get(reverse("portal:home")).status_code == 200
    with django_assert_num_queries(4):
        assert client.get(reverse("portal:home")).status_code == 200


@pytest.mark.parametrize("n_seats", [20, 200])
def test_floor_query_count_is_fixed(client, firm, other_firm, django_assert_num_queries, n_seats):
    floor = factories.make_floor(n_seats, building=factories.BuildingFactory(code="C-2"), level=2)
    world = build_world(floor, firm, other_firm, own_seats=n_seats // 2, other_seats=n_seats // 4)
    login(client, world.admin)
    # session, user with its role groups, membership with its firm, floor, holdings, seats
    with django_assert_num_queries(6):
        assert client.get(reverse("portal:floor", args=[floor.pk])).status_code == 200


# --- floor map ----------------------------------------------------------------------------------


def test_floor_highlights_own_seats_and_hides_other_firm(client, world):
    page = login(client, world.viewer).get(reverse("portal:floor", args=[world.floor.pk])).content.decode()
    assert page.count('class="seat own gr-') == 10
    assert page.count('class="seat occupied gr-') == 10
    assert page.count('class="seat free gr-') == 20
    for seat in world.seats[:10]:
        assert seat.code in page
    for seat in world.seats[10:]:  # neither the other firm's codes nor the free seats' codes
        assert seat.code not in page
    for secret in other_firm_secrets(world):
        assert secret not in page


def test_floor_of_another_firm_is_404(client, world):
    only_other = factories.make_floor(5, building=factories.BuildingFactory(code="C-7"), level=1)
    services.seats_allocate(lease=world.other_lease, seats=list(only_other.seats.all()), by=None)
    login(client, world.admin)
    assert client.get(reverse("portal:floor", args=[only_other.pk])).status_code == 404
    assert client.get(reverse("portal:floor", args=[999999])).status_code == 404


# --- headcount ----------------------------------------------------------------------------------


def test_headcount_submit_and_correct_keeps_history(client, world):
    login(client, world.admin)
    month = world.today.strftime("%Y-%m")
    response = client.post(reverse("portal:headcount"), {"month": month, "headcount": "15"})
    assert response.status_code == 302
    report = HeadcountReport.objects.get(firm=world.firm, month=world.today.replace(day=1))
    assert report.headcount == 15
    assert list(report.history.order_by("history_date").values_list("headcount", flat=True)) == [12, 15]
    page = client.get(reverse("portal:headcount")).content.decode()
    assert "<s>12</s>" in page and ">15<" in page


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"month": "THIS", "headcount": "-3"}, "headcount", "在岗人数不能为负数"),
        ({"month": "THIS", "headcount": "abc"}, "headcount", "在岗人数必须是整数"),
        ({"month": "THIS", "headcount": "12.5"}, "headcount", "在岗人数必须是整数"),
        ({"month": "THIS", "headcount": ""}, "headcount", "请填写在岗人数"),
        ({"month": "NEXT", "headcount": "10"}, "month", "不能填报未来月份"),
        ({"month": "2026-13", "headcount": "10"}, "month", "月份格式不正确"),
        ({"month": "", "headcount": "10"}, "month", "请填写月份"),
    ],
)
def test_headcount_bad_values_are_refused_and_nothing_saved(client, world, data, field, message):
    this_month = world.today.replace(day=1)
    next_month = (this_month + datetime.timedelta(days=32)).replace(day=1)
    data = {**data, "month": {"THIS": f"{this_month:%Y-%m}", "NEXT": f"{next_month:%Y-%m}"}.get(data["month"], data["month"])}
    before = list(HeadcountReport.history.values_list("history_id", flat=True))
    response = login(client, world.admin).post(reverse("portal:headcount"), data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert list(HeadcountReport.history.values_list("history_id", flat=True)) == before
    assert HeadcountReport.objects.get(firm=world.firm).headcount == 12


def test_viewer_reads_headcount_but_cannot_submit(client, world):
    login(client, world.viewer)
    page = client.get(reverse("portal:headcount")).content.decode()
    assert 'name="headcount"' not in page and ">12<" in page
    response = client.post(reverse("portal:headcount"), {"month": f"{world.today:%Y-%m}", "headcount": "99"})
    assert response.status_code == 403
    assert HeadcountReport.objects.get(firm=world.firm).headcount == 12


# --- seat requests ------------------------------------------------------------------------------


def test_seat_request_create(client, world):
    zone = world.floor.building.zone
    wanted = world.today + datetime.timedelta(days=14)
    response = login(client, world.admin).post(
        reverse("portal:seat_request"),
        {"seats": "20", "zone_preference": zone.pk, "wanted_from": wanted.isoformat(), "reason": "新增呼叫中心业务线"},
    )
    assert response.status_code == 302
    made = SeatRequest.objects.get(reason="新增呼叫中心业务线")
    assert (made.firm, made.seats, made.zone_preference, made.wanted_from, made.requested_by) == (
        world.firm, 20, zone, wanted, world.admin)


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"seats": "0"}, "seats", "申请席位数至少为 1"),
        ({"seats": "-5"}, "seats", "申请席位数至少为 1"),
        ({"seats": "twenty"}, "seats", "申请席位数必须是整数"),
        ({"seats": ""}, "seats", "请填写申请席位数"),
        ({"wanted_from": "2001-01-01"}, "wanted_from", "已过"),
        ({"wanted_from": "next week"}, "wanted_from", "日期格式不正确"),
        ({"reason": ""}, "reason", "请填写申请理由"),
        ({"zone_preference": "999999"}, "zone_preference", "所选区域不存在"),
    ],
)
def test_seat_request_bad_values_are_refused_and_nothing_saved(client, world, change, field, message):
    data = {"seats": "5", "zone_preference": "", "wanted_from": world.today.isoformat(), "reason": "扩编", **change}
    response = login(client, world.admin).post(reverse("portal:seat_request"), data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert SeatRequest.objects.filter(firm=world.firm).count() == 1


def test_viewer_cannot_request_or_withdraw(client, world):
    login(client, world.viewer)
    data = {"seats": "5", "wanted_from": world.today.isoformat(), "reason": "扩编"}
    assert client.post(reverse("portal:seat_request"), data).status_code == 403
    assert client.post(reverse("portal:seat_request_withdraw", args=[world.request.pk])).status_code == 403
    assert SeatRequest.objects.filter(firm=world.firm).count() == 1
    world.request.refresh_from_db()
    assert world.request.status == SeatRequestStatus.OPEN


def test_withdraw_own_open_request(client, world):
    login(client, world.admin)
    response = client.post(reverse("portal:seat_request_withdraw", args=[world.request.pk]))
    assert response.status_code == 302
    world.request.refresh_from_db()
    assert world.request.status == SeatRequestStatus.WITHDRAWN
    again = client.post(reverse("portal:seat_request_withdraw", args=[world.request.pk]), follow=True)
    assert "不能撤回" in again.content.decode()


def test_withdraw_other_firms_request_is_404(client, world):
    login(client, world.admin)
    assert client.post(reverse("portal:seat_request_withdraw", args=[world.other_request.pk])).status_code == 404
    assert client.get(reverse("portal:seat_request_withdraw", args=[world.request.pk])).status_code == 405
    world.other_request.refresh_from_db()
    assert world.other_request.status == SeatRequestStatus.OPEN


# --- mass assignment ----------------------------------------------------------------------------


def test_headcount_post_ignores_firm_and_other_fields(client, world):
    login(client, world.admin)
    month = f"{world.today:%Y-%m}"
    client.post(reverse("portal:headcount"), {
        "month": month, "headcount": "19", "firm": world.other_firm.pk, "firm_id": world.other_firm.pk,
        "submitted_by": world.other_admin.pk,
    })
    assert HeadcountReport.objects.get(firm=world.firm).headcount == 19
    assert HeadcountReport.objects.get(firm=world.other_firm).headcount == 9
    assert HeadcountReport.objects.get(firm=world.firm).submitted_by == world.admin


def test_seat_request_post_ignores_firm_lease_seat_status_fields(client, world):
    login(client, world.admin)
    client.post(reverse("portal:seat_request"), {
        "seats": "3", "wanted_from": world.today.isoformat(), "reason": "夹带字段", "firm": world.other_firm.pk,
        "status": SeatRequestStatus.APPROVED, "lease": world.other_lease.pk, "seat": world.seats[15].pk,
        "decision_reason": "自己批准", "decided_by": world.admin.pk,
    })
    made = SeatRequest.objects.get(reason="夹带字段")
    assert made.firm == world.firm and made.status == SeatRequestStatus.OPEN
    assert made.lease is None and made.decision_reason == "" and made.decided_by is None
    assert SeatRequest.objects.filter(firm=world.other_firm).count() == 1


def test_withdraw_post_with_other_firms_id_in_body_is_ignored(client, world):
    login(client, world.admin)
    client.post(reverse("portal:seat_request_withdraw", args=[world.request.pk]), {"pk": world.other_request.pk})
    world.other_request.refresh_from_db()
    assert world.other_request.status == SeatRequestStatus.OPEN


# --- members ------------------------------------------------------------------------------------


def test_members_page_lists_own_firm_users_for_admin_only(client, world):
    page = login(client, world.admin).get(reverse("portal:members")).content.decode()
    assert "pingan-admin" in page and "pingan-viewer" in page and "majorel-admin" not in page
    assert login(client, world.viewer).get(reverse("portal:members")).status_code == 403


# --- exports ------------------------------------------------------------------------------------


def test_export_seats_csv_has_only_own_seats(client, world):
    response = login(client, world.viewer).get(reverse("portal:export_seats") + "?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert rows[0][0] == "席位编号"
    assert sorted(r[0] for r in rows[1:]) == sorted(s.code for s in world.seats[:10])
    assert {r[7] for r in rows[1:]} == {"NJ-OWN-001"}


def test_export_leases_neutralises_formulae_in_csv_and_xlsx(client, world):
    login(client, world.admin)
    text = body(client.get(reverse("portal:export_leases") + "?format=csv")).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "NJ-OTHER-777" not in text
    response = client.get(reverse("portal:export_leases") + "?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    assert "NJ-OWN-001" in values and "NJ-OTHER-777" not in values


def test_export_pages_list_own_rows(client, world):
    login(client, world.admin)
    seats = client.get(reverse("portal:export_seats")).content.decode()
    assert world.seats[0].code in seats and world.seats[15].code not in seats
    leases = client.get(reverse("portal:export_leases")).content.decode()
    assert "NJ-OWN-001" in leases and "NJ-OTHER-777" not in leases


def test_new_seats_show_in_portal_after_approval(client, world, staff):
    services.seat_request_allocate(request=world.request, seats=5, start=world.today,
                                   end=world.today + datetime.timedelta(days=200), floor=world.floor, by=staff)
    page = login(client, world.admin).get(reverse("portal:home")).content.decode()
    assert 'data-testid="seat-total">15<' in page and "已批准" in page
    assert Lease.objects.filter(firm=world.firm).count() == 2
    assert Seat.objects.visible_to(world.admin).count() == 15


@pytest.mark.parametrize("size", [1, 12])
@pytest.mark.parametrize("name, queries", [  # each is paginated: one of these queries counts its rows
    ("portal:headcount", 6), ("portal:seat_request", 6), ("portal:members", 5),
    ("portal:export_seats", 5), ("portal:export_leases", 5),
])
def test_other_pages_query_counts_are_fixed(client, world, django_assert_num_queries, size, name, queries):
    for i in range(size):
        services.headcount_report_submit(confirmation_reason="测试数据", firm=world.firm, month=datetime.date(2020 + i // 12, 1 + i % 12, 1), headcount=i, by=None)
        services.headcount_report_submit(confirmation_reason="测试数据", firm=world.firm, month=datetime.date(2020 + i // 12, 1 + i % 12, 1), headcount=i + 1, by=None)
        services.seat_request_create(firm=world.firm, seats=i + 1, wanted_from=world.today, reason=f"批次{i}", by=None)
        factories.tenant_user(world.firm, f"pingan-{i}")
        services.lease_create(firm=world.firm, start=world.today, end=world.today + datetime.timedelta(days=30),
                              seats=[world.seats[20 + i]], by=None)
    login(client, world.admin)
    with django_assert_num_queries(queries):
        assert client.get(reverse(name)).status_code == 200
