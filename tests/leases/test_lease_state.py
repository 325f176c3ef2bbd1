"""A lease's state on a day: one rule (Lease.state_on in Python, LeaseQuerySet.with_state / in_state in SQL),
used by the register and its filter, the admin's column and filter, the portal, exports and reports.

Each state is tested on the days around the day it begins (start, end, the day the expiry window opens,
the termination day), half-open; then Python and SQL are compared over every such day; then the screens.
"""
import csv
import datetime
import io

import pytest
from django.contrib import admin
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from parkops.leases.admin_tenants import FirmAdmin
from parkops.firms.models import Firm
from parkops.leases import services
from parkops.leases.choices import LeaseStage, LeaseState, expiring_label
from parkops.registers.filtersets import LeaseFilterSet
from parkops.leases.models import Lease
from parkops.reports import selectors as report_selectors
from tests import factories

D = datetime.date
DAY = datetime.timedelta(days=1)
N = 90  # the default window, settings.PARKOPS_EXPIRY_DAYS

ACTIVE, EXPIRING, ENDED = LeaseState.ACTIVE, LeaseState.EXPIRING, LeaseState.ENDED
UPCOMING, DRAFT, TERMINATED = LeaseState.UPCOMING, LeaseState.DRAFT, LeaseState.TERMINATED


def test_the_default_window_is_one_setting(settings):
    assert settings.PARKOPS_EXPIRY_DAYS == N


def sql_state(lease, day, **kwargs):
    return Lease.objects.with_state(day, **kwargs).get(pk=lease.pk).state


def sql_states_by_filter(lease, day, **kwargs):
    """Return every state whose in_state(...) filter finds the lease on `day` (exactly one, if the states are exclusive)."""
    return [s for s in LeaseState.values if Lease.objects.in_state(s, day, **kwargs).filter(pk=lease.pk).exists()]


def assert_states(lease, expected: dict):
    for day, state in expected.items():
        assert lease.state_on(day) == state, (lease.number, day)
        assert sql_state(lease, day) == state, (lease.number, day)
        assert sql_states_by_filter(lease, day) == [state], (lease.number, day)


# --- each state on the days around its change ----------------------------------------------------


def test_signed_lease_upcoming_active_expiring_ended(firm, db):
    start, end = D(2026, 3, 1), D(2026, 9, 1)
    lease = factories.make_lease(firm, start=start, end=end, number="SIGNED")
    window = end - N * DAY  # 2026-06-03: from this day the last day (31 Aug) is within the next 90 days
    assert_states(lease, {
        start - DAY: UPCOMING,
        start: ACTIVE,  # the start day is in force
        window - DAY: ACTIVE,
        window: EXPIRING,  # the day the expiry window begins
        end - DAY: EXPIRING,  # the last day
        end: ENDED,  # end is exclusive: the end day is ended
        end + 400 * DAY: ENDED,
    })


def test_a_short_lease_is_expiring_from_its_first_day(firm, db):
    lease = factories.make_lease(firm, start=D(2026, 3, 1), end=D(2026, 4, 1))
    assert_states(lease, {D(2026, 2, 28): UPCOMING, D(2026, 3, 1): EXPIRING, D(2026, 4, 1): ENDED})


def test_terminated_from_its_termination_day_and_expiring_against_it_before(firm, db):
    lease = factories.make_lease(firm, start=D(2026, 1, 1), end=D(2027, 1, 1), number="TERM")
    services.lease_terminate(lease=lease, on=D(2026, 5, 1), reason="提前退租", by=None)
    lease.refresh_from_db()
    termination = D(2026, 5, 1)
    assert lease.effective_end == termination and lease.end == D(2027, 1, 1)
    assert_states(lease, {
        D(2025, 12, 31): UPCOMING,
        D(2026, 1, 1): ACTIVE,
        termination - N * DAY - DAY: ACTIVE,
        termination - N * DAY: EXPIRING,  # in force over [start, T): its window is counted from T
        termination - DAY: EXPIRING,
        termination: TERMINATED,  # half-open: the termination day itself is terminated
        D(2027, 1, 1): TERMINATED,  # and stays so after the contract end
    })


def test_terminated_before_it_started(firm, db):
    lease = factories.make_lease(firm, start=D(2026, 6, 1), end=D(2027, 6, 1))
    services.lease_terminate(lease=lease, on=D(2026, 4, 1), by=None)
    lease.refresh_from_db()
    assert_states(lease, {D(2026, 3, 31): UPCOMING, D(2026, 4, 1): TERMINATED, D(2026, 7, 1): TERMINATED})


def test_terminated_on_its_end_day(firm, db):
    lease = factories.make_lease(firm, start=D(2026, 1, 1), end=D(2026, 7, 1))
    services.lease_terminate(lease=lease, on=D(2026, 7, 1), by=None)
    lease.refresh_from_db()
    assert_states(lease, {D(2026, 6, 30): EXPIRING, D(2026, 7, 1): TERMINATED})


def test_draft_is_draft_on_every_day_until_terminated(firm, db):
    lease = factories.make_lease(firm, start=D(2026, 3, 1), end=D(2026, 9, 1), stage=LeaseStage.DRAFT)
    assert_states(lease, {D(2026, 2, 28): DRAFT, D(2026, 3, 1): DRAFT, D(2026, 8, 31): DRAFT, D(2026, 9, 1): DRAFT})
    services.lease_update(lease=lease, stage=LeaseStage.SIGNED, by=None)
    lease.refresh_from_db()
    assert_states(lease, {D(2026, 2, 28): UPCOMING, D(2026, 3, 1): ACTIVE, D(2026, 9, 1): ENDED})
    draft = factories.make_lease(firm, start=D(2026, 3, 1), end=D(2026, 9, 1), stage=LeaseStage.DRAFT)
    services.lease_terminate(lease=draft, on=D(2026, 4, 1), by=None)
    draft.refresh_from_db()
    assert_states(draft, {D(2026, 3, 31): DRAFT, D(2026, 4, 1): TERMINATED})


def test_no_stored_field_holds_a_date_derived_value(firm, db):
    field = Lease._meta.get_field("stage")
    assert {value for value, _label in field.choices} == {"draft", "signed"}
    assert not any(f.name == "status" for f in Lease._meta.get_fields())
    with pytest.raises(ValueError, match="Unknown lease state"):
        Lease.objects.in_state("expired", D(2026, 1, 1))


# --- Python and SQL agree on every day around every change --------------------------------------


@pytest.fixture
def mixed_leases(firm, other_firm):
    make = factories.make_lease
    leases = [
        make(firm, start=D(2026, 3, 1), end=D(2026, 9, 1), number="A"),
        make(firm, start=D(2026, 3, 1), end=D(2026, 4, 1), number="SHORT"),
        make(other_firm, start=D(2025, 6, 1), end=D(2027, 6, 1), number="LONG"),
        make(other_firm, start=D(2026, 2, 1), end=D(2026, 12, 1), number="DRAFT", stage=LeaseStage.DRAFT),
    ]
    for number, start, end, on in (
        ("T-MID", D(2026, 1, 1), D(2027, 1, 1), D(2026, 5, 1)),
        ("T-BEFORE", D(2026, 6, 1), D(2027, 6, 1), D(2026, 4, 1)),
        ("T-END", D(2026, 1, 1), D(2026, 7, 1), D(2026, 7, 1)),
    ):
        lease = make(firm, start=start, end=end, number=number)
        services.lease_terminate(lease=lease, on=on, by=None)
        leases.append(lease)
    return list(Lease.objects.filter(pk__in=[lease.pk for lease in leases]))


def change_days(leases, window: int) -> list[datetime.date]:
    """Return every day on which some lease's state may change, with the day before and after, and a weekly stride."""
    days = set()
    for lease in leases:
        for d in (lease.start, lease.end, lease.end - window * DAY, lease.terminated_on):
            if d is None:
                continue
            if lease.terminated_on is not None:
                days.add(lease.terminated_on - window * DAY)
            days.update({d - DAY, d, d + DAY})
    first, last = min(days), max(days)
    days.update(first + k * 7 * DAY for k in range((last - first).days // 7 + 1))
    return sorted(days)


@pytest.mark.parametrize("window", [None, 30])
def test_python_and_sql_agree_on_every_day(mixed_leases, window):
    days = change_days(mixed_leases, N if window is None else window)
    seen = set()
    for day in days:
        sql = dict(Lease.objects.with_state(day, days=window).values_list("pk", "state"))
        by_filter = {}
        for state in LeaseState.values:
            for pk in Lease.objects.in_state(state, day, days=window).values_list("pk", flat=True):
                assert pk not in by_filter, (pk, day)  # the states are exclusive
                by_filter[pk] = state
        for lease in mixed_leases:
            python = lease.state_on(day, days=window)
            assert sql[lease.pk] == python == by_filter[lease.pk], (lease.number, day)
            seen.add(python)
    assert seen == set(LeaseState.values)  # every state was met


def test_open_leases_are_those_that_may_take_seats(mixed_leases):
    by_number = {lease.number: lease for lease in mixed_leases}
    day = D(2026, 3, 15)
    open_on = set(Lease.objects.open_on(day).values_list("number", flat=True))
    assert open_on == {"A", "SHORT", "LONG", "DRAFT"}  # the terminated ones, even T-END before its day, are closed
    assert {n for n, lease in by_number.items() if lease.is_open} == set(Lease.objects.open().values_list("number", flat=True))
    assert all(by_number[n].state_on(day) not in (ENDED, TERMINATED) for n in open_on)


def test_services_refuse_seats_under_a_terminated_lease_on_any_day(floor, firm):
    seats = list(floor.seats.order_by("code")[:3])
    lease = factories.make_lease(firm, seats=seats[:1], start=D(2026, 1, 1), end=D(2027, 1, 1))
    services.lease_terminate(lease=lease, on=D(2026, 9, 1), by=None)
    with pytest.raises(services.ValidationError, match="已于 2026-09-01 终止"):
        services.seats_allocate(lease=lease, seats=seats[1:], start=D(2026, 2, 1), end=D(2026, 3, 1), by=None)
    with pytest.raises(services.ValidationError, match="不能续签"):
        services.lease_renew(lease=lease, new_end=D(2028, 1, 1), by=None)
    # An ended lease (no stored "expired") still takes a holding inside its own period: the dates are the rule.
    ended = factories.make_lease(firm, start=D(2025, 1, 1), end=D(2025, 7, 1))
    assert ended.state_on(D(2026, 1, 1)) == ENDED
    services.seats_allocate(lease=ended, seats=seats[2:], start=D(2025, 2, 1), end=D(2025, 3, 1), by=None)


# --- the migration maps the old stored statuses --------------------------------------------------


def test_migration_maps_old_statuses_to_stage(firm, db):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("parkops.leases.migrations.0003_lease_stage")
    rows = {}
    for old in ("draft", "active", "expired", "terminated"):
        lease = factories.make_lease(firm, start=D(2024, 1, 1), end=D(2025, 1, 1), number=f"OLD-{old}")
        Lease.objects.filter(pk=lease.pk).update(stage=old)  # what 0002's status column held
        rows[old] = lease.pk
    Lease.objects.filter(pk=rows["terminated"]).update(terminated_on=None)  # a legacy row with no termination day
    migration.status_to_stage(apps, None)
    got = {old: Lease.objects.get(pk=pk) for old, pk in rows.items()}
    assert {old: lease.stage for old, lease in got.items()} == {
        "draft": "draft", "active": "signed", "expired": "signed", "terminated": "signed",
    }
    assert got["terminated"].terminated_on == D(2025, 1, 1)
    assert got["expired"].state_on(D(2026, 1, 1)) == ENDED and got["terminated"].state_on(D(2026, 1, 1)) == TERMINATED
    assert not Lease.history.filter(stage__in=["active", "expired", "terminated"]).exists()


# --- the screens: register and its filter, export, admin column and filter, portal, reports ------


TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _today():
    """Read today when each test runs, not when the module is collected: a run may cross midnight (Asia/Shanghai)."""
    global TODAY
    TODAY = timezone.localdate()


@pytest.fixture
def today_leases(floor, firm, other_firm):
    """One lease per state today, each on the day its state begins (or the day before the next)."""
    seats = list(floor.seats.order_by("code"))
    make = factories.make_lease
    made = {
        "upcoming": make(firm, seats=seats[0:1], start=TODAY + DAY, end=TODAY + 400 * DAY, number="UPCOMING"),
        "active": make(firm, seats=seats[1:2], start=TODAY, end=TODAY + (N + 1) * DAY, number="ACTIVE"),
        "expiring": make(other_firm, seats=seats[2:3], start=TODAY - 100 * DAY, end=TODAY + N * DAY, number="EXPIRING"),
        "ended": make(other_firm, seats=seats[3:4], start=TODAY - 300 * DAY, end=TODAY, number="ENDED"),
        "draft": make(firm, start=TODAY - 10 * DAY, end=TODAY + 200 * DAY, number="DRAFT", stage=LeaseStage.DRAFT),
        "terminated": make(other_firm, seats=seats[4:5], start=TODAY - 50 * DAY, end=TODAY + 300 * DAY, number="TERMINATED"),
    }
    services.lease_terminate(lease=made["terminated"], on=TODAY, by=None)
    return made


def register_numbers(client, params):
    table = client.get(reverse("registers:lease_list"), params).context["table"]
    return sorted(r.record.number for r in table.page.object_list)


def test_register_status_filter_and_column_follow_the_dates(client, staff, today_leases):
    client.force_login(staff)
    for state in LeaseState.values:
        assert register_numbers(client, {"status": state}) == [state.upper()], state
    response = client.get(reverse("registers:lease_list"), {"status": "ended"})
    assert "已到期" in response.content.decode()
    html = client.get(reverse("registers:lease_list")).content.decode()
    for label in ("未起租", "生效", "90 天内到期", "已到期", "草稿", "已终止"):
        assert label in html
    # "expiring within N days" agrees with the state on its window's day.
    assert register_numbers(client, {"expiring_within": N}) == ["EXPIRING"]
    assert register_numbers(client, {"expiring_within": N + 1}) == ["ACTIVE", "EXPIRING"]


def test_register_export_writes_the_state_labels(client, staff, today_leases):
    client.force_login(staff)
    response = client.get(reverse("registers:lease_list"), {"_export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {row[0]: row for row in csv.reader(io.StringIO(text))}
    status = rows["合同编号"].index("状态")
    assert {n: rows[n][status] for n in ("UPCOMING", "ACTIVE", "EXPIRING", "ENDED", "DRAFT", "TERMINATED")} == {
        "UPCOMING": "未起租", "ACTIVE": "生效", "EXPIRING": "90 天内到期", "ENDED": "已到期", "DRAFT": "草稿",
        "TERMINATED": "已终止",
    }
    filtered = client.get(reverse("registers:lease_list"), {"_export": "xlsx", "status": "expiring"})
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(filtered.streaming_content)), read_only=True).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)][1:] == ["EXPIRING"]


def test_admin_status_filter_and_column_follow_the_dates(admin_client, today_leases):
    url = reverse("admin:leases_lease_changelist")
    for state in LeaseState.values:
        response = admin_client.get(url, {"status": state})
        assert [lease.number for lease in response.context["cl"].result_list] == [state.upper()], state
    response = admin_client.get(url, {"status": "ended"})
    html = response.content.decode()
    assert "已到期" in html and "ENDED" in html
    assert "90 天内到期" in admin_client.get(url).content.decode()  # the column and the filter's choice


def test_portal_lists_each_lease_with_its_state(client, today_leases, firm, other_firm):
    client.force_login(factories.tenant_user(other_firm))
    rows = {row.lease.number: row for row in client.get(reverse("portal:home")).context["lease_rows"]}
    assert {n: r.status for n, r in rows.items()} == {"EXPIRING": "90 天内到期", "ENDED": "已到期", "TERMINATED": "已终止"}
    assert (rows["EXPIRING"].expiring, rows["EXPIRING"].days_left, rows["ENDED"].days_left) == (True, N, None)
    export = client.get(reverse("portal:export_leases"), {"format": "csv"})
    text = (b"".join(export.streaming_content) if export.streaming else export.content).decode("utf-8-sig")
    assert "90 天内到期" in text and "已终止" in text and "已到期" in text


def test_reports_count_the_leases_in_force_by_their_state(today_leases):
    assert [lease.number for lease in report_selectors.expiring_leases(TODAY)] == ["EXPIRING"]
    per_firm = {e.firm.short_name: e for e in report_selectors.expiring_by_firm(TODAY)}
    assert per_firm["迈睿中国"].leases == {30: 0, 60: 0, 90: 1}  # not the ended or the terminated one
    assert "平安金服" not in per_firm  # ACTIVE ends in 91 days; the draft and the upcoming lease are not in force


def test_leases_expiring_is_one_rule_for_the_admin_the_list_filter_and_the_report(rf, bureau_admin, today_leases):
    """LeaseQuerySet.expiring is the state "expiring": the firm admin counts it, the lease list filters by it
    (with its own N days) and the expiry report lists it."""
    by_state = {lease.number for lease in Lease.objects.all() if lease.state_on(TODAY) == EXPIRING}
    assert {lease.number for lease in Lease.objects.expiring(TODAY)} == by_state == {"EXPIRING"}
    assert {lease.number for lease in report_selectors.expiring_leases(TODAY)} == by_state
    listed = LeaseFilterSet({"expiring_within": N}, queryset=Lease.objects.all()).qs
    assert {lease.number for lease in listed} == by_state
    assert {lease.number for lease in Lease.objects.expiring(TODAY, days=N + 1)} == {"EXPIRING", "ACTIVE"}
    request = rf.get("/")
    request.user = bureau_admin
    counts = {f.pk: f.n_expiring for f in FirmAdmin(Firm, admin.site).get_queryset(request)}
    assert sum(counts.values()) == 1 and counts[Lease.objects.get(number="EXPIRING").firm_id] == 1


# --- one expiry window: changing the setting changes the states and the labels everywhere --------


@pytest.fixture
def window_world(floor, firm):
    """A lease of the firm's, held on seat 1, whose last day is 60 days away."""
    seats = list(floor.seats.order_by("code"))
    lease = factories.make_lease(firm, seats=seats[:1], start=TODAY - 30 * DAY, end=TODAY + 60 * DAY, number="SIXTY")
    return lease, seats[0]


def test_the_setting_moves_the_lease_state_and_its_label(window_world):
    lease, _seat = window_world
    assert lease.state_on(TODAY) == EXPIRING and expiring_label() == "90 天内到期"
    with override_settings(PARKOPS_EXPIRY_DAYS=30):
        assert lease.state_on(TODAY) == ACTIVE and sql_state(lease, TODAY) == ACTIVE
        assert not Lease.objects.in_state(EXPIRING, TODAY).exists()
        assert expiring_label() == "30 天内到期" and str(LeaseState.EXPIRING.label) == "30 天内到期"
        assert [lease.number for lease in report_selectors.expiring_leases(TODAY)] == []


def test_the_setting_moves_the_planner_seat_state_and_label(client, staff, window_world, floor):
    lease, seat = window_world
    staff_client = client
    staff_client.force_login(staff)
    url = reverse("planner:floor", args=[floor.pk])
    html = staff_client.get(url).content.decode()
    assert f'data-seat-code="{seat.code}" data-state="expiring"' in html
    assert "90 天内到期" in html and '"expiring": "90 \\u5929\\u5185\\u5230\\u671f"' in html  # legend and js_text
    with override_settings(PARKOPS_EXPIRY_DAYS=30):
        html = staff_client.get(url).content.decode()
        assert f'data-seat-code="{seat.code}" data-state="leased"' in html
        assert "30 天内到期" in html and "90 天内到期" not in html
        assert '"expiring": "30 \\u5929\\u5185\\u5230\\u671f"' in html
        options = staff_client.get(reverse("planner:firm_leases"), {"firm": lease.firm_id}).content.decode()
        assert "SIXTY" in options and "生效" in options


def test_the_setting_moves_the_portal_states_and_labels(client, window_world, firm, floor):
    client.force_login(factories.tenant_user(firm))
    home = client.get(reverse("portal:home"))
    (row,) = home.context["lease_rows"]
    assert (row.status, row.expiring) == ("90 天内到期", True)
    page = client.get(reverse("portal:floor", args=[floor.pk]))
    assert page.context["counts"]["own_expiring"] == 1 and "本企业席位（90 天内到期）" in page.content.decode()
    with override_settings(PARKOPS_EXPIRY_DAYS=30):
        (row,) = client.get(reverse("portal:home")).context["lease_rows"]
        assert (row.status, row.expiring) == ("生效", False)
        page = client.get(reverse("portal:floor", args=[floor.pk]))
        assert (page.context["counts"]["own_expiring"], page.context["counts"]["own"]) == (0, 1)
        assert "本企业席位（30 天内到期）" in page.content.decode()


def test_the_setting_moves_the_admin_filter_column_and_firm_count(admin_client, window_world, firm):
    leases, firms = reverse("admin:leases_lease_changelist"), reverse("admin:firms_firm_changelist")
    assert [x.number for x in admin_client.get(leases, {"status": "expiring"}).context["cl"].result_list] == ["SIXTY"]
    response = admin_client.get(firms)
    assert "90 天内到期" in response.content.decode()
    assert {f.pk: f.n_expiring for f in response.context["cl"].result_list}[firm.pk] == 1
    with override_settings(PARKOPS_EXPIRY_DAYS=30):
        assert list(admin_client.get(leases, {"status": "expiring"}).context["cl"].result_list) == []
        assert [x.number for x in admin_client.get(leases, {"status": "active"}).context["cl"].result_list] == ["SIXTY"]
        html = admin_client.get(leases).content.decode()
        assert "30 天内到期" in html and "90 天内到期" not in html
        response = admin_client.get(firms)
        assert "30 天内到期" in response.content.decode()
        assert {f.pk: f.n_expiring for f in response.context["cl"].result_list}[firm.pk] == 0
