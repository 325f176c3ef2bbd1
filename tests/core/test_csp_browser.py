"""The Content-Security-Policy (no inline script, no inline style) holds on the main pages in a real
browser: each page is opened as the role that uses it and the browser reports no violation, and the
layouts that used to be style attributes (the planner grid, the portal floor map, the meters) still
come out right (issue 13, finding 9)."""
import datetime

import pytest
from django.utils import timezone

from parkops.leases import services
from parkops.zones.models import Seat
from tests import factories
from tests.conftest import browser_login

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "") + " " + (e.sample || "") + " @" + location.pathname);
});
"""


def visit(page, live_server, path, violations):
    page.goto(live_server.url + path)
    page.wait_for_load_state("networkidle")
    violations += page.evaluate("window.__csp || []")
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_main_pages_raise_no_csp_violation(browser_page, live_server):
    page = browser_page
    world = factories.two_firm_world()
    floor = world.floor
    d_zone = factories.ZoneFactory(code="D", name="D区", declared_seats=0)
    factories.PhaseFactory(zone=d_zone, number=2, planned_capacity=500)
    staff = factories.staff_user("staff-csp")
    staff.set_password("pw-Parkops-2026")
    staff.save()
    bureau = factories.staff_user("bureau-csp", bureau=True)
    bureau.set_password("pw-Parkops-2026")
    bureau.save()
    tenant = world.admin
    tenant.set_password("pw-Parkops-2026")
    tenant.save()

    console = []
    page.on("console", lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.add_init_script(WATCH)
    violations = []

    browser_login(page, live_server, "staff-csp")
    for path in [
        "/", "/planner/", f"/planner/floor/{floor.pk}/", f"/planner/building/{floor.building_id}/stack/", "/planner/zone-d/",
        "/planner/search/?q=C-1", f"/planner/seat/{world.seats[0].pk}/history/",
        "/reports/", "/reports/occupancy/", "/reports/trends/", "/reports/expiry/", "/reports/forecast/",
        "/leases/", "/leases/headcount/", "/leases/requests/", f"/leases/requests/{world.request.pk}/decide/",
        "/firms/", "/zones/seats/", "/no-such-page/",
    ]:
        visit(page, live_server, path, violations)
    # The planner grid's columns and spacers are classes now: ten seat columns, seats where they belong.
    visit(page, live_server, f"/planner/floor/{floor.pk}/", violations)
    columns = page.evaluate("getComputedStyle(document.getElementById('pl-grid')).gridTemplateColumns.split(' ').length")
    assert columns == 10
    page.click(f"[data-seat-code='{world.seats[12].code}']")
    page.wait_for_load_state("networkidle")
    violations += page.evaluate("window.__csp || []")
    page.click("form.inline button[type=submit]")  # log out
    page.wait_for_load_state("networkidle")

    browser_login(page, live_server, "bureau-csp")
    for path in ["/admin/", "/admin/leases/lease/", f"/admin/leases/lease/{world.lease.pk}/change/", "/admin/firms/firm/",
                 "/admin/firms/firm/add/", "/admin/zones/seat/", "/admin/leases/lease/import/", "/admin/firms/firm/export/",
                 "/admin/leases/seatrequest/", "/admin/leases/headcountreport/"]:
        visit(page, live_server, path, violations)
    # The export page's "select all" box still works, bound from static/js/admin_export.js.
    visit(page, live_server, "/admin/firms/firm/export/", violations)
    if page.locator(".select-toggle").count():
        page.uncheck(".select-toggle")
        assert page.evaluate("[...document.querySelectorAll('.selectable-field-export-row input[type=checkbox]')].every(b => !b.checked)")
    page.context.clear_cookies()

    browser_login(page, live_server, tenant.username)
    for path in ["/portal/", f"/portal/floor/{floor.pk}/", "/portal/headcount/", "/portal/requests/", "/portal/members/"]:
        visit(page, live_server, path, violations)
    # The portal floor map places each seat by class: the first own seat is on row 1, column 1.
    visit(page, live_server, f"/portal/floor/{floor.pk}/", violations)
    first = page.evaluate("(() => { const s = getComputedStyle(document.querySelector('.floormap .seat')); return [s.gridRowStart, s.gridColumnStart]; })()")
    assert first == ["1", "1"]
    # The language switch still submits on change, from static/js/site.js.
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.lang") == "en"
    violations += page.evaluate("window.__csp || []")

    page.context.clear_cookies()
    visit(page, live_server, "/accounts/login/", violations)

    assert violations == [], violations
    assert console == [], console
