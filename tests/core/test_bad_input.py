"""Bad input answers a clear message, never a server error, and changes nothing (issue 13, findings 4
and 5): one product-wide date range (parkops/core/dates.py) for every date a form or query string
accepts, control characters refused at the door (parkops/core/middleware.py), and XLSX exports that
survive any stored text."""
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from parkops.core.dates import EARLIEST, LATEST
from parkops.leases import services
from parkops.leases.models import HeadcountReport, Lease, LeaseSeat, SeatRequest
from tests import factories

pytestmark = pytest.mark.django_db
RANGE = f"{EARLIEST.isoformat()} 至 {LATEST.isoformat()}"


@pytest.fixture
def tenant(firm):
    return factories.tenant_user(firm, "tenant-admin")


@pytest.fixture
def stored_request(firm, floor):
    """A request stored with the last day of the calendar (written before the range was enforced)."""
    return SeatRequest.objects.create(firm=firm, seats=3, wanted_from=datetime.date(9999, 12, 31), reason="扩编")


def test_decide_page_of_a_request_wanted_from_year_9999_renders(client, staff, stored_request):
    client.force_login(staff)
    response = client.get(reverse("registers:seat_request_decide", args=[stored_request.pk]))
    assert response.status_code == 200
    initial = response.context["allocate_form"].initial
    assert EARLIEST <= initial["start"] <= initial["end"] <= LATEST


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"])
def test_tenant_request_outside_the_range_is_refused(client, tenant, day):
    client.force_login(tenant)
    response = client.post(reverse("portal:seat_request"), {"seats": 3, "wanted_from": day, "reason": "扩编"})
    assert response.status_code == 400  # the portal's forms answer 400 with the form and its errors
    assert RANGE in response.content.decode()
    assert not SeatRequest.objects.exists()


@pytest.mark.parametrize("page,day", [("reports:expiry", "9999-12-31"), ("reports:forecast", "9999-12-31"),
                                      ("reports:trends", "0001-01-01"), ("reports:occupancy", "0001-01-01"),
                                      ("reports:dashboard", "9999-12-31")])
def test_report_pages_refuse_dates_outside_the_range(client, staff, floor, page, day):
    client.force_login(staff)
    response = client.get(reverse(page), {"on": day})
    assert response.status_code == 200
    form = response.context.get("form")
    if form is not None:
        assert RANGE in " ".join(form.errors.get("on", []))


@pytest.mark.parametrize("start,end", [("0001-01-01", "2027-01-01"), ("2026-01-01", "9999-12-01")])
def test_decide_allocate_refuses_dates_outside_the_range(client, staff, firm, floor, start, end):
    req = services.seat_request_create(firm=firm, seats=2, wanted_from=timezone.localdate(), reason="扩编", by=None)
    client.force_login(staff)
    before = (Lease.objects.count(), LeaseSeat.objects.count())
    response = client.post(
        reverse("registers:seat_request_decide", args=[req.pk]),
        {"action": "allocate", "allocate-floor": floor.pk, "allocate-seats": 2, "allocate-start": start,
         "allocate-end": end, "allocate-rent_terms": "free_policy", "allocate-monthly_rate": "0"},
    )
    assert response.status_code == 200
    assert RANGE in response.content.decode()
    assert (Lease.objects.count(), LeaseSeat.objects.count()) == before


def test_headcount_month_0001_is_refused(client, tenant):
    client.force_login(tenant)
    response = client.post(reverse("portal:headcount"), {"month": "0001-01", "headcount": 10})
    assert response.status_code == 400
    assert "2000-01 至 2100-12" in response.content.decode()
    assert not HeadcountReport.objects.exists()


def test_list_filters_refuse_dates_outside_the_range(client, staff):
    client.force_login(staff)
    for name, params in [("registers:lease_list", {"end_to": "9999-12-31"}), ("registers:headcount_list", {"month_from": "0001-01-01"}),
                         ("registers:seat_request_list", {"wanted_from_after": "9999-12-31"}), ("registers:firm_list", {"signed_after": "0001-01-01"})]:
        assert client.get(reverse(name), params).status_code == 200, name


# --- control characters ---------------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1f", "\x7f", "\x0b"])
def test_control_characters_in_query_strings_answer_400(client, staff, floor, char):
    client.force_login(staff)
    for url, params in [
        (reverse("planner:seat_history_lookup"), {"code": f"C-1{char}"}),
        (reverse("firms:autocomplete"), {"q": f"平安{char}"}),
        (reverse("admin:firms_firm_changelist"), {"q": f"平安{char}"}),
        (reverse("admin:leases_lease_changelist"), {"status": f"active{char}"}),
        (reverse("admin:leases_lease_changelist"), {f"end__gte{char}": "2026-01-01"}),
    ]:
        response = client.get(url, params)
        assert response.status_code == 400, url
        assert "控制字符" in response.content.decode()


def test_control_characters_in_a_form_answer_400_and_change_nothing(client, tenant):
    client.force_login(tenant)
    response = client.post(reverse("portal:seat_request"), {"seats": 3, "wanted_from": timezone.localdate().isoformat(), "reason": "need\x00seats"})
    assert response.status_code == 400 and "控制字符" in response.content.decode()
    assert not SeatRequest.objects.exists()


def test_tab_and_newlines_are_still_accepted(client, tenant):
    client.force_login(tenant)
    reason = "第一行\r\n第二行\t缩进"
    response = client.post(reverse("portal:seat_request"), {"seats": 3, "wanted_from": timezone.localdate().isoformat(), "reason": reason})
    assert response.status_code in (200, 302)
    assert SeatRequest.objects.get().reason.replace("\r\n", "\n") == reason.replace("\r\n", "\n")


# --- finding 5: staff XLSX exports survive stored control characters --------------------------------


def test_staff_xlsx_exports_survive_control_characters_in_stored_text(client, staff, firm):
    SeatRequest.objects.create(firm=firm, seats=3, wanted_from=timezone.localdate(), reason="need\x01seats")
    HeadcountReport.objects.create(firm=firm, month=datetime.date(2026, 1, 1), headcount=5, note="n\x0bote")
    client.force_login(staff)
    for name, expected in [("registers:seat_request_list", "need\ufffdseats"), ("registers:headcount_list", "n\ufffdote")]:
        response = client.get(reverse(name), {"_export": "xlsx"})
        assert response.status_code == 200, name
        body = b"".join(response.streaming_content) if response.streaming else response.content
        cells = [c for row in openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True) for c in row]
        assert expected in cells, (name, cells)


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_a_user_name_longer_than_the_column_is_refused_by_the_login_form(client, url):
    """django-axes stores a failed login's user name in 255 characters: on PostgreSQL a longer one was a 500."""
    response = client.post(url, {"username": "长" * 10_000, "password": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors
