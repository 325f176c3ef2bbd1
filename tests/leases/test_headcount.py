"""headcount_report_submit: plausibility limits (twice the seats held in the month, 12 months back) and their
confirmation; staff screens flag confirmed reports."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from parkops.leases import services
from parkops.leases.models import HeadcountReport
from parkops.zones.models import Seat
from tests.factories import make_lease

pytestmark = pytest.mark.django_db


def _month(n_back: int) -> dt.date:
    """The first day of the month n months before this one."""
    today = timezone.localdate()
    months = today.year * 12 + today.month - 1 - n_back
    return dt.date(months // 12, months % 12 + 1, 1)


@pytest.fixture
def ten_seats(floor, firm):
    """The firm holds 10 seats from well before 13 months ago to well after today."""
    seats = list(Seat.objects.filter(floor=floor).order_by("code")[:10])
    today = timezone.localdate()
    return make_lease(firm, seats=seats, start=today - dt.timedelta(days=500), end=today + dt.timedelta(days=400))


def test_up_to_twice_the_seats_is_saved_without_confirmation(firm, ten_seats):
    report = services.headcount_report_submit(firm=firm, month=_month(0), headcount=20, by=None)
    assert (report.headcount, report.confirmation_reason) == (20, "")


def test_above_twice_the_seats_is_refused_naming_figure_and_limit(firm, ten_seats):
    with pytest.raises(ValidationError) as exc:
        services.headcount_report_submit(firm=firm, month=_month(0), headcount=21, by=None)
    (message,) = exc.value.message_dict["confirmation_reason"]
    assert "21" in message and "10 席" in message and "上限 20 人" in message
    assert not HeadcountReport.objects.exists()


def test_the_issue_example_50000_on_1200_seats_needs_a_reason(firm, ten_seats):
    with pytest.raises(ValidationError, match="上限 20 人"):
        services.headcount_report_submit(firm=firm, month=_month(0), headcount=50_000, by=None)
    report = services.headcount_report_submit(firm=firm, month=_month(0), headcount=50_000, confirmation_reason="含外包驻场", by=None)
    assert report.confirmation_reason == "含外包驻场"
    assert report.history.first().confirmation_reason == "含外包驻场"


def test_a_firm_without_seats_in_the_month_needs_a_reason_for_any_headcount(firm):
    with pytest.raises(ValidationError, match="所租席位 0 席"):
        services.headcount_report_submit(firm=firm, month=_month(0), headcount=1, by=None)
    assert services.headcount_report_submit(firm=firm, month=_month(0), headcount=0, by=None).confirmation_reason == ""


def test_seats_held_at_any_time_in_the_month_count(floor, firm):
    # 10 seats from the 20th of the month only: a report of 20 for that month is plausible.
    month = _month(1)
    seats = list(Seat.objects.filter(floor=floor).order_by("code")[:10])
    make_lease(firm, seats=seats, start=month.replace(day=20), end=month + dt.timedelta(days=200))
    assert services.headcount_report_submit(firm=firm, month=month, headcount=20, by=None).confirmation_reason == ""
    # ... but the month before, when it held none, is not.
    with pytest.raises(ValidationError, match="所租席位 0 席"):
        services.headcount_report_submit(firm=firm, month=_month(2), headcount=20, by=None)


def test_a_holding_ending_on_the_first_of_the_month_does_not_count(floor, firm):
    # Half-open: a holding that ends on the 1st held nothing in that month.
    month = _month(1)
    seats = list(Seat.objects.filter(floor=floor).order_by("code")[:10])
    make_lease(firm, seats=seats, start=month - dt.timedelta(days=60), end=month)
    with pytest.raises(ValidationError, match="所租席位 0 席"):
        services.headcount_report_submit(firm=firm, month=month, headcount=5, by=None)
    assert services.headcount_report_submit(firm=firm, month=_month(2), headcount=5, by=None).confirmation_reason == ""


def test_twelve_months_back_is_fine_thirteen_needs_a_reason(firm, ten_seats):
    assert services.headcount_report_submit(firm=firm, month=_month(12), headcount=10, by=None).confirmation_reason == ""
    with pytest.raises(ValidationError) as exc:
        services.headcount_report_submit(firm=firm, month=_month(13), headcount=10, by=None)
    (message,) = exc.value.message_dict["confirmation_reason"]
    assert _month(13).strftime("%Y-%m") in message and _month(12).strftime("%Y-%m") in message
    report = services.headcount_report_submit(firm=firm, month=_month(13), headcount=10, confirmation_reason="补报", by=None)
    assert report.confirmation_reason == "补报"


def test_a_plausible_correction_clears_the_flag_and_history_keeps_it(firm, ten_seats):
    first = services.headcount_report_submit(firm=firm, month=_month(0), headcount=90, confirmation_reason="含驻场", by=None)
    again = services.headcount_report_submit(firm=firm, month=_month(0), headcount=18, confirmation_reason="无需", by=None)
    assert again.pk == first.pk and again.confirmation_reason == ""
    assert list(again.history.order_by("history_date").values_list("headcount", "confirmation_reason")) == [
        (90, "含驻场"), (18, ""),
    ]


def test_submit_runs_the_same_queries_for_few_and_many_seats(floor, firm, other_firm, django_assert_num_queries):
    seats = list(Seat.objects.filter(floor=floor).order_by("code"))
    today = timezone.localdate()
    make_lease(firm, seats=seats[:2], start=today - dt.timedelta(days=40), end=today + dt.timedelta(days=40))
    make_lease(other_firm, seats=seats[2:], start=today - dt.timedelta(days=40), end=today + dt.timedelta(days=40))
    counts = []
    for f in (firm, other_firm):
        with django_assert_num_queries(9) as captured:  # 9: the allocation version's bump first (core/versioning.py)
            services.headcount_report_submit(firm=f, month=_month(0), headcount=3, by=None)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_staff_register_and_admin_flag_confirmed_reports(client, staff, bureau_admin, firm, other_firm, ten_seats):
    services.headcount_report_submit(firm=firm, month=_month(0), headcount=50_000, confirmation_reason="含外包驻场", by=None)
    services.headcount_report_submit(firm=other_firm, month=_month(0), headcount=0, by=None)
    client.force_login(staff)
    page = client.get(reverse("registers:headcount_list")).content.decode()
    assert "⚠ 含外包驻场" in page and page.count('class="flagged') == 1
    flagged = client.get(reverse("registers:headcount_list"), {"flagged": "true"}).context["table"]
    assert [r.record.firm for r in flagged.page.object_list] == [firm]
    client.force_login(bureau_admin)
    changelist = reverse("admin:leases_headcountreport_changelist")
    page = client.get(changelist, {"confirmation_reason__isempty": "0"}).content.decode()
    assert "icon-yes" in page and "50000" in page.replace(",", "")
    assert "icon-yes" not in client.get(changelist, {"confirmation_reason__isempty": "1"}).content.decode()


def test_admin_change_form_needs_the_reason_too(client, bureau_admin, firm, ten_seats):
    client.force_login(bureau_admin)
    url = reverse("admin:leases_headcountreport_add")
    data = {"firm": firm.pk, "month": _month(0).isoformat(), "headcount": "500", "note": "", "confirmation_reason": ""}
    response = client.post(url, data)
    assert response.status_code == 200 and "上限 20 人" in response.content.decode()
    assert not HeadcountReport.objects.exists()
    response = client.post(url, {**data, "confirmation_reason": "含驻场"})
    assert response.status_code == 302
    assert HeadcountReport.objects.get().confirmation_reason == "含驻场"
