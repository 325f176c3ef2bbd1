"""The lease and headcount lists: filters, access and exports."""
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from parkops.leases import services
from tests import factories

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _today():
    """Read today when each test runs, not when the module is collected: a run may cross midnight (Asia/Shanghai)."""
    global TODAY
    TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def leases(floor, firm, other_firm):
    seats = list(floor.seats.order_by("code"))
    return {
        "soon": factories.make_lease(firm, seats=seats[:2], start=TODAY - 100 * DAY, end=TODAY + 20 * DAY, number="SOON"),
        "later": factories.make_lease(other_firm, seats=seats[2:5], start=TODAY - 10 * DAY, end=TODAY + 200 * DAY, number="LATER"),
        "past": factories.make_lease(other_firm, seats=seats[5:6], start=TODAY - 400 * DAY, end=TODAY - 30 * DAY, number="PAST"),
    }


def numbers(client, params, name="registers:lease_list"):
    table = client.get(reverse(name), params).context["table"]
    return sorted(str(r.record) for r in table.page.object_list)


@pytest.mark.parametrize("name", ["registers:lease_list", "registers:headcount_list"])
def test_lists_are_staff_only(client, firm, name):
    assert client.get(reverse(name)).status_code == 302
    client.force_login(factories.tenant_user(firm))
    assert client.get(reverse(name)).status_code == 404


def test_lease_list_filters(client, staff, leases, firm, floor):
    client.force_login(staff)
    assert numbers(client, {}) == ["LATER", "PAST", "SOON"]
    assert numbers(client, {"firm": firm.pk}) == ["SOON"]
    assert numbers(client, {"expiring_within": 30}) == ["SOON"]
    assert numbers(client, {"expiring_within": 365}) == ["LATER", "SOON"]
    assert numbers(client, {"start_from": (TODAY - 50 * DAY).isoformat()}) == ["LATER"]
    assert numbers(client, {"end_to": TODAY.isoformat()}) == ["PAST"]
    assert numbers(client, {"zone": floor.building.zone.pk}) == ["LATER", "PAST", "SOON"]
    assert numbers(client, {"zone": factories.ZoneFactory(code="A").pk}) == []


def test_lease_list_shows_seats_held_today(client, staff, leases):
    client.force_login(staff)
    rows = client.get(reverse("registers:lease_list"), {"sort": "number"}).context["table"].page.object_list
    assert [(r.record.number, r.record.seats_on) for r in rows] == [("LATER", 3), ("PAST", 0), ("SOON", 2)]


def test_headcount_list_filters_and_exports_neutralised(client, staff, firm, other_firm):
    month = TODAY.replace(day=1)
    services.headcount_report_submit(confirmation_reason="测试数据", firm=firm, month=month, headcount=10, note='=HYPERLINK("http://x","y")', by=None)
    services.headcount_report_submit(confirmation_reason="测试数据", firm=other_firm, month=month, headcount=20, note="@evil", by=None)
    client.force_login(staff)
    table = client.get(reverse("registers:headcount_list"), {"firm": other_firm.pk}).context["table"]
    assert [r.record.headcount for r in table.page.object_list] == [20]
    response = client.get(reverse("registers:headcount_list"), {"_export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    notes = sorted(row[-1] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert notes == ["'=HYPERLINK(\"http://x\",\"y\")", "'@evil"]
