"""Measurement helpers for the benchmark (python -m bench): throwaway databases, page and service timings, the
floor each is compared with, and the printed tables.

A page's *floor* is the least any implementation could cost: one cursor.execute of a query that returns
exactly the rows the page shows, plus a trivial view served through the same middleware (session and user
loaded). The ratio page / floor says how much the page spends beyond that.

While measuring, the urlconf is bench.urls: the real urls plus the trivial and empty views defined here.
"""
from __future__ import annotations

import copy
import datetime
import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Callable

import tablib

from django.db import connections, transaction
from django.db.utils import load_backend
from django.http import HttpResponse
from django.shortcuts import render
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from parkops.firms.models import BusinessLine, Firm
from parkops.firms.resources import FirmResource
from parkops.leases import services
from parkops.leases.services.holdings import _insert_history_from_rows
from parkops.leases.models import LeaseSeat
from parkops.zones.models import Seat, SeatOutage, existing_over

from . import benchmark_sql
from .pages import Page

TRIVIAL_PATH = "__bench__/trivial/"
EMPTY_PAGE_PATH = "__bench__/empty/"


def trivial_view(request):
    """Answer a few bytes after loading the session's user, as every real page does."""
    return HttpResponse(f"ok {request.user.pk}")


def empty_page_view(request):
    """Render the base template with nothing in it: the role lookups, navigation and language switch that
    every page of the site carries. Not part of the floor; shown beside it (see Record.empty_page_ms)."""
    return render(request, "base.html", {})


# --- throwaway databases -------------------------------------------------------------------------


def _bench_settings(base: dict, size: int, workdir: str) -> dict:
    settings_dict = copy.deepcopy(base)
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        name = os.path.join(workdir, f"parkops_bench_{size}.sqlite3")
    else:
        name = f"{base['NAME']}_{size}"
    settings_dict["NAME"] = name
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "NAME": name}
    return settings_dict


@contextmanager
def throwaway_database(size: int, workdir: str):
    """Point the default connection at a new, migrated database for one park size; drop it afterwards.

    The configured connection object is set aside untouched (an in-memory SQLite database would not survive
    being closed) and a new one takes its place; Django's test-database machinery creates, migrates and drops
    the database (a file beside the others in `workdir` on SQLite, `<NAME>_<size>` on PostgreSQL).
    """
    original = connections["default"]
    settings_dict = _bench_settings(original.settings_dict, size, workdir)
    conn = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
    old_name = original.settings_dict["NAME"]
    connections["default"] = conn
    try:
        conn.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            yield conn
        finally:
            conn.creation.destroy_test_db(old_name, verbosity=0)
    finally:
        connections["default"] = original


def analyze(conn) -> None:
    """Refresh PostgreSQL's planner statistics after the bulk load, as autovacuum would in production."""
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute("ANALYZE")


def describe_database(conn) -> str:
    return f"{conn.vendor} {conn.settings_dict['NAME']}"


def new_workdir() -> str:
    return tempfile.mkdtemp(prefix="parkops_bench_")


# --- records -------------------------------------------------------------------------------------


@dataclass
class Record:
    """One measured page or service at one park size (the JSON keys, plus status)."""

    size: int
    page: str
    median_ms: float | None = None
    max_ms: float | None = None
    queries: int | None = None
    bytes: int | None = None
    floor_ms: float | None = None
    ratio: float | None = None
    status: str = "ok"
    # seats_release only: its floor with the locks and read a release beside other writers needs, and the ratio
    locked_floor_ms: float | None = None
    locked_ratio: float | None = None
    # pages only: an empty page of the site (base template, role lookups) for the same user, and the page's
    # ratio to its SQL plus that page: what the page costs beyond what every page of the site costs
    empty_page_ms: float | None = None
    empty_page_ratio: float | None = None
    # park-wide pages only: the median right after an allocation write (the write not timed), and its ratio to
    # the floor (the pages' cache, keyed by the allocation version, is cold then)
    after_write_ms: float | None = None
    after_write_ratio: float | None = None
    # exports only: the median time to the response's first byte (the last byte is median_ms)
    first_byte_ms: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _timed(func: Callable[[], object], runs: int) -> list[float]:
    """Return the wall time in ms of `runs` calls of func."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _finish(record: Record, times: list[float], floor_ms: float | None) -> Record:
    record.median_ms = round(statistics.median(times), 2)
    record.max_ms = round(max(times), 2)
    if floor_ms:
        record.floor_ms = round(floor_ms, 2)
        record.ratio = round(record.median_ms / floor_ms, 2)
    return record


# --- pages ---------------------------------------------------------------------------------------


def page_url(page: Page, park) -> str | None:
    """Return the page's URL, or None when its URL name does not resolve in the current code."""
    try:
        url = reverse(page.url_name, args=page.args(park))
    except NoReverseMatch:
        return None
    query = page.query(park)
    return f"{url}?{query}" if query else url


def _fetch(client: Client, url: str):
    """GET a URL and return (status, body bytes, exception), consuming a streaming body."""
    response = client.get(url, secure=True)
    if response.streaming:
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    return response.status_code, len(body), getattr(response, "exc_info", None)


def measure_page(page: Page, park, clients: dict, runs: int, write: Callable[[], None] | None = None) -> Record:
    """Time one page and its floor: a warm-up, one run under query capture, then `runs` timed rounds.

    A park-wide page is then timed `runs` times more, each right after write() (one allocation write through
    the services, not timed); an export is timed to its first byte.
    """
    record = Record(size=park.size, page=page_label(page))
    url = page_url(page, park)
    if url is None:
        record.status = "missing"
        return record
    client = clients["tenant" if page.as_tenant else "staff"]
    status, _, exc = _fetch(client, url)
    if status != page.expected_status:
        record.status = f"http {status}" + (f": {exc[1]!r}"[:300] if exc else "")
        return record
    with CaptureQueriesContext(connections["default"]) as captured:
        _, record.bytes, _ = _fetch(client, url)
    record.queries = len(captured.captured_queries)
    page_ms, sql_ms, trivial, empty = _interleaved(
        runs,
        lambda: _fetch(client, url),
        _raw_sql(page, park),
        lambda: _fetch(client, "/" + TRIVIAL_PATH),
        lambda: _fetch(client, "/" + EMPTY_PAGE_PATH),
    )
    _finish(record, page_ms, statistics.median(sql_ms) + statistics.median(trivial))
    record.empty_page_ms = round(statistics.median(empty), 2)
    record.empty_page_ratio = round(record.median_ms / (statistics.median(sql_ms) + statistics.median(empty)), 2)
    if page.park_wide and write is not None:
        after = []
        for _ in range(runs):
            write()
            after += _timed(lambda: _fetch(client, url), 1)
        record.after_write_ms = round(statistics.median(after), 2)
        record.after_write_ratio = round(record.after_write_ms / record.floor_ms, 2)
        write()  # leaves the next page warm-up to warm its own cache
    if page.export:
        record.first_byte_ms = round(statistics.median(_first_byte_ms(client, url) for _ in range(runs)), 2)
    return record


def page_label(page: Page) -> str:
    """The name a page's records carry: its URL name, plus its variant where one URL name has several pages."""
    return f"{page.url_name}[{page.variant}]" if page.variant else page.url_name


def _first_byte_ms(client: Client, url: str) -> float:
    """Return the ms until the response's first body chunk exists (the whole body when it does not stream)."""
    start = time.perf_counter()
    response = client.get(url, secure=True)
    if response.streaming:
        chunks = iter(response.streaming_content)
        next(chunks, b"")
        first = (time.perf_counter() - start) * 1000
        for _ in chunks:
            pass
        return first
    return (time.perf_counter() - start) * 1000


def _interleaved(runs: int, *funcs, warm_up: bool = True) -> list[list[float]]:
    """Time each function once per round, round after round, so that load from other processes on this
    machine weighs on a page and its floor alike. Returns one list of ms per function."""
    for func in funcs[1:] if warm_up else ():
        func()  # the first is warm already
    times = [[] for _ in funcs]
    for _ in range(runs):
        for bucket, func in zip(times, funcs):
            bucket += _timed(func, 1)
    return times


def profile_page(page: Page, park, clients: dict, limit: int = 30) -> str:
    """Return cProfile's top functions (by cumulative time) for one request of a page."""
    import cProfile
    import io
    import pstats

    url = page_url(page, park)
    if url is None:
        return f"{page_label(page)}: missing"
    client = clients["tenant" if page.as_tenant else "staff"]
    profiler = cProfile.Profile()
    profiler.runcall(_fetch, client, url)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(limit)
    return out.getvalue()


def _raw_sql(page: Page, park) -> Callable[[], None]:
    """Return a function running the page's floor query: one execute, every row fetched."""
    sql, params = page.floor_sql(park)

    def run():
        with connections["default"].cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return run


def trivial_ms(client: Client, runs: int) -> float:
    """Return the median ms of the trivial view through the full middleware stack."""
    url = "/" + TRIVIAL_PATH
    _fetch(client, url)
    return statistics.median(_timed(lambda: _fetch(client, url), runs))


def make_clients(park) -> dict:
    clients = {}
    for role, user in (("staff", park.staff), ("tenant", park.tenant)):
        client = Client(raise_request_exception=False)
        client.force_login(user, backend="parkops.core.auth.ParkModelBackend")
        clients[role] = client
    return clients


# --- services ------------------------------------------------------------------------------------

ALLOCATE_SEATS = 500


def measure_services(park, runs: int) -> list[Record]:
    """Time services.seats_allocate of 500 free seats to a new lease of the largest firm, then seats_release."""

    lease, seats = _service_fixture(park)
    if not seats:
        return [Record(size=park.size, page=name, status="no free seats") for name in SERVICE_NAMES]
    today = park.today
    allocate = lambda: services.seats_allocate(lease=lease, seats=seats, start=today, end=lease.end, by=None)  # noqa: E731
    release = lambda: services.seats_release(lease=lease, seats=seats, on=today, confirm_remove_future=True, by=None)  # noqa: E731
    records = [Record(size=park.size, page=name) for name in SERVICE_NAMES]
    allocate(), release()  # warm-up
    for record, func in zip(records, (allocate, release)):
        with CaptureQueriesContext(connections["default"]) as captured:
            func()
        record.queries = len(captured.captured_queries)
    insert, delete, locked_delete = benchmark_sql.service_floor(lease, seats, today)
    allocated, released, inserted, deleted, _again, locked = _interleaved(
        runs, allocate, release, insert, delete, insert, locked_delete, warm_up=False
    )
    release_record = _finish(records[1], released, statistics.median(deleted))
    release_record.locked_floor_ms = round(statistics.median(locked), 2)
    release_record.locked_ratio = round(release_record.median_ms / release_record.locked_floor_ms, 2)
    return [_finish(records[0], allocated, statistics.median(inserted)), release_record]


SERVICE_NAMES = ("services.seats_allocate", "services.seats_release")


def _service_fixture(park):
    """Return a fresh one-year lease of the largest firm and up to 500 in-service seats free from today."""

    today = park.today
    end = today + datetime.timedelta(days=365)
    lease = services.lease_create(firm=Firm.objects.get(pk=park.firm_id), start=today, end=end, number="BENCH-ALLOC", by=None)
    held = LeaseSeat.objects.overlapping(today, end).values("seat_id")
    down = SeatOutage.objects.overlapping(today, end).values("seat_id")
    seats = list(
        Seat.objects.filter(existing_over(today, end)).exclude(pk__in=held).exclude(pk__in=down).order_by("code")[:ALLOCATE_SEATS]
    )
    return lease, seats


# --- the writes park-wide pages are timed after ---------------------------------------------------------


def prepare_park(park) -> None:
    """Add what the synthetic park lacks for some pages: an open seat request of the tenant firm (its decision
    page, the request queue), made through the services as the tenant would."""
    services.seat_request_create(
        firm=Firm.objects.get(pk=park.firm_id), seats=20, wanted_from=park.today, reason="bench", by=park.tenant
    )


def allocation_writer(park) -> Callable[[], None]:
    """Return write(): one real allocation write through the services, as staff, each call: it allocates one
    free seat to a lease of its own, and the next call releases it (so the park stays the same size)."""
    today = park.today
    end = today + datetime.timedelta(days=365)
    firm = Firm.objects.get(pk=park.firm_id)
    lease = services.lease_create(firm=firm, start=today, end=end, number="BENCH-WRITE", by=park.staff)
    held = LeaseSeat.objects.overlapping(today, end).values("seat_id")
    down = SeatOutage.objects.overlapping(today, end).values("seat_id")
    seats = list(Seat.objects.filter(existing_over(today, end)).exclude(pk__in=held).exclude(pk__in=down).order_by("-code")[:1])
    state = {"held": False}

    def write() -> None:
        if state["held"]:
            services.seats_release(lease=lease, seats=seats, on=today, confirm_remove_future=True, by=park.staff)
        else:
            services.seats_allocate(lease=lease, seats=seats, start=today, end=end, by=park.staff)
        state["held"] = not state["held"]

    return write


# --- imports -------------------------------------------------------------------------------------

IMPORT_TARGET_ROWS_PER_S = 1000


def measure_firm_import(rows: int) -> str:
    """Time the admin import's dry run of a firm CSV of `rows` new firms (issue 13: at least 1,000 rows/s).

    Return the line to print. The rows are checked as the admin's import page checks them; the dry run
    rolls back, so the park is left as it was.
    """
    codes = list(BusinessLine.objects.values_list("code", flat=True)[:2])
    dataset = tablib.Dataset(headers=["name", "short_name", "name_en", "uscc", "status", "signed_on", "business_lines"])
    for i in range(rows):
        dataset.append([f"基准导入企业{i:06d}有限公司", f"基准{i}", f"Bench {i}", "", "signed", "2026-01-05", ";".join(codes)])
    with CaptureQueriesContext(connections["default"]) as captured:
        started, cpu_started = time.perf_counter(), time.process_time()
        result = FirmResource().import_data(dataset, dry_run=True, use_transactions=True)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    rate = rows / seconds if seconds else float("inf")
    verdict = "ok" if rate >= IMPORT_TARGET_ROWS_PER_S else f"UNDER TARGET {IMPORT_TARGET_ROWS_PER_S:,} rows/s"
    refused = "; ROWS REFUSED" if result.has_errors() or result.has_validation_errors() else ""
    # The CPU time beside the wall time: on a shared machine the wall time also counts other processes' turns.
    return (
        f"import.firms dry run: {rows:,} rows in {seconds:.2f} s = {rate:,.0f} rows/s "
        f"({cpu:.2f} s of this process's CPU = {rows / cpu if cpu else float('inf'):,.0f} rows/s), "
        f"{len(captured):,} queries ({verdict}{refused})"
    )


# --- history writes --------------------------------------------------------------------------------

HISTORY_ROWS = 3000


def measure_history_writes(runs: int, rows: int = HISTORY_ROWS) -> str:
    """Time writing history for `rows` holdings both ways, and return the line to print.

    The holdings' bulk paths (seats_allocate, seats_release and the other bulk ends) write their history rows
    with one INSERT ... SELECT (services.holdings._insert_history_from_rows); django-simple-history's own
    bulk API (bulk_history_create) would build a model instance per row. This says which is faster here and by
    how much: the reason the services keep their own statement there. Each run is rolled back.
    """
    holdings = list(LeaseSeat.objects.order_by("pk")[:rows])
    if not holdings:
        return "history writes: no holdings to measure"
    ids = [h.pk for h in holdings]

    def rolled_back(func):
        def run():
            with transaction.atomic():
                func()
                transaction.set_rollback(True)
        return run

    ours = rolled_back(lambda: _insert_history_from_rows(ids, "~", by=None, reason="bench"))
    library = rolled_back(
        lambda: LeaseSeat.history.bulk_history_create(holdings, update=True, default_change_reason="bench")
    )
    ours(), library()  # warm-up
    ours_ms, library_ms = (statistics.median(t) for t in _interleaved(runs, ours, library, warm_up=False))
    return (
        f"history writes for {len(ids):,} holdings: services' INSERT ... SELECT {ours_ms:.1f} ms, "
        f"simple_history bulk_history_create {library_ms:.1f} ms ({library_ms / ours_ms if ours_ms else float('inf'):.1f}x)"
    )


# --- output --------------------------------------------------------------------------------------

COLUMNS = ("page", "median_ms", "max_ms", "queries", "bytes", "floor_ms", "ratio", "after_write_ms",
           "after_write_ratio", "first_byte_ms", "status")


def format_table(records: list[Record]) -> str:
    """Return one size's records as an aligned text table."""
    rows = [COLUMNS] + [tuple(_cell(getattr(r, c)) for c in COLUMNS) for r in records]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = []
    for row in rows:
        lines.append("  ".join(cell.ljust(w) if i in (0, len(COLUMNS) - 1) else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))
    return "\n".join(line.rstrip() for line in lines)


def over_floor_lines(records: list[Record]) -> list[str]:
    """Return a line per page over 3x its floor, with its ratio to its SQL plus an empty page of the site."""
    return [
        f"{r.page}: {r.ratio:.2f}x its floor; {r.empty_page_ratio:.2f}x its SQL plus an empty page of the site "
        f"(base template and role lookups, {r.empty_page_ms:.2f} ms)"
        for r in records
        if r.ratio and r.ratio > MAX_RATIO and r.empty_page_ratio
    ]


def locked_floor_lines(records: list[Record]) -> list[str]:
    """Return a line per record measured against its floor with locks (seats_release)."""
    return [
        f"{r.page}: floor with the locks and read a concurrent release needs (lease row, the seats in id order, the "
        f"holdings under them; raw SQL, one transaction): {r.locked_floor_ms:.2f} ms, ratio {r.locked_ratio:.2f}"
        for r in records
        if r.locked_floor_ms
    ]


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def scaling_lines(records: list[Record]) -> list[str]:
    """Return, per page, median time at the largest size / at 7,000 seats (or at the smallest size measured)."""
    sizes = sorted({r.size for r in records})
    if len(sizes) < 2:
        return []
    base = 7000 if 7000 in sizes else sizes[0]
    top = sizes[-1]
    by_key = {(r.size, r.page): r for r in records}
    lines = []
    for page in dict.fromkeys(r.page for r in records):
        low, high = by_key.get((base, page)), by_key.get((top, page))
        if low and high and low.median_ms and high.median_ms:
            floor = f"; its floor {high.floor_ms / low.floor_ms:.2f}x" if low.floor_ms and high.floor_ms else ""
            lines.append(
                f"{page}: {high.median_ms / low.median_ms:.2f}x ({low.median_ms:.2f} ms at {base:,} -> "
                f"{high.median_ms:.2f} ms at {top:,} seats; queries {low.queries} -> {high.queries}{floor})"
            )
        else:
            lines.append(f"{page}: not measured at both sizes")
    return lines


# --- targets (issues 7 and 21) ---------------------------------------------------------------------------

FLAT_PAGES = ("planner:floor", "portal:home", "planner:zone_d")
MAX_RATIO = 3.0
MAX_SCALING = 1.3
MAX_WARM_SCALING = 1.5  # issue 21: park-wide pages, warm, at 100,000 seats against 7,000
ALLOCATE_BUDGET_MS = 500


def target_lines(records: list[Record]) -> list[str]:
    """Return one line per page saying which of the issue's targets it meets at the sizes measured."""
    lines = []
    for page in dict.fromkeys(r.page for r in records):
        rows = sorted((r for r in records if r.page == page and r.status == "ok"), key=lambda r: r.size)
        if not rows:
            lines.append(f"{page}: not measured")
            continue
        checks = [_check_queries(rows), _check_ratio(rows)]
        if page in FLAT_PAGES:
            checks.append(_check_scaling(rows))
        if any(r.after_write_ratio for r in rows):  # park-wide: cached under the allocation version
            checks.append(_check_scaling(rows, MAX_WARM_SCALING, "warm"))
            worst = max(r.after_write_ratio or 0 for r in rows)
            checks.append(_check(f"after a write within {MAX_RATIO:g}x floor", worst <= MAX_RATIO, f"worst {worst:.2f}x"))
        base = next((r for r in rows if r.size == 7000), None)
        if base and base.ratio:
            checks.append(_check(f"at 7,000 within {MAX_RATIO:g}x floor", base.ratio <= MAX_RATIO, f"{base.ratio:.2f}x"))
        if page == "services.seats_allocate":
            checks.append(_check("under 0.5 s", max(r.median_ms for r in rows) < ALLOCATE_BUDGET_MS))
        if any(r.locked_ratio for r in rows):
            worst = max(r.locked_ratio or 0 for r in rows)
            checks.append(_check(f"within {MAX_RATIO:g}x floor with its locks", worst <= MAX_RATIO, f"worst {worst:.2f}x"))
        lines.append(f"{page}: " + "; ".join(checks))
    return lines


def _check(label: str, ok: bool, detail: str = "") -> str:
    return f"{label} {'ok' if ok else 'MISSED'}{f' ({detail})' if detail else ''}"


def _check_queries(rows: list[Record]) -> str:
    counts = [r.queries for r in rows]
    return _check("fixed queries", len(set(counts)) == 1, " -> ".join(map(str, counts)))


def _check_ratio(rows: list[Record]) -> str:
    worst = max(r.ratio or 0 for r in rows)
    return _check(f"within {MAX_RATIO:g}x floor", worst <= MAX_RATIO, f"worst {worst:.2f}x")


def _check_scaling(rows: list[Record], limit: float = 0, label: str = "") -> str:
    limit = limit or MAX_SCALING
    name = f"{label} scaling".strip()
    if len(rows) < 2:
        return f"{name}: needs two sizes"
    base = next((r for r in rows if r.size == 7000), rows[0])
    factor = rows[-1].median_ms / base.median_ms
    return _check(f"{name} <= {limit:g}", factor <= limit, f"{factor:.2f}x")
