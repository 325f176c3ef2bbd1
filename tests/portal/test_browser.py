"""The portal in a real browser: a firm user sees its seats, reports headcount and asks for seats;
staff approve by allocating seats; the firm sees them. Set PARKOPS_SCREENSHOT_DIR to keep screenshots."""
import datetime
import os

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from parkops.core.access import PARK_STAFF
from parkops.firms.choices import MemberRole
from parkops.leases import services
from parkops.leases.choices import SeatRequestStatus
from parkops.leases.models import HeadcountReport, SeatRequest
from parkops.zones.models import Seat
from tests import factories
from tests.conftest import browser_login


def shot(page, name):
    folder = os.environ.get("PARKOPS_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, f"portal-{name}.png"), full_page=True)


def logout(page):
    page.click("form.inline button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_firm_reports_and_requests_staff_allocates_firm_sees_seats(browser_page, live_server):
    page, today = browser_page, timezone.localdate()
    floor = factories.zone_c_floor()
    firm, other = factories.pingan(), factories.majorel()
    seats = list(Seat.objects.filter(floor=floor).order_by("row", "col"))
    end = today + datetime.timedelta(days=365)
    services.lease_create(firm=firm, start=today - datetime.timedelta(days=1), end=end, seats=seats[:5], number="NJ-PA-01", by=None)
    services.lease_create(firm=other, start=today - datetime.timedelta(days=1), end=end, seats=seats[5:12], number="NJ-MR-01", by=None)
    factories.tenant_user(firm, "pingan", role=MemberRole.ADMIN)
    staff = factories.UserFactory(username="staff", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name=PARK_STAFF)[0])

    # The firm user logs in and lands on its portal, then opens its floor.
    browser_login(page, live_server, "pingan")
    assert page.url.endswith("/portal/")
    assert page.inner_text("[data-testid=seat-total]") == "5"
    shot(page, "home")
    page.click("text=查看楼层图")
    assert page.locator(".floormap .seat.own").count() == 5
    assert page.locator(".floormap .seat.occupied").count() == 7
    assert "迈睿中国" not in page.content() and "NJ-MR-01" not in page.content()
    shot(page, "floor")

    # Headcount: a bad value first, then the real one.
    page.click(".portalnav >> text=在岗人数")
    page.fill("input[name=month]", f"{today:%Y-%m}")
    page.fill("input[name=headcount]", "-4")
    page.click("form.portal-form button[type=submit]")
    assert "在岗人数不能为负数" in page.content()
    page.fill("input[name=headcount]", "8")
    page.click("form.portal-form button[type=submit]")
    page.wait_for_selector(".msg-success")
    assert HeadcountReport.objects.get(firm=firm).headcount == 8
    shot(page, "headcount")
    page.click(".portalnav >> text=席位明细")
    assert page.locator("table.data tbody tr").count() == 5
    shot(page, "seats")
    page.click(".portalnav >> text=企业用户")
    assert "pingan" in page.inner_text("table.data")
    shot(page, "members")

    # A seat request for 4 more seats in zone C.
    page.click(".portalnav >> text=席位申请")
    page.fill("input[name=seats]", "4")
    page.select_option("select[name=zone_preference]", str(floor.building.zone_id))
    page.fill("input[name=wanted_from]", today.isoformat())
    page.fill("textarea[name=reason]", "新增呼叫中心业务线")
    page.click("form.portal-form button[type=submit]")
    page.wait_for_selector(".msg-success")
    assert "待处理" in page.inner_text("table.requests")
    shot(page, "seat-request")
    request = SeatRequest.objects.get(firm=firm)

    # Staff approve it by allocating 4 seats on the floor with the direct allocate form.
    logout(page)
    browser_login(page, live_server, "staff")
    page.goto(live_server.url + "/leases/requests/")
    shot(page, "queue")
    page.click(f"table >> a[href='/leases/requests/{request.pk}/decide/']")
    page.select_option("select[name=allocate-floor]", str(floor.pk))
    shot(page, "decide")
    page.click("#allocate-form button[type=submit]")
    page.wait_for_selector(".msg-success")
    request.refresh_from_db()
    assert request.status == SeatRequestStatus.APPROVED

    # The firm sees its new seats.
    logout(page)
    browser_login(page, live_server, "pingan")
    assert page.inner_text("[data-testid=seat-total]") == "9"
    assert "已批准" in page.inner_text("table.requests")
    page.click("text=查看楼层图")
    assert page.locator(".floormap .seat.own").count() == 9
    shot(page, "floor-after")

    # The same pages in English.
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert "Your seats" in page.inner_text(".legend")
    page.click(".portalnav >> text=Overview")
    assert "Current seats" in page.content() and "Seats by zone, building and floor" in page.content()
    shot(page, "home-en")
