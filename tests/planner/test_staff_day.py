"""A staff's day on the real park, in chromium, step by step (issue 12, "How it is tested").

The real park (the `real_park` fixture: `load_park` + `demo_users`, as `make demo`) is loaded once for this module
and stays committed, so each test sees what the earlier ones did: staff pick 韵达速递 by typing two characters and
lease it 30 seats for a period that starts in two weeks; see them leased on the start day, booked-from today and
outside the period highlight; release 5 from a later day and 5 dated before they start (listed, then removed once
confirmed); set a leased seat out of service (refused naming the lease, then with its holding ended); allocate
with "skip taken seats"; convert a zone-D reservation; a tenant reports headcount and files seat requests; staff
approve one and reject the other, and the tenant sees both. Every step is checked on screen and in the database.
Set PARKOPS_SCREENSHOT_DIR to keep screenshots.
"""
import datetime
import os
import re

from playwright.sync_api import expect
import pytest
from django.db.models import Q
from django.urls import reverse

from parkops.seed.management.commands import demo_users
from parkops.firms.models import Firm
from parkops.leases import selectors
from parkops.leases.choices import SeatRequestStatus
from parkops.leases.models import CapacityReservation, HeadcountReport, Lease, LeaseSeat, SeatRequest
from parkops.zones.models import Floor, SeatOutage, Zone
from tests.conftest import browser_login
from tests.planner.test_browser import _seat, floor_with_free_seats, select_seats, type_firm

pytestmark = pytest.mark.browser

STAFF_LOGIN = ("staff", demo_users.STAFF_PASSWORD)
MAJOREL_LOGIN = ("majorel", demo_users.FIRM_PASSWORD)
DAYS = datetime.timedelta(days=1)


def shot(page, name):
    folder = os.environ.get("PARKOPS_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, f"staffday-{name}.png"), full_page=True)


def refusals_only(page, status=422, path=""):
    """The console errors other than the refusals' own answers (chromium logs them as failed loads): the planner's
    422s, or the portal forms' 400s (status=400, path=the form's page)."""
    return [e for e in page.console_errors if not (f"status of {status}" in e and path in e)]


class Day:
    """What the steps share: the period, the floor and the seats leased to 韵达速递."""

    start = end = floor = codes = lease = None


DAY = Day()


def _floor_url(real_park, floor, on):
    return f"{real_park.url}{reverse('planner:floor', args=[floor.pk])}?on={on.isoformat()}"


def _act(page, action):
    page.check(f"#pl-action input[name=action][value={action}]")


def _submit(page, ok=True):
    page.click("#pl-action button[type=submit]")
    return page.wait_for_selector("#floor-live .pl-alert.ok" if ok else "#pl-error").text_content()


def test_allocate_a_period_see_it_booked_then_release(real_park_page, real_park):
    page, today = real_park_page, real_park.today
    DAY.start, DAY.end = today + 14 * DAYS, today + 200 * DAYS
    yunda = Firm.objects.get(short_name="韵达速递")
    # Free from today, so that today the seats are drawn booked from the start day.
    DAY.floor, seats = floor_with_free_seats(30, today, DAY.end)
    DAY.codes = codes = [s.code for s in seats]

    # 1. Type two characters, pick the firm, allocate 30 seats for [start, end).
    browser_login(page, real_park, *STAFF_LOGIN)
    page.goto(_floor_url(real_park, DAY.floor, DAY.start))
    select_seats(page, codes)
    suggestions = type_firm(page, "韵达")
    assert suggestions.evaluate_all("els => els.map(e => e.dataset.firmLabel)") == ["韵达速递"]
    suggestions.first.click()
    assert page.input_value("input[name=firm]") == str(yunda.pk)
    page.fill("#pl-action input[name=start]", DAY.start.isoformat())
    page.fill("#pl-action input[name=end]", DAY.end.isoformat())
    notice = _submit(page)
    assert "韵达速递" in notice and "30" in notice

    held = list(LeaseSeat.objects.filter(seat__code__in=codes, end__gt=today).select_related("lease__firm"))
    assert len(held) == 30 and {h.lease.firm_id for h in held} == {yunda.pk}
    assert {(h.start, h.end) for h in held} == {(DAY.start, DAY.end)}
    DAY.lease = held[0].lease
    assert len({h.lease_id for h in held}) == 1 and DAY.lease.start == DAY.start

    # 2. On the start day they are leased; today they are booked from the start day, with firm and start in the tooltip.
    assert {_seat(page, c).get_attribute("data-state") for c in codes} == {"leased"}
    page.goto(_floor_url(real_park, DAY.floor, today))
    assert {_seat(page, c).get_attribute("data-state") for c in codes} == {"booked"}
    _seat(page, codes[0]).hover()
    tip = page.text_content("#pl-tip")
    assert "韵达速递" in tip and DAY.start.isoformat() in tip and DAY.lease.number in tip
    summary = page.text_content(".pl-summary")
    booked_today = selectors.seat_states(DAY.floor, today)
    n_booked = sum(1 for s in booked_today if s.state == "booked")
    assert n_booked >= 30 and re.search(rf"已预订（之后起用）\s*{n_booked}\b", summary)
    # The legend lists firms holding seats today: the booked ones are not yet 韵达速递's seats here.
    legend = page.text_content(".pl-legend")
    assert "韵达速递" not in legend or yunda.pk in {s.firm_id for s in booked_today if s.state in ("leased", "expiring")}

    # The period highlight: seats free over [today, today+30) exclude the 30 booked from the start day.
    page.fill("#id_start", today.isoformat())
    page.fill("#id_end", (DAY.start + 16 * DAYS).isoformat())
    page.locator("#id_end").dispatch_event("change")
    free_over = selectors.seats_free_over(DAY.floor, today, DAY.start + 16 * DAYS)
    expect(page.locator("#pl-grid i.pf")).to_have_count(len(free_over))
    assert not set(codes) & set(free_over)
    assert not any("pf" in (_seat(page, c).get_attribute("class") or "") for c in codes)
    assert str(len(free_over)) in page.text_content("#pl-period")
    _seat(page, codes[0]).hover()
    shot(page, "booked-today")

    # 3. Release 5 from a later day within the period: those 5 holdings end on that day.
    page.goto(_floor_url(real_park, DAY.floor, DAY.start))
    released_on = DAY.start + 30 * DAYS
    select_seats(page, codes[:5])
    _act(page, "release")
    page.fill("#pl-action input[name=release_on]", released_on.isoformat())
    notice = _submit(page)
    assert "5" in notice and released_on.isoformat() in notice
    ends = dict(LeaseSeat.objects.filter(lease=DAY.lease).values_list("seat__code", "end"))
    assert {ends[c] for c in codes[:5]} == {released_on} and {ends[c] for c in codes[5:]} == {DAY.end}
    # Seen on the floor the day after: free again.
    page.goto(_floor_url(real_park, DAY.floor, released_on))
    assert {_seat(page, c).get_attribute("data-state") for c in codes[:5]} == {"free"}

    # A release dated before the holdings start lists them and removes nothing until confirmed.
    page.goto(_floor_url(real_park, DAY.floor, today))
    select_seats(page, codes[5:10])
    _act(page, "release")
    page.fill("#pl-action input[name=release_on]", today.isoformat())
    message = _submit(page, ok=False)
    assert "确认撤销尚未开始的占用" in message and f"自 {DAY.start.isoformat()} 起" in message and DAY.lease.number in message
    assert all(c in message for c in codes[5:10])
    assert LeaseSeat.objects.filter(lease=DAY.lease).count() == 30
    assert page.text_content("#pl-count") == "5"  # the selection stays for the second try
    shot(page, "release-before-start")
    page.check("#pl-action input[name=confirm_remove_future]")
    notice = _submit(page)
    assert "5" in notice
    assert not LeaseSeat.objects.filter(lease=DAY.lease, seat__code__in=codes[5:10]).exists()
    assert LeaseSeat.objects.filter(lease=DAY.lease).count() == 25
    assert {_seat(page, c).get_attribute("data-state") for c in codes[5:10]} == {"free"}
    assert {_seat(page, c).get_attribute("data-state") for c in codes[10:]} == {"booked"}
    assert refusals_only(page) == []


def test_out_of_service_on_a_leased_seat(real_park_page, real_park):
    page = real_park_page
    code = DAY.codes[10]
    effective = DAY.start + 60 * DAYS
    browser_login(page, real_park, *STAFF_LOGIN)
    page.goto(_floor_url(real_park, DAY.floor, DAY.start))
    select_seats(page, [code])
    _act(page, "out_of_service")
    assert page.is_visible("#pl-action input[name=end_holdings]")
    page.fill("#pl-action input[name=effective_on]", effective.isoformat())
    message = _submit(page, ok=False)
    assert code in message and DAY.lease.number in message and "韵达速递" in message and "同时结束占用" in message
    assert not SeatOutage.objects.filter(seat__code=code).exists()
    assert LeaseSeat.objects.get(lease=DAY.lease, seat__code=code).end == DAY.end

    page.check("#pl-action input[name=end_holdings]")
    notice = _submit(page)
    assert effective.isoformat() in notice
    assert LeaseSeat.objects.get(lease=DAY.lease, seat__code=code).end == effective
    outage = SeatOutage.objects.get(seat__code=code)
    assert outage.start == effective and outage.end is None
    # Held until the effective day, out of service from it.
    assert _seat(page, code).get_attribute("data-state") == "expiring"  # its holding now ends within the expiry window
    page.goto(_floor_url(real_park, DAY.floor, effective))
    assert _seat(page, code).get_attribute("data-state") == "out_of_service"
    assert refusals_only(page) == []


def test_allocate_skipping_taken_seats_lists_them(real_park_page, real_park):
    page = real_park_page
    taken = DAY.codes[11:14]
    free = selectors.seats_free_over(DAY.floor, DAY.start, DAY.end)[:4]
    assert len(free) == 4 and not set(free) & set(DAY.codes[10:])
    shentong = Firm.objects.get(short_name="申通快递")
    browser_login(page, real_park, *STAFF_LOGIN)
    page.goto(_floor_url(real_park, DAY.floor, DAY.start))
    select_seats(page, [*taken, *free])
    type_firm(page, "申通").first.click()
    assert page.input_value("input[name=firm]") == str(shentong.pk)
    page.fill("#pl-action input[name=start]", DAY.start.isoformat())
    page.fill("#pl-action input[name=end]", DAY.end.isoformat())
    # All or nothing by default: refused, nothing leased.
    message = _submit(page, ok=False)
    assert all(c in message for c in taken)
    page.check("#pl-action input[name=skip_taken]")
    notice = _submit(page)
    assert "跳过 3 个席位" in notice and all(c in notice for c in taken)
    # The skipped seats are listed one a line, each with why.
    lines = page.inner_text("#floor-live .pl-alert.ok").splitlines()
    assert [line.split(" ")[0] for line in lines[-3:]] == taken and all("韵达速递" in line for line in lines[-3:])
    shot(page, "skip-taken")
    lease = Lease.objects.filter(firm=shentong).order_by("-pk").first()
    assert set(LeaseSeat.objects.filter(lease=lease).values_list("seat__code", flat=True)) == set(free)
    assert set(LeaseSeat.objects.filter(seat__code__in=taken, end__gt=DAY.start).values_list("lease", flat=True)) == {DAY.lease.pk}
    assert {_seat(page, c).get_attribute("data-state") for c in free} == {"leased"}
    assert refusals_only(page) == []


def _phase_figures(page, phase_pk):
    section = page.locator(f"#phase-{phase_pk}")
    figures = dict(zip(section.locator(".pl-figures dt").all_inner_texts(), section.locator(".pl-figures dd").all_inner_texts()))
    committed = re.search(r"已承诺 ([\d,]+) 席", section.inner_text()).group(1)
    return {k: v.split(" ")[0].replace(",", "") for k, v in figures.items()}, int(committed.replace(",", ""))


def test_zone_d_conversion_keeps_the_phase_committed(real_park_page, real_park):
    page, today = real_park_page, real_park.today
    floor = Floor.objects.get(building__code="D-7", level=7)
    phase = floor.building.phase
    reservation = (
        CapacityReservation.objects.filter(phase=phase, status="active", seats__gte=10).select_related("firm").order_by("-seats").first()
    )
    assert reservation is not None, "the demo's phase 1 has an active reservation"
    before = next(c for c in selectors.phase_capacity(today) if c.phase.pk == phase.pk)
    n = 10
    browser_login(page, real_park, *STAFF_LOGIN)
    page.goto(real_park.url + reverse("planner:zone_d"))
    figures, committed = _phase_figures(page, phase.pk)
    assert committed == before.committed and int(figures["有效预留"]) == before.reserved

    row = page.locator(f"#phase-{phase.pk} tr", has_text=reservation.firm.short_name).filter(has=page.locator("details")).first
    row.locator("summary").click()
    form = row.locator("form.pl-convert")
    form.wait_for()
    widths = page.eval_on_selector_all(f"#phase-{phase.pk} table.pl-res th", "ths => ths.map(t => Math.round(t.getBoundingClientRect().width))")
    form.locator("select[name=floor]").select_option(str(floor.pk))
    form.locator("input[name=seats]").fill(str(n))
    form.locator("input[name=end]").fill((today + 365 * DAYS).isoformat())
    shot(page, "zone-d-convert-open")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".msg-success")
    assert reservation.firm.short_name in page.text_content(".msg-success")

    after = next(c for c in selectors.phase_capacity(today) if c.phase.pk == phase.pk)
    assert after.committed == before.committed
    assert after.reserved == before.reserved - n and after.leased == before.leased + n
    figures, committed = _phase_figures(page, phase.pk)
    assert committed == before.committed
    assert int(figures["有效预留"]) == before.reserved - n and int(figures["已分配席位"]) == before.leased + n
    assert LeaseSeat.objects.on(today).filter(lease__firm=reservation.firm, seat__floor=floor).count() >= n
    shot(page, "zone-d-after")
    # The columns keep their widths when a reservation's actions open (issue 12 item 11).
    assert widths and all(w > 0 for w in widths)
    assert page.console_errors == []


def test_a_tenant_reports_headcount_and_requests_seats(real_park_page, real_park):
    page, today = real_park_page, real_park.today
    majorel = Firm.objects.get(short_name="迈睿中国")
    seats = selectors.firm_allocation(majorel, today).seats
    month = today.replace(day=1)
    browser_login(page, real_park, *MAJOREL_LOGIN)
    page.goto(real_park.url + reverse("portal:headcount"))

    # A plausible figure is saved.
    page.fill("input[name=month]", month.strftime("%Y-%m"))
    page.fill("input[name=headcount]", str(max(seats - 3, 0)))
    page.click("form.portal-form button[type=submit]")
    page.wait_for_selector(".msg-success")
    assert HeadcountReport.objects.get(firm=majorel, month=month).headcount == max(seats - 3, 0)

    # An implausible one asks for a confirmation with a reason; nothing is saved until then.
    implausible = seats * 2 + 500
    page.fill("input[name=headcount]", str(implausible))
    page.click("form.portal-form button[type=submit]")
    page.wait_for_selector("input[name=confirm]")
    assert "确认" in page.inner_text("form.portal-form")
    assert HeadcountReport.objects.get(firm=majorel, month=month).headcount == max(seats - 3, 0)
    shot(page, "headcount-confirm")
    page.check("input[name=confirm]")
    page.fill("input[name=confirmation_reason]", "含外派驻场人员")
    page.click("form.portal-form button[type=submit]")
    page.wait_for_selector(".msg-success")
    report = HeadcountReport.objects.get(firm=majorel, month=month)
    assert report.headcount == implausible and report.confirmation_reason == "含外派驻场人员"

    # Two seat requests: staff approve one and reject the other in the next test.
    page.goto(real_park.url + reverse("portal:seat_request"))
    for n, reason in ((12, "新增客服团队"), (400, "扩招计划")):
        page.fill("input[name=seats]", str(n))
        page.fill("input[name=wanted_from]", (today + 30 * DAYS).isoformat())
        page.fill("textarea[name=reason]", reason)
        page.click("form.portal-form button[type=submit]")
        page.wait_for_selector(".msg-success")
    mine = SeatRequest.objects.filter(firm=majorel, status=SeatRequestStatus.OPEN, reason__in=["新增客服团队", "扩招计划"])
    assert sorted(mine.values_list("seats", flat=True)) == [12, 400]
    table = page.inner_text("table.requests")
    assert all(re.search(rf"#{r.pk}\t.*\t{r.seats}\t.*待处理", table) for r in mine)

    # Nothing of another firm on any of the tenant's pages.
    others = list(Firm.objects.exclude(pk=majorel.pk).values_list("short_name", flat=True))
    for name in ("portal:home", "portal:headcount", "portal:seat_request", "portal:members"):
        page.goto(real_park.url + reverse(name))
        text = page.content()
        assert not [o for o in others if o in text], name
    assert refusals_only(page, 400, reverse("portal:headcount")) == []  # the one asking for a confirmation


def test_staff_approve_one_request_and_reject_another_and_the_tenant_sees_both(real_park_page, real_park):
    page, today = real_park_page, real_park.today
    majorel = Firm.objects.get(short_name="迈睿中国")
    small = SeatRequest.objects.get(firm=majorel, reason="新增客服团队", status=SeatRequestStatus.OPEN)
    large = SeatRequest.objects.get(firm=majorel, reason="扩招计划", status=SeatRequestStatus.OPEN)
    before = selectors.firm_allocation(majorel, small.wanted_from).seats

    browser_login(page, real_park, *STAFF_LOGIN)
    page.goto(real_park.url + reverse("registers:seat_request_list"))
    page.click(f'table a[href="{reverse("registers:seat_request_decide", args=[small.pk])}"]')
    page.wait_for_selector("#allocate-form")
    assert "迈睿中国" in page.inner_text("main")
    page.select_option("#allocate-form select[name=allocate-zone]", value=str(Zone.objects.get(code="C").pk))
    page.fill("#allocate-form textarea[name=allocate-reason]", "同意")
    page.click("#allocate-form button[type=submit]")
    page.wait_for_selector(".msg-success")
    small.refresh_from_db()
    assert small.status == SeatRequestStatus.APPROVED and small.lease is not None
    assert LeaseSeat.objects.filter(lease=small.lease).count() == 12
    assert selectors.firm_allocation(majorel, small.wanted_from).seats == before + 12

    page.goto(real_park.url + reverse("registers:seat_request_decide", args=[large.pk]))
    page.fill("textarea[name=reject-decision_reason]", "本季度暂无整层空位")
    page.click("form.decide-form:has(input[value=reject]) button[type=submit]")
    page.wait_for_selector(".msg-success")
    large.refresh_from_db()
    assert large.status == SeatRequestStatus.REJECTED and large.decision_reason == "本季度暂无整层空位"
    assert large.lease is None

    # The tenant's side: both decisions, with the reason, and the new seats counted.
    page.context.clear_cookies()
    browser_login(page, real_park, *MAJOREL_LOGIN)
    page.goto(real_park.url + reverse("portal:seat_request"))
    table = page.inner_text("table.requests")
    assert "本季度暂无整层空位" in table and "同意" in table
    assert str(SeatRequestStatus.APPROVED.label) in table and str(SeatRequestStatus.REJECTED.label) in table
    shot(page, "tenant-requests")
    assert page.console_errors == []
