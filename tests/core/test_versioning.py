"""The allocation version (core/versioning.py): every write that feeds a park-wide figure raises it in its own
transaction, through the services or around them (admin, import, raw SQL); the cached pages show the change on
their next read; a rolled-back write changes nothing; one firm's figures never answer another's; a cached read
costs a fixed handful of queries."""
import datetime as dt
import re
import threading
import time

import pytest
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parkops.core import versioning
from parkops.firms.models import Firm
from parkops.leases import services
from parkops.leases.models import CapacityReservation, HeadcountReport, LeaseSeat, SeatRequest
from parkops.zones.models import Seat
from tests import factories
from tests.admin.test_import_export import FIRM_HEADER, confirm, upload

FIGURE_TABLES = [
    "zones_zone", "zones_phase", "zones_building", "zones_floor", "zones_seat", "zones_seatoutage",
    "firms_businessline", "firms_firm", "firms_firm_business_lines",
    "leases_lease", "leases_leaseseat", "leases_capacityreservation", "leases_seatrequest", "leases_headcountreport",
]


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def world(db, today):
    """Zone C's 40-seat floor with 10 seats leased to 平安金服 and 10 to 迈睿中国, both with a request, a headcount
    report and a reservation on zone D's phase 1, which has a building with a floor of 10 seats."""
    w = factories.two_firm_world()
    d_building = factories.BuildingFactory(zone=w.phase.zone, phase=w.phase, code="D-1")
    w.d_floor = factories.make_floor(10, building=d_building, level=1)
    w.firm.business_lines.add(factories.BusinessLineFactory(code="bpo", name="服务外包"))
    services.seats_set_condition(seats=w.seats[39:], condition="out_of_service", on=today, by=None)
    return w


@pytest.fixture
def staff_client(client, db):
    client.force_login(factories.staff_user("staff-v"))
    return client


def text(client, name, *args, **params):
    """Return a page's markup without its per-request CSRF token."""
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200, response.content[:300]
    return re.sub(r'"X-CSRFToken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def chip(html, floor):
    """Return the overview's "leased/seats" of a floor (its chip links to the floor's plan)."""
    url = reverse("planner:floor", args=[floor.pk])
    match = re.search(re.escape(url) + r'\?on=[^"]*"[^>]*>\s*<b>[^<]*</b>\s*<span[^>]*><i[^>]*></i></span>\s*<small>(\d+)/(\d+)</small>', html)
    assert match, "floor chip not found"
    return int(match[1]), int(match[2])


def bumped(write):
    """Run write() and return whether the allocation version changed."""
    before = versioning.current()
    write()
    return versioning.current() != before


# --- the mechanism ------------------------------------------------------------------------------------------------


def test_every_table_that_feeds_a_figure_has_its_version_triggers(db):
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        present = {row[0] for row in cursor.fetchall()}
    missing = [name for table in FIGURE_TABLES for name in versioning.trigger_names(table, vendor) if name not in present]
    assert not missing
    # the version's own table carries none (a bump must not raise itself)
    assert not [name for name in present if name.startswith(versioning.TABLE)]


@pytest.mark.parametrize("table", FIGURE_TABLES)
def test_a_raw_sql_write_to_any_figure_table_raises_the_version(world, table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        assert cursor.fetchone()[0] > 0, "the world must hold a row of every table"
        assert bumped(lambda: cursor.execute(f"UPDATE {table} SET id = id"))
        with transaction.atomic():  # a delete too, in a savepoint rolled back: no row left pointing at nothing
            assert bumped(lambda: cursor.execute(f"DELETE FROM {table} WHERE id IN (SELECT MAX(id) FROM {table})"))
            transaction.set_rollback(True)


def test_the_version_is_raised_in_the_writers_transaction_and_a_rollback_undoes_it(world):
    before = versioning.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        versioning.bump()
        assert versioning.current() != before  # the writer sees its own number
        raise RuntimeError
    assert versioning.current() == before


def test_figures_computes_once_per_version(world):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert versioning.figures("test:once", compute, "x") == 1
    assert versioning.figures("test:once", compute, "x") == 1
    assert versioning.figures("test:once", compute, "y") == 2  # another part, another key
    versioning.bump()
    assert versioning.figures("test:once", compute, "x") == 3


def test_without_the_version_row_nothing_is_cached(world):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {versioning.TABLE}")
    assert versioning.current() is None
    assert [versioning.figures("test:norow", lambda: object()) for _ in range(2)][0] is not None
    calls = []
    versioning.figures("test:norow2", lambda: calls.append(1))
    versioning.figures("test:norow2", lambda: calls.append(1))
    assert len(calls) == 2
    versioning.bump()  # the next write puts the row back
    assert versioning.current() is not None


# --- every service raises it --------------------------------------------------------------------------------------


def service_writes(w, today):
    """(name, write) for a write through each allocation service."""
    free = list(Seat.objects.filter(floor=w.floor, lease_seats__isnull=True).order_by("code"))
    d_seats = list(w.d_floor.seats.order_by("code"))
    return [
        ("seats_allocate", lambda: services.seats_allocate(lease=w.lease, seats=free[:2], by=None)),
        ("seats_release", lambda: services.seats_release(lease=w.lease, seats=w.seats[:1], on=today, by=None)),
        ("lease_renew", lambda: services.lease_renew(lease=w.lease, new_end=w.lease.end + dt.timedelta(days=30), by=None)),
        ("lease_terminate", lambda: services.lease_terminate(lease=w.other_lease, on=today + dt.timedelta(days=5), by=None)),
        ("lease_update", lambda: services.lease_update(lease=w.lease, note="新条款", by=None)),
        ("lease_create", lambda: factories.make_lease(w.other_firm, start=today, end=today + dt.timedelta(days=90))),
        ("reservation_create", lambda: services.reservation_create(reserved_on=today, firm=w.firm, phase=w.phase, seats=5, by=None)),
        ("reservation_change", lambda: services.reservation_change(reservation=w.reservation, seats=90, by=None)),
        ("reservation_cancel", lambda: services.reservation_cancel(reservation=w.other_reservation, by=None)),
        ("reservation_convert", lambda: services.reservation_convert(
            reservation=w.reservation, seats=d_seats[:3], start=today, end=today + dt.timedelta(days=365), by=None)),
        ("seat_request_create", lambda: services.seat_request_create(firm=w.firm, seats=2, wanted_from=today, reason="x", by=None)),
        ("seat_request_decide", lambda: services.seat_request_decide(request=w.other_request, approve=False, reason="无空位", by=None)),
        ("seat_request_withdraw", lambda: services.seat_request_withdraw(request=w.request, by=None)),
        ("headcount_report_submit", lambda: services.headcount_report_submit(
            firm=w.other_firm, month=today.replace(day=1), headcount=8, confirmation_reason="测试", by=None)),
        ("seats_set_condition", lambda: services.seats_set_condition(seats=free[5:6], condition="out_of_service", on=today, by=None)),
        ("seat_set_existence", lambda: services.seat_set_existence(
            seat=free[6], available_from=free[6].available_from, retired_on=today + dt.timedelta(days=400), by=None)),
    ]


def test_every_allocation_service_raises_the_version(world, today):
    quiet = [name for name, write in service_writes(world, today) if not bumped(write)]
    assert not quiet


def test_a_refused_write_raises_nothing_and_the_cached_page_stays(world, staff_client, today):
    first = text(staff_client, "planner:overview")
    before = versioning.current()
    with pytest.raises(ValidationError):  # a seat already held by the other firm's lease
        services.seats_allocate(lease=world.lease, seats=world.seats[10:12], by=None)
    assert versioning.current() == before
    with CaptureQueriesContext(connection) as ctx:
        again = text(staff_client, "planner:overview")
    assert again == first
    assert not [q for q in ctx.captured_queries if "leases_leaseseat" in q["sql"]]  # served from the cache


# --- the next read of each cached page shows the change ----------------------------------------------------------


def test_overview_shows_an_allocation_and_a_release_at_once(world, staff_client, today):
    assert chip(text(staff_client, "planner:overview"), world.floor) == (20, 40)
    free = list(Seat.objects.filter(floor=world.floor, lease_seats__isnull=True).order_by("code"))
    services.seats_allocate(lease=world.lease, seats=free[:3], by=None)
    assert chip(text(staff_client, "planner:overview"), world.floor) == (23, 40)
    services.seats_release(lease=world.lease, seats=free[:3], on=today, by=None)
    assert chip(text(staff_client, "planner:overview"), world.floor) == (20, 40)


def test_overview_shows_an_admin_seat_edit_and_a_raw_insert(world, staff_client, bureau_admin, client, today):
    assert chip(text(staff_client, "planner:overview"), world.floor) == (20, 40)
    seat = Seat.objects.filter(floor=world.floor, lease_seats__isnull=True).order_by("code").first()
    # the admin's change form for a seat: retire it from today (a seat that no longer exists is not counted)
    admin = factories.UserFactory(username="root-v", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(reverse("admin:zones_seat_change", args=[seat.pk]))
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, (list, tuple))}
    data.update({"retired_on": today.isoformat(), "available_from": seat.available_from.isoformat(), "floor": seat.floor_id})
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
    for prefix in {fs.formset.prefix for fs in page.context["inline_admin_formsets"]}:
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = client.post(reverse("admin:zones_seat_change", args=[seat.pk]), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert chip(text(staff_client, "planner:overview"), world.floor) == (20, 39)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO zones_seat (floor_id, code, \"row\", col, kind, has_desk, has_computer, note, available_from, created, modified) "
            "SELECT floor_id, 'C-1-3F-9999', 9, 9, kind, has_desk, has_computer, '', available_from, created, modified "
            "FROM zones_seat WHERE id = %s",
            [seat.pk],
        )
    assert chip(text(staff_client, "planner:overview"), world.floor) == (20, 40)


def reserved_on_board(html, phase):
    section = html[html.index(f'id="phase-{phase.pk}"'):]
    return int(re.search(r"<dd>([\d,]+) <small>\((\d+)\)</small></dd>", section)[1].replace(",", ""))


def test_zone_d_board_shows_each_reservation_write(world, staff_client, today):
    assert reserved_on_board(text(staff_client, "planner:zone_d"), world.phase) == 300
    new = services.reservation_create(reserved_on=today, firm=world.firm, phase=world.phase, seats=5, by=None)
    assert reserved_on_board(text(staff_client, "planner:zone_d"), world.phase) == 305
    services.reservation_cancel(reservation=new, by=None)
    assert reserved_on_board(text(staff_client, "planner:zone_d"), world.phase) == 300
    services.reservation_convert(
        reservation=world.reservation, seats=list(world.d_floor.seats.order_by("code")[:3]), start=today,
        end=today + dt.timedelta(days=365), by=None,
    )
    assert CapacityReservation.objects.get(pk=world.reservation.pk).seats == 97  # 3 of its 100 seats now leased
    assert reserved_on_board(text(staff_client, "planner:zone_d"), world.phase) == 297


def test_occupancy_report_in_every_grouping_shows_a_termination(world, staff_client, today):
    groups = ["zone", "building", "floor", "firm", "line"]
    before = {g: text(staff_client, "reports:occupancy", group=g) for g in groups}
    services.lease_terminate(lease=world.other_lease, on=today, by=None)
    after = {g: text(staff_client, "reports:occupancy", group=g) for g in groups}
    for g in groups:
        if g != "line":  # the world's firms have no business line: that table has no row to change
            assert after[g] != before[g], g


def test_expiry_shows_a_renewal(world, staff_client, today):
    free = list(Seat.objects.filter(floor=world.floor, lease_seats__isnull=True).order_by("code")[:4])
    short = factories.make_lease(
        world.firm, seats=free, start=today - dt.timedelta(days=10), end=today + dt.timedelta(days=20), number="NJ-SHORT"
    )
    first = text(staff_client, "reports:expiry")
    assert "NJ-SHORT" in first
    services.lease_renew(lease=short, new_end=today + dt.timedelta(days=400), by=None)
    assert "NJ-SHORT" not in text(staff_client, "reports:expiry")


def test_dashboard_shows_a_headcount_report_and_a_firm_import(world, staff_client, admin_client, today):
    def headline():
        return text(staff_client, "home")

    first = headline()
    services.headcount_report_submit(firm=world.other_firm, month=today.replace(day=1), headcount=10, confirmation_reason="测试", by=None)
    second = headline()
    assert second != first and "22" in second  # 12 + 10 people reported
    dry_run = upload(admin_client, Firm, FIRM_HEADER + "新导入企业有限公司,新导入,,,operating,,\n")
    assert dry_run.context["confirm_form"]
    assert headline() == second  # the dry run rolled back: nothing changed, the cached page stands
    assert confirm(admin_client, Firm, dry_run).status_code == 302
    assert headline() != second


def test_trends_and_forecast_show_a_write(world, staff_client, today):
    trends, forecast = text(staff_client, "reports:trends"), text(staff_client, "reports:forecast")
    free = list(Seat.objects.filter(floor=world.floor, lease_seats__isnull=True).order_by("code"))
    services.seats_allocate(lease=world.lease, seats=free[:5], by=None)
    assert text(staff_client, "reports:trends") != trends
    services.reservation_create(reserved_on=today, firm=world.firm, phase=world.phase, seats=7, by=None)
    assert text(staff_client, "reports:forecast") != forecast


# --- tenants ------------------------------------------------------------------------------------------------------


def test_portal_home_shows_each_firms_own_figures_and_a_decision(world, client, today):
    def home(user):
        client.force_login(user)
        return text(client, "portal:home")

    own, other = home(world.admin), home(world.other_admin)
    assert "NJ-OWN-001" in own and "NJ-OTHER-777" not in own
    assert "NJ-OTHER-777" in other and "NJ-OWN-001" not in other
    # cached now: each firm still gets its own page, never the other's
    assert home(world.admin) == own and home(world.other_admin) == other
    services.seat_request_decide(request=world.request, approve=False, reason="暂无空位", by=None)
    changed = home(world.admin)
    assert changed != own and "NJ-OTHER-777" not in changed
    services.headcount_report_submit(firm=world.firm, month=today.replace(day=1), headcount=11, confirmation_reason="测试", by=None)
    assert HeadcountReport.objects.get(firm=world.firm).headcount == 11
    assert home(world.admin) != changed
    assert SeatRequest.objects.get(pk=world.request.pk).status == "rejected"


# --- a cached read costs a fixed handful of queries ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name,params",
    [("planner:overview", {}), ("planner:zone_d", {}), ("reports:occupancy", {"group": "floor"}), ("home", {}),
     ("reports:trends", {}), ("reports:forecast", {})],
)
def test_a_cached_page_runs_a_fixed_handful_of_queries(world, staff_client, django_assert_max_num_queries, name, params):
    text(staff_client, name, **params)  # fills the cache
    with django_assert_max_num_queries(6):
        text(staff_client, name, **params)


def test_a_cached_portal_home_runs_a_fixed_handful_of_queries(world, client, django_assert_max_num_queries):
    client.force_login(world.admin)
    text(client, "portal:home")
    with django_assert_max_num_queries(6):
        text(client, "portal:home")


def test_the_cached_overview_follows_the_language(world, staff_client):
    zh = text(staff_client, "planner:overview")
    staff_client.cookies["django_language"] = "en"
    en = staff_client.get(reverse("planner:overview"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "合计" in zh and "合计" not in en


# --- a reader racing a writer (real threads, PostgreSQL) -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_reader_racing_writers_never_caches_an_older_figure_under_a_newer_version(postgres_only):
    """Each write holds one more seat; whatever the interleaving, the figure cached under a version counts at least
    the holdings committed with that version. (A reader that counted before reading the version would store a
    count from before a write under the write's own version: the sleep after counting widens that window.)"""
    floor = factories.make_floor(40, level=7)
    lease = factories.make_lease(factories.FirmFactory(), start=dt.date(2026, 1, 1), end=dt.date(2028, 1, 1))
    seats = list(floor.seats.order_by("code"))
    committed = []  # (version after the write, holdings after it), in commit order (writes are serialised)
    done = threading.Event()
    errors = []

    def count():
        n = LeaseSeat.objects.filter(lease=lease).count()
        time.sleep(0.002)
        return n

    def write():
        try:
            for seat in seats[:30]:
                services.seats_allocate(lease=lease, seats=[seat], by=None)
                committed.append((versioning.current(), LeaseSeat.objects.filter(lease=lease).count()))
                time.sleep(0.001)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            done.set()
            connection.close()

    def read():
        try:
            while not done.is_set():
                versioning.figures("test:race", count)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write)] + [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert len(committed) == 30
    cache = caches[versioning.CACHE_ALIAS]
    cached = [(v, n, cache.get(versioning.figure_key("test:race", v))) for v, n in committed]
    assert [(v, n, c) for v, n, c in cached if c is not None and c < n] == []
    assert sum(c is not None for _v, _n, c in cached) > 0, "the readers cached nothing: the race was not run"
