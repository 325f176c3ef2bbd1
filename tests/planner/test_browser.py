"""The floor planner in a real browser: drag-select, allocate without a reload, then a refused conflict.

Set PARKOPS_SCREENSHOT_DIR to keep screenshots of the overview, the floor and the zone-D board.
"""
import datetime
import os

import pytest
from django.urls import reverse
from django.utils import timezone

from parkops.leases import services
from parkops.leases.models import Lease, LeaseSeat
from tests import factories
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("role_groups")]


def _seat(page, code):
    return page.locator(f'#pl-grid [data-seat-code="{code}"]')


def _drag(page, from_code, to_code):
    """Drag a rectangle from the centre of one seat to the centre of another."""
    a = _seat(page, from_code).bounding_box()
    b = _seat(page, to_code).bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=8)
    page.mouse.up()


def _pick_firm(page, typed, short_name):
    page.fill("#pl-firm-q", typed)
    page.locator(f'#pl-firm-options button[data-firm-label="{short_name}"]').click()


def _codes(floor, rows, cols, width=10):
    return {f"{floor.building.code}-{floor.level}F-{r * width + c + 1:04d}" for r in rows for c in cols}


def test_drag_select_allocate_then_conflict(browser_page, live_server):
    page = browser_page
    factories.staff_user("staff")
    zone = factories.ZoneFactory(code="C", name="C区")
    floor = factories.make_floor(60, building=factories.BuildingFactory(zone=zone, code="C-1"), level=3, cols=10)
    firm = factories.FirmFactory(name="平安金服（测试）有限公司", short_name="平安金服")
    other = factories.FirmFactory(name="迈睿中国（测试）有限公司", short_name="迈睿中国")
    today = timezone.localdate()
    end = today + datetime.timedelta(days=365)

    browser_login(page, live_server, "staff")
    page.goto(f"{live_server.url}{reverse('planner:floor', args=[floor.pk])}?on={today.isoformat()}")
    page.evaluate("window.__noReload = 'still here'")

    # Rows 0-2, columns 0-3: a block of 12 free seats.
    block = _codes(floor, range(0, 3), range(0, 4))
    _drag(page, "C-1-3F-0001", "C-1-3F-0024")
    assert page.text_content("#pl-count") == "12"
    assert set(page.eval_on_selector_all("#pl-grid i.sel", "els => els.map(e => e.dataset.seatCode)")) == block
    assert all(_seat(page, c).get_attribute("data-state") == "free" for c in block)

    _pick_firm(page, "平安", "平安金服")
    page.fill("input[name=end]", end.isoformat())
    page.click("#pl-action button[type=submit]")
    page.wait_for_selector("#floor-live .pl-alert.ok")

    assert page.evaluate("window.__noReload") == "still here"
    assert {c for c in block if _seat(page, c).get_attribute("data-state") == "leased"} == block
    assert _seat(page, "C-1-3F-0005").get_attribute("data-state") == "free"
    assert page.text_content("#pl-count") == "0"
    held = LeaseSeat.objects.filter(lease__firm=firm).select_related("seat")
    assert {h.seat.code for h in held} == block
    assert {(h.start, h.end) for h in held} == {(today, end)}

    # Rows 1-3, columns 2-5 overlap the first block on 4 seats.
    _drag(page, "C-1-3F-0013", "C-1-3F-0036")
    assert page.text_content("#pl-count") == "12"
    _pick_firm(page, "迈睿", "迈睿中国")
    page.fill("input[name=end]", end.isoformat())
    page.click("#pl-action button[type=submit]")
    error = page.wait_for_selector("#pl-error")
    message = error.text_content()
    for code in ("C-1-3F-0013", "C-1-3F-0014", "C-1-3F-0023", "C-1-3F-0024"):
        assert code in message
    assert today.isoformat() in message and "平安金服" in message
    assert page.evaluate("window.__noReload") == "still here"
    assert page.text_content("#pl-count") == "12"  # the selection stays for a second try
    assert not Lease.objects.filter(firm=other).exists()
    assert LeaseSeat.objects.count() == 12
    assert _seat(page, "C-1-3F-0036").get_attribute("data-state") == "free"


def test_keyboard_and_click_selection(browser_page, live_server):
    page = browser_page
    factories.staff_user("staff")
    floor = factories.make_floor(30, building=factories.BuildingFactory(code="C-2"), level=1, cols=10)
    browser_login(page, live_server, "staff")
    page.goto(f"{live_server.url}{reverse('planner:floor', args=[floor.pk])}")

    _seat(page, "C-2-1F-0003").click()
    _seat(page, "C-2-1F-0007").click(modifiers=["Shift"])
    assert page.text_content("#pl-count") == "5"
    _seat(page, "C-2-1F-0005").click(modifiers=["Control"])
    assert page.text_content("#pl-count") == "4"
    page.keyboard.press("ArrowDown")  # focus moves to the seat below 0005
    page.keyboard.press("Enter")
    assert _seat(page, "C-2-1F-0015").get_attribute("aria-selected") == "true"
    page.keyboard.press("Space")
    assert page.text_content("#pl-count") == "4"
    assert page.is_visible("#pl-tip")
    page.keyboard.press("Escape")
    assert page.text_content("#pl-count") == "0"
    assert page.input_value("input[name=seats]") == ""


def _demo_park():
    """A small park shaped like the real one, for screenshots."""
    firms = [
        factories.FirmFactory(name=f"{n}（演示）有限公司", short_name=n)
        for n in ["平安金服", "迈睿中国", "京阿唯", "大宇宙", "韵达速递", "知道创宇"]
    ]
    start, end = datetime.date(2025, 1, 1), timezone.localdate() + datetime.timedelta(days=400)
    soon = timezone.localdate() + datetime.timedelta(days=30)
    floors = []
    for code, seats in (("A", 2), ("B", 2), ("C", 3)):
        zone = factories.ZoneFactory(code=code, name=f"{code}区", declared_seats=1800)
        building = factories.BuildingFactory(zone=zone, code=f"{code}-1", name=f"{code}区1号楼")
        for level in range(1, seats + 1):
            floors.append(factories.make_floor(160, building=building, level=level, cols=20))
    for i, floor in enumerate(floors):
        seats = list(floor.seats.order_by("code"))
        a, b = firms[i % 6], firms[(i + 2) % 6]
        factories.make_lease(a, seats=seats[:64], start=start, end=end)
        factories.make_lease(b, seats=seats[80:120], start=start, end=soon)
        services.seats_set_condition(seats=seats[150:154], condition="out_of_service", on=datetime.date(2020, 1, 1), by=None)
    zone_d = factories.ZoneFactory(code="D", name="D区", declared_seats=0, status="under_construction")
    for n, cap in ((1, 35000), (2, 20000), (3, 20000), (4, 25000)):
        phase = factories.PhaseFactory(zone=zone_d, number=n, planned_capacity=cap, name=f"D区{n}期")
        for j, firm in enumerate(firms[: n + 2]):
            services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=cap // (n + 2) if n == 2 else 900 + 300 * j)
    return floors[-1]


def test_screenshots(browser_page, live_server):
    """Render the three main screens in Chinese and keep them when PARKOPS_SCREENSHOT_DIR is set."""
    page = browser_page
    factories.staff_user("staff")
    floor = _demo_park()
    browser_login(page, live_server, "staff")
    target = os.environ.get("PARKOPS_SCREENSHOT_DIR")
    for name, url in (
        ("overview", reverse("planner:overview")),
        ("floor", reverse("planner:floor", args=[floor.pk])),
        ("zone_d", reverse("planner:zone_d")),
    ):
        page.goto(live_server.url + url)
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        if name == "floor":
            _drag(page, "C-1-3F-0070", "C-1-3F-0116")
            _seat(page, "C-1-3F-0090").hover()
        if target:
            page.screenshot(path=os.path.join(target, f"planner-{name}.png"), full_page=True)
    # The same screens in English, chosen by the language cookie that the language switcher sets.
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    for name, url, expected in (
        ("floor-en", reverse("planner:floor", args=[floor.pk]), "With the selected seats"),
        ("stack-en", reverse("planner:building_stack", args=[floor.building_id]), "stacking plan"),
        ("zone_d-en", reverse("planner:zone_d"), "Zone D capacity board"),
    ):
        page.goto(live_server.url + url)
        assert expected in page.text_content("main")
        if target:
            page.screenshot(path=os.path.join(target, f"planner-{name}.png"), full_page=True)


def test_period_highlight_and_booked_seat_tooltip(browser_page, live_server):
    """Issue 12 item 3: staff type a period and see the seats free for all of it before allocating; a seat held
    from a later day is drawn booked, with its firm and start in the tooltip."""
    page = browser_page
    factories.staff_user("staff")
    zone = factories.ZoneFactory(code="C", name="C区")
    floor = factories.make_floor(20, building=factories.BuildingFactory(zone=zone, code="C-1"), level=3, cols=10)
    firm = factories.FirmFactory(name="平安金服（测试）有限公司", short_name="平安金服")
    today = timezone.localdate()
    later = today + datetime.timedelta(days=20)
    seats = list(floor.seats.order_by("code"))
    factories.make_lease(firm, seats=seats[:2], start=later, end=later + datetime.timedelta(days=90))

    browser_login(page, live_server, "staff")
    page.goto(f"{live_server.url}{reverse('planner:floor', args=[floor.pk])}?on={today.isoformat()}")
    assert _seat(page, "C-1-3F-0001").get_attribute("data-state") == "booked"
    _seat(page, "C-1-3F-0001").hover()
    tip = page.text_content("#pl-tip")
    assert "平安金服" in tip and later.isoformat() in tip
    page.fill("#id_start", today.isoformat())
    page.fill("#id_end", (today + datetime.timedelta(days=60)).isoformat())
    page.locator("#id_end").dispatch_event("change")
    page.wait_for_function("document.querySelectorAll('#pl-grid i.pf').length === 18")
    assert "pf" not in (_seat(page, "C-1-3F-0001").get_attribute("class") or "")
    assert "18" in page.text_content("#pl-period")
    # A period that ends before the booking starts: every seat is free for all of it.
    page.fill("#id_end", later.isoformat())
    page.locator("#id_end").dispatch_event("change")
    page.wait_for_function("document.querySelectorAll('#pl-grid i.pf').length === 20")
