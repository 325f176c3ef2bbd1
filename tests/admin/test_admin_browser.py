"""The lease page in a real browser: firm and seat autocomplete (select2), an overlap shown on its row."""
import datetime

import pytest

from parkops.leases.models import Lease, LeaseSeat
from tests import factories
from tests.conftest import browser_login

JAN, NEXT_JAN = datetime.date(2026, 1, 1), datetime.date(2027, 1, 1)


def pick(page, select_id, text):
    """Choose `text` in the select2 autocomplete that replaces <select id=select_id>."""
    page.click(f"#{select_id} + .select2")
    page.fill(".select2-container--open .select2-search__field", text)
    page.click(f".select2-results__option:has-text('{text}')")


@pytest.mark.browser
def test_lease_with_seats_through_autocomplete(transactional_db, browser_page, live_server, floor, firm, other_firm):
    # A superuser rather than the group: transactional tests flush the migration-made groups.
    factories.UserFactory(username="bureau", is_staff=True, is_superuser=True)
    taken, free = floor.seats.order_by("code")[:2]
    factories.make_lease(other_firm, seats=[taken], start=JAN, end=NEXT_JAN)
    page = browser_page
    browser_login(page, live_server, "bureau")

    page.goto(live_server.url + "/admin/leases/lease/add/")
    pick(page, "id_firm", "平安金服")
    page.fill("#id_start", "2026-03-01")
    page.fill("#id_end", "2026-12-01")
    pick(page, "id_lease_seats-0-seat", taken.code)
    page.click("input[name=_save]")
    page.wait_for_load_state("networkidle")
    row_error = page.locator("#lease_seats-0 .errorlist").inner_text()
    assert taken.code in row_error and "迈睿中国" in row_error
    assert not Lease.objects.filter(firm=firm).exists()

    pick(page, "id_lease_seats-0-seat", free.code)
    page.click("input[name=_save]")
    page.wait_for_load_state("networkidle")
    assert "/admin/leases/lease/" in page.url and "add" not in page.url
    lease = Lease.objects.get(firm=firm)
    assert list(LeaseSeat.objects.filter(lease=lease).values_list("seat__code", flat=True)) == [free.code]
