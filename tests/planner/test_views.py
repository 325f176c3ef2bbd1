"""View tests of the planner: permissions, pages, floor actions (htmx and plain), conflicts, bad input."""
import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from parkops.firms.choices import FirmStatus
from parkops.leases import services
from parkops.leases.choices import ReservationStatus
from parkops.leases.models import CapacityReservation, Lease, LeaseSeat
from parkops.zones.choices import SeatCondition
from parkops.zones.models import Seat, SeatOutage
from tests import factories

JAN1, NEXT_JAN1 = datetime.date(2026, 1, 1), datetime.date(2027, 1, 1)
HTMX = {"HTTP_HX_REQUEST": "true"}


def seats_of(floor, *numbers):
    codes = [f"{floor.building.code}-{floor.level}F-{n:04d}" for n in numbers]
    return list(Seat.objects.filter(code__in=codes).order_by("code"))


def codes(seats):
    return ",".join(s.code for s in seats)


def seat_state(html, code):
    match = re.search(rf'data-seat-code="{re.escape(code)}" data-state="(\w+)"', html)
    return match and match.group(1)


# --- permissions --------------------------------------------------------------------------------


@pytest.fixture
def pages(floor, firm, phase):
    seat = seats_of(floor, 1)[0]
    return [
        reverse("planner:overview"),
        reverse("planner:floor", args=[floor.pk]),
        reverse("planner:seat_history", args=[seat.pk]),
        reverse("planner:seat_history_lookup") + f"?code={seat.code}",
        reverse("planner:search") + "?q=test",
        reverse("planner:building_stack", args=[floor.building_id]),
        reverse("planner:zone_d"),
        reverse("firms:autocomplete") + "?q=平安",
        reverse("planner:firm_leases") + f"?firm={firm.pk}",
    ]


@pytest.fixture
def posts(floor, firm, phase):
    reservation = services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=10, by=None)
    return [
        reverse("planner:floor_action", args=[floor.pk]),
        reverse("planner:reservation_add"),
        reverse("planner:reservation_change", args=[reservation.pk]),
        reverse("planner:reservation_cancel", args=[reservation.pk]),
        reverse("planner:reservation_convert", args=[reservation.pk]),
    ]


def test_anonymous_is_sent_to_login(client, pages, posts):
    for url in pages + posts:
        response = client.post(url) if url in posts else client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_tenant_gets_404_and_changes_nothing(client, tenant, pages, posts):
    client.force_login(tenant)
    for url in pages:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"seats": "C-1-3F-0001", "action": "out_of_service", "seats_n": 1}).status_code == 404, url
    assert not SeatOutage.objects.exists()
    assert CapacityReservation.objects.get().status == ReservationStatus.ACTIVE


@pytest.mark.parametrize("role", ["staff", "bureau_admin"])
def test_staff_and_bureau_admin_see_every_page(client, pages, role, request):
    client.force_login(request.getfixturevalue(role))
    for url in pages:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url


def test_get_only_pages_refuse_post(staff_client, floor):
    assert staff_client.post(reverse("firms:autocomplete")).status_code == 405
    assert staff_client.get(reverse("planner:floor_action", args=[floor.pk])).status_code == 405


def test_staffnav_links_to_the_planner(staff_client):
    assert reverse("planner:overview") in staff_client.get(reverse("home")).content.decode()


# --- overview ------------------------------------------------------------------------------------


def test_overview_counts_per_zone_and_phase(staff_client, floor, firm, phase):
    factories.make_lease(firm, seats=seats_of(floor, 1, 2, 3), start=JAN1, end=NEXT_JAN1)
    services.seats_set_condition(seats=seats_of(floor, 40), condition=SeatCondition.OUT_OF_SERVICE, on=datetime.date(2020, 1, 1), by=None)
    services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=95, by=None)
    response = staff_client.get(reverse("planner:overview"), {"on": "2026-06-01"})
    zones = {z["occ"].obj.code: z for z in response.context["zones"]}
    c = zones["C"]["occ"]
    assert (c.declared, c.seats, c.leased, c.free, c.out_of_service) == (1000, 40, 3, 36, 1)
    assert [p.reserved for p in zones["D"]["phases"]] == [95]
    html = response.content.decode()
    assert reverse("planner:floor", args=[floor.pk]) + "?on=2026-06-01" in html
    assert reverse("planner:building_stack", args=[floor.building_id]) in html
    assert "flag-warn" in html  # phase 1 is 95% committed
    # A year later the lease has ended: the same seats count as free.
    later = staff_client.get(reverse("planner:overview"), {"on": "2027-06-01"}).context["zones"]
    assert next(z["occ"].leased for z in later if z["occ"].obj.code == "C") == 0


@pytest.mark.parametrize("page", ["overview", "floor", "zone_d", "building_stack", "search"])
@pytest.mark.parametrize("bad", ["2026-02-30", "yesterday", "2026/03/01", "9999-12-31"])
def test_bad_date_shows_a_message_and_today(staff_client, floor, page, bad):
    args = [floor.pk] if page == "floor" else [floor.building_id] if page == "building_stack" else []
    response = staff_client.get(reverse(f"planner:{page}", args=args), {"on": bad})
    assert response.status_code == 200
    assert response.context["on"] == timezone.localdate()
    assert f"日期“{bad}”无效" in response.content.decode()


# --- floor page ----------------------------------------------------------------------------------


def test_floor_draws_every_seat_with_state_legend_and_tooltip_data(staff_client, floor, firm, other_firm):
    lease = factories.make_lease(firm, seats=seats_of(floor, 1, 2, 3, 4), start=JAN1, end=NEXT_JAN1)
    factories.make_lease(other_firm, seats=seats_of(floor, 11, 12), start=JAN1, end=datetime.date(2026, 7, 1))
    services.seats_set_condition(seats=seats_of(floor, 40), condition=SeatCondition.OUT_OF_SERVICE, on=datetime.date(2020, 1, 1), by=None)
    response = staff_client.get(reverse("planner:floor", args=[floor.pk]), {"on": "2026-06-01"})
    html = response.content.decode()
    assert html.count("data-seat-code=") == 40
    assert seat_state(html, "C-1-3F-0001") == "leased"
    assert seat_state(html, "C-1-3F-0011") == "expiring"  # ends within the expiry window (PARKOPS_EXPIRY_DAYS) of 1 June
    assert seat_state(html, "C-1-3F-0005") == "free"
    assert seat_state(html, "C-1-3F-0040") == "out_of_service"
    assert [(f["name"], f["seats"]) for f in response.context["legend"]] == [("平安金服", 4), ("迈睿中国", 2)]
    leases = json.loads(re.search(r'<script id="pl-leases" type="application/json">(.*?)</script>', html).group(1))
    assert leases[str(lease.pk)] == ["平安金服", lease.number, "2026-01-01", "2027-01-01"]
    assert f'data-l="{lease.pk}"' in html


def test_floor_grid_keeps_gaps_with_spacers(staff_client, db):
    floor = factories.FloorFactory(grid_rows=3, grid_cols=5)
    for code, row, col in (("G-1", 0, 0), ("G-2", 0, 3), ("G-3", 2, 1)):
        Seat.objects.create(floor=floor, code=code, row=row, col=col)
    html = staff_client.get(reverse("planner:floor", args=[floor.pk])).content.decode()
    grid = re.search(r'<div id="pl-grid"[^>]*>(.*?)</div>', html).group(1)
    # G-2 is 2 cells after G-1; row 1 is empty; G-3 starts one cell into row 2.
    spans = re.findall(r"class=\"sp-(\d+)\"|data-seat-code=\"(G-\d)\"", grid)
    assert [a or b for a, b in spans] == ["G-1", "2", "G-2", "1", "5", "1", "G-3"]


def test_highlight_by_code_and_by_firm(staff_client, floor, firm):
    factories.make_lease(firm, seats=seats_of(floor, 7, 8), start=JAN1, end=NEXT_JAN1)
    url = reverse("planner:floor", args=[floor.pk])
    html = staff_client.get(url, {"on": "2026-03-01", "highlight": "C-1-3F-0020"}).content.decode()
    assert re.findall(r'data-seat-code="([\w-]+)"[^>]*class="[^"]*\bhl\b', html) == ["C-1-3F-0020"]
    html = staff_client.get(url, {"on": "2026-03-01", "highlight": f"firm:{firm.pk}"}).content.decode()
    assert re.findall(r'data-seat-code="([\w-]+)"[^>]*class="[^"]*\bhl\b', html) == ["C-1-3F-0007", "C-1-3F-0008"]


def test_unknown_floor_is_404(staff_client, db):
    assert staff_client.get(reverse("planner:floor", args=[999])).status_code == 404


# --- floor actions --------------------------------------------------------------------------------


def allocate(client, floor, picked, to=None, **extra):
    data = {
        "action": "allocate", "seats": codes(picked), "on": "2026-03-01",
        "firm": to.pk if to else "", "start": "2026-03-01", "end": "2027-03-01",
        "rent_terms": "free_policy", "monthly_rate": "0",
    }
    data.update(extra)
    return client.post(reverse("planner:floor_action", args=[floor.pk]), data, **HTMX)


def test_allocate_under_new_lease_sends_the_changed_cells(staff_client, staff, floor, firm):
    seats = seats_of(floor, *range(1, 13))
    response = allocate(staff_client, floor, seats, firm, rent_terms="subsidised", monthly_rate="120.50", colours="")
    assert response.status_code == 200
    assert response.templates[0].name == "planner/_floor_changes.html"
    html = response.content.decode()
    assert all(seat_state(html, s.code) == "leased" for s in seats)
    assert html.count("data-seat-code=") == 12  # of the floor's 40
    lease = Lease.objects.get(firm=firm)
    assert (lease.start, lease.end, lease.rent_terms, str(lease.monthly_rate)) == (
        datetime.date(2026, 3, 1), datetime.date(2027, 3, 1), "subsidised", "120.50"
    )
    assert set(LeaseSeat.objects.filter(lease=lease).values_list("seat__code", flat=True)) == {s.code for s in seats}
    assert LeaseSeat.history.filter(lease_id=lease.pk, history_user=staff).count() == 12
    assert f"已将 12 个席位分配给 平安金服（合同 {lease.number}" in html
    assert 'data-ok="1"' in html


def test_bureau_admin_can_allocate(client, bureau_admin, floor, firm):
    client.force_login(bureau_admin)
    assert allocate(client, floor, seats_of(floor, 1, 2), firm).status_code == 200
    assert LeaseSeat.objects.filter(lease__firm=firm).count() == 2


def test_allocate_under_existing_lease_defaults_to_its_period(staff_client, floor, firm):
    lease = factories.make_lease(firm, seats=seats_of(floor, 1), start=JAN1, end=NEXT_JAN1)
    response = allocate(staff_client, floor, seats_of(floor, 2, 3), firm, lease=lease.pk, start="", end="")
    assert response.status_code == 200
    assert Lease.objects.count() == 1
    assert set(LeaseSeat.objects.filter(lease=lease).values_list("start", "end")) == {(JAN1, NEXT_JAN1)}
    assert LeaseSeat.objects.filter(lease=lease).count() == 3


def test_allocate_by_typed_firm_name(staff_client, floor, firm):
    response = allocate(staff_client, floor, seats_of(floor, 5), None, firm_q="平安金服")
    assert response.status_code == 200
    assert LeaseSeat.objects.get().lease.firm == firm


def test_conflict_names_seats_and_dates_and_changes_nothing(staff_client, floor, firm, other_firm):
    factories.make_lease(firm, seats=seats_of(floor, 3, 4), start=JAN1, end=NEXT_JAN1)
    before = (Lease.objects.count(), LeaseSeat.objects.count(), LeaseSeat.history.count())
    response = allocate(staff_client, floor, seats_of(floor, 1, 2, 3, 4, 5), other_firm)
    assert response.status_code == 422
    html = response.content.decode()
    errors = response.context["errors"]
    assert len(errors) == 1
    assert "C-1-3F-0003" in errors[0] and "C-1-3F-0004" in errors[0] and "2026-01-01" in errors[0]
    assert "C-1-3F-0001" not in errors[0]
    assert 'id="pl-error"' in html and 'data-ok="0"' in html
    assert (Lease.objects.count(), LeaseSeat.objects.count(), LeaseSeat.history.count()) == before
    assert not Lease.objects.filter(firm=other_firm).exists()


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"end": "2026-02-30"}, "日期无效"),
        ({"end": "20266-01-01"}, "日期无效"),
        ({"end": "9999-12-31"}, "超出范围"),
        ({"start": "2026-03-01", "end": "2026-02-01"}, "必须晚于开始日期"),
        ({"end": ""}, "新建租约须填写开始日期和结束日期"),
        ({"firm": "", "firm_q": "不存在的企业"}, "未找到企业“不存在的企业”"),
        ({"firm": "", "firm_q": ""}, "请选择企业"),
        ({"firm": "99999"}, "企业"),
        ({"seats": ""}, "没有选择任何席位"),
        ({"seats": "X-9-9F-0001"}, "X-9-9F-0001 不在本楼层"),
        ({"action": "demolish"}, "操作"),
    ],
)
def test_bad_allocation_input_is_refused_with_a_clear_message(staff_client, floor, firm, extra, message):
    response = allocate(staff_client, floor, seats_of(floor, 1, 2), firm, **extra)
    assert response.status_code == 422
    assert any(message in e for e in response.context["errors"]), response.context["errors"]
    assert not Lease.objects.exists() and not LeaseSeat.objects.exists()


def test_lease_of_another_firm_is_refused(staff_client, floor, firm, other_firm):
    lease = factories.make_lease(other_firm, start=JAN1, end=NEXT_JAN1)
    response = allocate(staff_client, floor, seats_of(floor, 1), firm, lease=lease.pk)
    assert response.status_code == 422
    assert f"租约 {lease.number} 不属于 平安金服" in response.context["errors"][0]
    assert not LeaseSeat.objects.exists()


def test_exited_firm_is_refused(staff_client, floor, firm):
    firm.status = FirmStatus.EXITED
    firm.save()
    response = allocate(staff_client, floor, seats_of(floor, 1), firm)
    assert response.status_code == 422
    assert "已退出园区" in response.context["errors"][0]


def test_release_from_a_date(staff_client, floor, firm, other_firm):
    lease = factories.make_lease(firm, seats=seats_of(floor, 1, 2, 3), start=JAN1, end=NEXT_JAN1)
    factories.make_lease(other_firm, seats=seats_of(floor, 5), start=JAN1, end=NEXT_JAN1)
    url = reverse("planner:floor_action", args=[floor.pk])
    data = {"action": "release", "seats": codes(seats_of(floor, 1, 2)), "release_on": "2026-06-01", "on": "2026-06-01",
            "colours": ""}
    response = staff_client.post(url, data, **HTMX)
    assert response.status_code == 200
    ends = dict(LeaseSeat.objects.filter(lease=lease).values_list("seat__code", "end"))
    assert ends == {"C-1-3F-0001": datetime.date(2026, 6, 1), "C-1-3F-0002": datetime.date(2026, 6, 1), "C-1-3F-0003": NEXT_JAN1}
    html = response.content.decode()
    assert seat_state(html, "C-1-3F-0001") == "free" and seat_state(html, "C-1-3F-0002") == "free"
    # The lease's other seat comes too (its tooltip's usual dates may have moved); another lease's seat does not.
    assert seat_state(html, "C-1-3F-0003") == "leased" and seat_state(html, "C-1-3F-0005") is None


def test_release_needs_a_date_and_a_holding(staff_client, floor):
    url = reverse("planner:floor_action", args=[floor.pk])
    response = staff_client.post(url, {"action": "release", "seats": "C-1-3F-0001"}, **HTMX)
    assert response.status_code == 422 and "请填写释放日期" in response.context["errors"][0]
    response = staff_client.post(url, {"action": "release", "seats": "C-1-3F-0001", "release_on": "2026-06-01"}, **HTMX)
    assert response.status_code == 422 and "没有被占用" in response.context["errors"][0]


def test_out_of_service_and_back(staff_client, floor):
    url = reverse("planner:floor_action", args=[floor.pk])
    today = timezone.localdate().isoformat()
    data = {"action": "out_of_service", "seats": "C-1-3F-0001,C-1-3F-0002", "note": "电脑维修", "effective_on": today}
    response = staff_client.post(url, data, **HTMX)
    assert response.status_code == 200
    assert seat_state(response.content.decode(), "C-1-3F-0001") == "out_of_service"
    assert set(SeatOutage.objects.values_list("seat__code", "reason", "start", "end")) == {
        ("C-1-3F-0001", "电脑维修", timezone.localdate(), None), ("C-1-3F-0002", "电脑维修", timezone.localdate(), None)
    }
    response = staff_client.post(url, {"action": "in_service", "seats": "C-1-3F-0001", "effective_on": today}, **HTMX)
    assert seat_state(response.content.decode(), "C-1-3F-0001") == "free"
    assert list(SeatOutage.objects.on(timezone.localdate()).values_list("seat__code", flat=True)) == ["C-1-3F-0002"]
    response = staff_client.post(url, {"action": "in_service", "seats": "C-1-3F-0002"}, **HTMX)
    assert response.status_code == 422 and "请填写生效日期" in response.context["errors"][0]


def test_allocating_an_out_of_service_seat_is_refused(staff_client, floor, firm):
    services.seats_set_condition(seats=seats_of(floor, 2), condition=SeatCondition.OUT_OF_SERVICE, on=datetime.date(2020, 1, 1), by=None)
    response = allocate(staff_client, floor, seats_of(floor, 1, 2), firm)
    assert response.status_code == 422 and "C-1-3F-0002" in response.context["errors"][0]
    assert not LeaseSeat.objects.exists()


def test_without_htmx_success_redirects_and_error_renders_the_page(staff_client, floor, firm, other_firm):
    url = reverse("planner:floor_action", args=[floor.pk])
    data = {"action": "allocate", "seats": "C-1-3F-0001", "firm": firm.pk, "start": "2026-03-01", "end": "2027-03-01",
            "rent_terms": "free_policy", "monthly_rate": "0", "on": "2026-03-01"}
    response = staff_client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("planner:floor", args=[floor.pk]) + "?on=2026-03-01"
    response = staff_client.post(url, dict(data, firm=other_firm.pk))
    assert response.status_code == 422
    assert "席位冲突" in response.content.decode()
    assert response.context["on"] == datetime.date(2026, 3, 1)
    assert LeaseSeat.objects.count() == 1


# --- seat history --------------------------------------------------------------------------------


def test_seat_history_lists_holders_and_changes(staff_client, floor, firm, other_firm):
    seat = seats_of(floor, 1)[0]
    factories.make_lease(firm, seats=[seat], start=datetime.date(2025, 1, 1), end=JAN1)
    future = factories.make_lease(other_firm, seats=[seat], start=datetime.date(2026, 6, 1), end=NEXT_JAN1)
    services.seats_release(  # removed before it started
        lease=future, seats=[seat], on=datetime.date(2026, 6, 1), confirm_remove_future=True, by=None
    )
    services.seats_set_condition(seats=[seat], condition=SeatCondition.OUT_OF_SERVICE, note="漏水", on=JAN1, by=None)
    response = staff_client.get(reverse("planner:seat_history", args=[seat.pk]))
    html = response.content.decode()
    assert [h.lease.firm.short_name for h in response.context["holders"].data] == ["平安金服"]
    assert future.number in html  # only in the change log now
    assert "删除" in html and "漏水" in html and "停用" in html
    assert [c.history_change_reason for c in response.context["holding_changes"].data][:2] == ["release", "allocate"]
    assert re.search(r"<td\s*>释放</td>", html) and re.search(r"<td\s*>分配</td>", html)


def test_seat_history_lookup_by_code(staff_client, floor):
    seat = seats_of(floor, 9)[0]
    response = staff_client.get(reverse("planner:seat_history_lookup"), {"code": seat.code})
    assert response["Location"] == reverse("planner:seat_history", args=[seat.pk])
    assert staff_client.get(reverse("planner:seat_history_lookup"), {"code": "NOPE"}).status_code == 404


# --- search --------------------------------------------------------------------------------------


def test_search_exact_seat_code_jumps_to_its_floor(staff_client, floor):
    response = staff_client.get(reverse("planner:search"), {"q": "c-1-3f-0007", "on": "2026-03-01"})
    assert response.status_code == 302
    assert response["Location"] == reverse("planner:floor", args=[floor.pk]) + "?on=2026-03-01&highlight=C-1-3F-0007"


def test_search_firm_on_one_floor_jumps_there(staff_client, floor, firm):
    factories.make_lease(firm, seats=seats_of(floor, 1, 2), start=JAN1, end=NEXT_JAN1)
    response = staff_client.get(reverse("planner:search"), {"q": "平安", "on": "2026-03-01"})
    assert response.status_code == 302
    assert f"highlight=firm%3A{firm.pk}" in response["Location"]


def test_search_lists_partial_codes_and_firms(staff_client, floor, firm, other_firm):
    response = staff_client.get(reverse("planner:search"), {"q": "0001"})
    assert response.status_code == 200
    assert [(h["floor"], h["n"]) for h in response.context["seat_hits"]] == [(floor.pk, 1)]
    response = staff_client.get(reverse("planner:search"), {"q": "测试"})
    assert {h["firm"].short_name for h in response.context["firm_hits"]} == {"平安金服", "迈睿中国"}
    assert "没有占用席位" in response.content.decode()
    response = staff_client.get(reverse("planner:search"), {"q": "nothing-like-this"})
    assert "没有编号包含“nothing-like-this”的席位" in response.content.decode()


def test_partial_code_highlight_marks_matching_seats(staff_client, floor):
    url = reverse("planner:floor", args=[floor.pk])
    html = staff_client.get(url, {"highlight": "~3F-003"}).content.decode()
    assert len(re.findall(r'<i data-seat-code="C-1-3F-003\d" data-state="free" class="hl"', html)) == 10
    assert html.count('class="hl"') == 10


# --- stacking plan -------------------------------------------------------------------------------


def test_building_stack_blocks_per_firm(staff_client, floor, firm, other_firm):
    upper = factories.make_floor(20, building=floor.building, level=4, cols=10)
    factories.make_lease(firm, seats=seats_of(floor, 1, 2, 3) + seats_of(upper, 1), start=JAN1, end=NEXT_JAN1)
    factories.make_lease(other_firm, seats=seats_of(floor, 4), start=JAN1, end=NEXT_JAN1)
    response = staff_client.get(reverse("planner:building_stack", args=[floor.building_id]), {"on": "2026-05-01"})
    levels = response.context["levels"]
    assert [lv["stack"].floor.level for lv in levels] == [4, 3]
    assert [(name, n) for _id, name, n, _c, _label in levels[1]["blocks"]] == [("平安金服", 3), ("迈睿中国", 1)]
    # 3 of the widest floor's 40 seats leave room for an abbreviation, 1 seat for nothing; the title keeps the rest.
    assert [label for *_rest, label in levels[1]["blocks"]] == ["平安… 3", ""]
    assert 'title="迈睿中国：1"' in response.content.decode()
    assert levels[1]["stack"].occupancy.free == 36
    assert [(f["name"], f["seats"]) for f in response.context["legend"]] == [("平安金服", 4), ("迈睿中国", 1)]
    assert f"highlight=firm:{firm.pk}" in response.content.decode()


# --- zone-D board ---------------------------------------------------------------------------------


def test_zone_d_board_shows_phase_figures_and_flags(staff_client, phase, firm, other_firm):
    services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=60, by=None)
    factories.make_lease(other_firm, seats=list(phase.floor.seats.all()[:30]), start=JAN1, end=NEXT_JAN1)
    response = staff_client.get(reverse("planner:zone_d"), {"on": "2026-03-01"})
    cap = response.context["phases"][0]["cap"]
    assert (cap.planned, cap.reserved, cap.laid_out, cap.leased) == (100, 60, 30, 30)
    assert cap.near_full and "接近满额" in response.content.decode()
    phase.__class__.objects.filter(pk=phase.pk).update(planned_capacity=80)
    response = staff_client.get(reverse("planner:zone_d"), {"on": "2026-03-01"})
    assert "超额预留" in response.content.decode() and "is-over" in response.content.decode()


def test_add_reservation(staff_client, phase, firm):
    data = {"firm_q": firm.name, "phase": phase.pk, "seats": 40, "wanted_from": "2026-09-01", "note": "一企一策"}
    response = staff_client.post(reverse("planner:reservation_add"), data)
    assert response.status_code == 302
    r = CapacityReservation.objects.get()
    assert (r.firm, r.phase, r.seats, r.wanted_from, r.note) == (firm, phase, 40, datetime.date(2026, 9, 1), "一企一策")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"seats": 101}, "将超出 1 席"),
        ({"firm_q": "没有这家"}, "未找到企业“没有这家”"),
        ({"seats": 0}, "预留席位数"),
        ({"wanted_from": "2026-13-01"}, "日期无效"),
    ],
)
def test_add_reservation_bad_input(staff_client, phase, firm, change, message):
    data = {"firm_q": firm.short_name, "phase": phase.pk, "seats": 40, "wanted_from": ""}
    data.update(change)
    response = staff_client.post(reverse("planner:reservation_add"), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not CapacityReservation.objects.exists()


def test_refused_reservation_keeps_what_was_typed(staff_client, phase, firm):
    data = {"firm_q": firm.short_name, "phase": phase.pk, "seats": 101, "wanted_from": "2026-09-01", "note": "扩编<b>"}
    html = staff_client.post(reverse("planner:reservation_add"), data).content.decode()
    assert f'<option value="{phase.pk}" selected>' in html
    assert 'name="seats" min="1" required value="101"' in html and 'value="2026-09-01"' in html
    assert 'value="扩编&lt;b&gt;"' in html and "扩编<b>" not in html


def test_change_and_cancel_reservation(staff_client, phase, firm, other_firm):
    r = services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=30, by=None)
    services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=other_firm, phase=phase, seats=60, by=None)
    url = reverse("planner:reservation_change", args=[r.pk])
    assert staff_client.post(url, {"seats": 40, "wanted_from": "", "note": "扩编"}).status_code == 302
    r.refresh_from_db()
    assert (r.seats, r.note) == (40, "扩编")
    response = staff_client.post(url, {"seats": 41, "note": ""}, follow=True)
    assert "将超出 1 席" in response.content.decode()
    r.refresh_from_db()
    assert r.seats == 40
    response = staff_client.post(reverse("planner:reservation_cancel", args=[r.pk]), follow=True)
    r.refresh_from_db()
    assert r.status == ReservationStatus.CANCELLED
    response = staff_client.post(reverse("planner:reservation_cancel", args=[r.pk]), follow=True)
    assert "只能取消有效的预留" in response.content.decode()


def test_convert_reservation_into_lease(staff_client, phase, firm):
    r = services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=12, by=None)
    data = {"floor": phase.floor.pk, "seats": 10, "start": "2026-04-01", "end": "2029-04-01", "rent_terms": "free_policy"}
    response = staff_client.post(reverse("planner:reservation_convert", args=[r.pk]), data, follow=True)
    lease = Lease.objects.get(firm=firm)
    assert lease.number in response.content.decode()
    assert LeaseSeat.objects.filter(lease=lease).count() == 10
    r.refresh_from_db()
    assert (r.seats, r.status, r.lease) == (2, ReservationStatus.ACTIVE, lease)


def test_convert_needs_enough_free_seats_and_a_phase_floor(staff_client, phase, firm, floor):
    r = services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=50, by=None)
    data = {"floor": phase.floor.pk, "seats": 31, "start": "2026-04-01", "end": "2029-04-01", "rent_terms": "free_policy"}
    response = staff_client.post(reverse("planner:reservation_convert", args=[r.pk]), data, follow=True)
    assert "只有 30 个空闲席位，不足 31 个" in response.content.decode()
    response = staff_client.post(reverse("planner:reservation_convert", args=[r.pk]), dict(data, floor=floor.pk, seats=5), follow=True)
    assert "楼层" in response.content.decode() and not Lease.objects.exists()
    response = staff_client.post(reverse("planner:reservation_convert", args=[r.pk]), dict(data, end="2026-01-01", seats=5), follow=True)
    assert "必须晚于开始日期" in response.content.decode()
    assert not Lease.objects.exists() and not LeaseSeat.objects.exists()


# --- firm autocomplete and leases -------------------------------------------------------------------


def test_firm_autocomplete_by_name_and_short_name(staff_client, firm, other_firm):
    exited = factories.FirmFactory(name="已退出平安测试公司", short_name="退出平安", status=FirmStatus.EXITED)
    url = reverse("firms:autocomplete")
    data = staff_client.get(url, {"q": "平安", "format": "json"}).json()["results"]
    assert [f["short_name"] for f in data] == ["平安金服"]
    data = staff_client.get(url, {"q": "迈睿中国（测试）", "format": "json"}).json()["results"]
    assert [f["id"] for f in data] == [other_firm.pk]
    html = staff_client.get(url, {"q": "平安"}).content.decode()
    assert f'data-firm-id="{firm.pk}"' in html and str(exited.pk) not in re.findall(r'data-firm-id="(\d+)"', html)
    assert "没有名称包含“zzz”的企业" in staff_client.get(url, {"q": "zzz"}).content.decode()
    assert f'<option value="{firm.name}">' in staff_client.get(url, {"q": "平安", "as": "datalist"}).content.decode()


def test_firm_leases_options(staff_client, firm, other_firm):
    mine = factories.make_lease(firm, start=JAN1, end=NEXT_JAN1)
    factories.make_lease(other_firm, start=JAN1, end=NEXT_JAN1)
    html = staff_client.get(reverse("planner:firm_leases"), {"firm": firm.pk}).content.decode()
    assert re.findall(r'<option value="(\d*)"', html) == ["", str(mine.pk)]
    assert 'data-start="2026-01-01"' in html
    assert re.findall(r'<option value="(\d*)"', staff_client.get(reverse("planner:firm_leases"), {"firm": "x"}).content.decode()) == [""]


def test_floor_action_converts_a_reservation_on_a_phase_floor(staff_client, phase, firm, other_firm):
    reservation = services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=5, by=None)
    floor = phase.floor
    page = staff_client.get(reverse("planner:floor", args=[floor.pk])).content.decode()
    assert f'<option value="{reservation.pk}">' in page
    picked = seats_of(floor, 1, 2, 3)
    response = allocate(staff_client, floor, picked, None, reservation=reservation.pk)
    assert response.status_code == 200, response.context["errors"]
    lease = Lease.objects.get(firm=firm)
    assert set(LeaseSeat.objects.filter(lease=lease).values_list("seat__code", flat=True)) == {s.code for s in picked}
    reservation.refresh_from_db()
    assert (reservation.seats, reservation.lease) == (2, lease)
    # More seats than the reservation holds: refused, nothing changed.
    response = allocate(staff_client, floor, seats_of(floor, 4, 5, 6), None, reservation=reservation.pk)
    assert response.status_code == 422 and "多于预留的 2 席" in response.context["errors"][0]
    assert LeaseSeat.objects.count() == 3


def test_reservation_choice_only_on_phase_floors(staff_client, floor, phase, firm):
    reservation = services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=5, by=None)
    assert 'name="reservation"' not in staff_client.get(reverse("planner:floor", args=[floor.pk])).content.decode()
    response = allocate(staff_client, floor, seats_of(floor, 1), None, reservation=reservation.pk)
    assert response.status_code == 422 and not LeaseSeat.objects.exists()


def test_reservation_actions_offer_that_phases_floors_with_free_seats(staff_client, phase, firm, floor, client, tenant):
    r = services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=20, by=None)
    factories.make_lease(firm, seats=list(phase.floor.seats.order_by("code")[:12]), start=JAN1, end=NEXT_JAN1)
    url = reverse("planner:reservation_actions", args=[r.pk])
    html = staff_client.get(url, {"on": "2026-06-01"}, HTTP_HX_REQUEST="true").content.decode()
    assert re.findall(r'<option value="(\d+)">', html) == [str(phase.floor.pk)]  # not zone C's floor
    assert "D-1-2F（空闲 18 席）" in html
    assert "<html" not in html and reverse("planner:reservation_change", args=[r.pk]) in html
    assert reverse("planner:reservation_convert", args=[r.pk]) in html and 'value="20"' in html
    page = staff_client.get(url, {"on": "2027-06-01"}).content.decode()  # without htmx: a page of its own
    assert "<html" in page and "（空闲 30 席）" in page and reverse("planner:zone_d") in page
    assert "HX-Request" in staff_client.get(url).headers["Vary"]  # a cache must not mix the fragment and the page
    client.force_login(tenant)
    assert client.get(url).status_code == 404
    services.reservation_cancel(reservation=r, by=None)
    assert staff_client.get(url).status_code == 404  # only active reservations have actions


def test_zone_d_board_rows_load_their_forms_on_demand(staff_client, phase, firm):
    r = services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=20, by=None)
    html = staff_client.get(reverse("planner:zone_d")).content.decode()
    assert f'hx-get="{reverse("planner:reservation_actions", args=[r.pk])}?on=' in html
    assert reverse("planner:reservation_change", args=[r.pk]) not in html


# --- firm pickers: suggestions and typed text agree (firms.matching) ----------------------------------


def test_firm_autocomplete_reads_the_pickers_own_field_name(staff_client, firm, other_firm):
    """htmx sends the input as it is named (firm_q): the suggestions must filter on it."""
    url = reverse("firms:autocomplete")
    html = staff_client.get(url, {"firm_q": "迈睿"}, **HTMX).content.decode()
    assert re.findall(r'data-firm-id="(\d+)"', html) == [str(other_firm.pk)]
    assert 'data-firm-label="迈睿中国"' in html


def test_firm_autocomplete_lists_every_match_ranked(staff_client):
    make = factories.FirmFactory
    first = make(name="360集团", short_name="360集团")
    demo = [make(name=f"演示外包{n:02d}（演示）", short_name=f"演示外包{n:02d}", name_en=f"Demo {n:02d}") for n in range(1, 26)]
    exact = make(name="演示科技有限公司", short_name="演示")
    data = staff_client.get(reverse("firms:autocomplete"), {"q": "演示", "format": "json"}).json()["results"]
    assert [f["id"] for f in data][0] == exact.pk and len(data) == 26
    assert first.pk not in [f["id"] for f in data]
    data = staff_client.get(reverse("firms:autocomplete"), {"q": "demo 0", "format": "json"}).json()["results"]
    assert {f["id"] for f in data} == {d.pk for d in demo[:9]}


def test_typed_text_of_one_firm_allocates_to_it_without_javascript(staff_client, floor, firm, other_firm):
    factories.FirmFactory(name="360集团", short_name="360集团")
    response = allocate(staff_client, floor, seats_of(floor, 1, 2), None, firm_q="迈睿")
    assert response.status_code == 200
    assert set(LeaseSeat.objects.values_list("lease__firm", flat=True)) == {other_firm.pk}


def test_ambiguous_typed_text_is_refused_with_the_candidates(staff_client, floor, firm):
    a = factories.FirmFactory(name="韵达速递", short_name="韵达速递")
    b = factories.FirmFactory(name="申通快递", short_name="申通快递", name_en="STO Express")
    factories.FirmFactory(name="韵达申通联合", short_name="韵通")
    response = allocate(staff_client, floor, seats_of(floor, 1, 2), None, firm_q="递")
    html = response.content.decode()
    assert response.status_code == 422
    assert "“递”对应多家企业" in html and a.short_name in html and b.short_name in html
    assert not LeaseSeat.objects.exists()


def test_picked_id_and_edited_text_that_disagree_are_refused(staff_client, floor, firm, other_firm):
    response = allocate(staff_client, floor, seats_of(floor, 1), firm, firm_q="迈睿")
    assert response.status_code == 422
    assert "与所选企业 平安金服 不符" in response.content.decode()
    assert not LeaseSeat.objects.exists()
    assert allocate(staff_client, floor, seats_of(floor, 1), firm, firm_q="平安金服").status_code == 200


def test_add_reservation_refuses_ambiguous_text_and_takes_the_picked_id(staff_client, phase, firm, other_firm):
    data = {"firm_q": "（测试）", "phase": phase.pk, "seats": 40, "wanted_from": ""}
    html = staff_client.post(reverse("planner:reservation_add"), data).content.decode()
    assert "“（测试）”对应多家企业" in html and "平安金服" in html and "迈睿中国" in html
    assert not CapacityReservation.objects.exists()
    data.update(firm=other_firm.pk, firm_q="迈睿中国")
    assert staff_client.post(reverse("planner:reservation_add"), data).status_code == 302
    assert CapacityReservation.objects.get().firm == other_firm


def test_firm_pickers_are_the_shared_combobox(staff_client, floor, phase):
    for url in (reverse("planner:floor", args=[floor.pk]), reverse("planner:zone_d")):
        html = staff_client.get(url).content.decode()
        assert "data-firm-picker" in html and 'type="hidden" name="firm"' in html and "js/firmpicker.js" in html
        assert f'hx-get="{reverse("firms:autocomplete")}"' in html
        assert "A firm picker" not in html  # the partial's comment stays in the template


# --- day-one details (issue 12 item 11) ------------------------------------------------------------------


def test_seat_carries_its_own_holding_dates_when_they_differ_from_its_lease(staff_client, floor, firm):
    lease = factories.make_lease(firm, seats=seats_of(floor, 1, 2, 3), start=JAN1, end=NEXT_JAN1)
    later = datetime.date(2026, 6, 1)
    services.seats_allocate(lease=lease, seats=seats_of(floor, 4), start=later, by=None)
    html = staff_client.get(reverse("planner:floor", args=[floor.pk]), {"on": "2026-07-01"}).content.decode()
    leases = json.loads(re.search(r'<script id="pl-leases" type="application/json">(.*?)</script>', html).group(1))
    assert leases[str(lease.pk)][2:] == ["2026-01-01", "2027-01-01"]
    assert re.search(r'data-seat-code="C-1-3F-0004"[^>]*data-s="2026-06-01" data-e="2027-01-01"', html)
    assert not re.search(r'data-seat-code="C-1-3F-0001"[^>]*data-s=', html)


def test_empty_floor_says_how_to_add_seats_and_hides_the_action_form(staff_client):
    empty = factories.FloorFactory()
    html = staff_client.get(reverse("planner:floor", args=[empty.pk])).content.decode()
    assert "本层还没有席位" in html and reverse("admin:zones_seat_import") in html
    assert 'id="pl-action"' not in html


def test_stack_labels_shorten_as_blocks_narrow():
    from parkops.planner.views import stack_label

    assert stack_label("迈睿中国", 300, 1000) == "迈睿中国 300"
    assert stack_label("迈睿中国", 100, 1000) == "迈睿… 100"
    assert stack_label("京阿唯", 40, 1000) == "40"
    assert stack_label("京阿唯", 10, 1000) == ""
    assert stack_label("", 500, 1000) == "500"


def test_favicon_is_linked_and_served(staff_client):
    assert 'rel="icon"' in staff_client.get(reverse("planner:overview")).content.decode()
    response = staff_client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith("favicon.svg")
