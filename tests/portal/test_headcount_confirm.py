"""The portal's headcount form: an implausible report asks for a confirmation with a reason; a second report for a
month corrects it; 32 simultaneous first reports for a new month all succeed (PostgreSQL, real threads)."""
import datetime
import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from parkops.leases.models import HeadcountReport
from tests.factories import build_world
from tests.portal.test_views import login

URL = reverse("portal:headcount")
pytestmark = pytest.mark.django_db


def _this_month(world) -> str:
    return f"{world.today:%Y-%m}"


def test_the_confirmation_fields_are_hidden_until_needed(client, world):
    page = login(client, world.admin).get(URL).content.decode()
    assert 'name="headcount"' in page and 'name="confirm"' not in page and 'name="confirmation_reason"' not in page


def test_above_twice_the_seats_asks_for_confirmation_and_saves_nothing(client, world):
    # world.firm holds 10 seats; 21 people is above the limit of 20.
    response = login(client, world.admin).post(URL, {"month": _this_month(world), "headcount": "21"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "上限 20 人" in page and 'name="confirm"' in page and 'name="confirmation_reason"' in page
    assert HeadcountReport.objects.get(firm=world.firm).headcount == 12


@pytest.mark.parametrize(
    "extra, message",
    [({"confirm": "on"}, "勾选确认时请填写原因"), ({"confirmation_reason": "含驻场"}, "请同时勾选")],
)
def test_a_half_filled_confirmation_is_refused(client, world, extra, message):
    response = login(client, world.admin).post(URL, {"month": _this_month(world), "headcount": "21", **extra})
    assert response.status_code == 400 and message in response.content.decode()
    assert 'name="confirmation_reason"' in response.content.decode()
    assert HeadcountReport.objects.get(firm=world.firm).headcount == 12


def test_confirmed_with_a_reason_is_saved_and_flagged_for_staff(client, world, staff):
    data = {"month": _this_month(world), "headcount": "50000", "confirm": "on", "confirmation_reason": "含外包驻场人员"}
    response = login(client, world.admin).post(URL, data)
    assert response.status_code == 302
    report = HeadcountReport.objects.get(firm=world.firm)
    assert (report.headcount, report.confirmation_reason) == (50000, "含外包驻场人员")
    assert list(report.history.order_by("history_date").values_list("headcount", flat=True)) == [12, 50000]
    client.force_login(staff)
    assert "⚠ 含外包驻场人员" in client.get(reverse("registers:headcount_list")).content.decode()


def test_a_reason_is_not_stored_when_the_report_is_plausible(client, world):
    data = {"month": _this_month(world), "headcount": "15", "confirm": "on", "confirmation_reason": "不需要"}
    assert login(client, world.admin).post(URL, data).status_code == 302
    assert HeadcountReport.objects.get(firm=world.firm).confirmation_reason == ""


def test_an_old_month_asks_for_confirmation(client, world):
    old = world.today.replace(day=1) - datetime.timedelta(days=400)
    response = login(client, world.admin).post(URL, {"month": f"{old:%Y-%m}", "headcount": "10"})
    assert response.status_code == 400 and "12 个月前" in response.content.decode()
    data = {"month": f"{old:%Y-%m}", "headcount": "10", "confirm": "on", "confirmation_reason": "补报"}
    assert client.post(URL, data).status_code == 302


def test_a_second_report_for_a_month_corrects_the_first(client, world):
    login(client, world.admin)
    for n in ("14", "16"):
        assert client.post(URL, {"month": _this_month(world), "headcount": n}).status_code == 302
    report = HeadcountReport.objects.get(firm=world.firm)
    assert list(report.history.order_by("history_date").values_list("headcount", flat=True)) == [12, 14, 16]


THREADS = 32


@pytest.mark.django_db(transaction=True)
def test_32_simultaneous_first_reports_for_a_month_all_succeed(postgres_only, floor, firm, other_firm, capsys):
    # A month with no report yet: the first creates it, every later one corrects it. 16 seats: 0..31 people is plausible.
    world = build_world(floor, firm, other_firm, own_seats=16)
    month = (world.today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    assert not HeadcountReport.objects.filter(firm=world.firm, month=month).exists()
    logged_in = Client()
    logged_in.force_login(world.admin)
    cookies = logged_in.cookies
    barrier, lock, statuses = threading.Barrier(THREADS), threading.Lock(), []

    def submit(i):
        client = Client()
        client.cookies = cookies
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            status = client.post(URL, {"month": f"{month:%Y-%m}", "headcount": str(i)}).status_code
        except Exception as exc:  # noqa: BLE001 - a 500 or an exception is what the test must catch
            status = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with capsys.disabled():
        tally = Counter(s if isinstance(s, int) else s.split(":")[0] for s in statuses)
        print(f"\nheadcount: {THREADS} simultaneous first reports: {dict(tally)}")
    assert statuses == [302] * THREADS, statuses
    report = HeadcountReport.objects.get(firm=world.firm, month=month)
    values = list(report.history.order_by("history_date", "history_id").values_list("headcount", flat=True))
    assert sorted(values) == list(range(THREADS))  # every submission is in the history, once
    assert values[-1] == report.headcount
    assert list(report.history.values_list("history_type", flat=True)).count("+") == 1
