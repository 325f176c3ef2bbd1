"""The history scenario of the benchmark (python -m bench --history N, issue 21 item 2): the pages that show
one day, timed on the park as generated, then again after N months of monthly changes on every seat
(bench.synthetic_park.add_history), with the ratio after / before.

History lies wholly before the present rows, so every page shows the same figures before and after: any
slowdown is the cost of skipping rows that are not in force on the day shown.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from django.db import connections
from django.test.utils import CaptureQueriesContext

from parkops.leases.models import LeaseSeat

from . import benchmarking as bench
from .pages import Page
from .synthetic_park import add_history

TARGET = 1.2


def _on(park):
    return f"on={park.today.isoformat()}"


# The pages that show one day. Trends (24 months) and a seat's history read history by design: shown, not judged.
ONE_DAY = [
    Page("overview", "planner:overview", query=_on),
    Page("floor", "planner:floor", args=lambda p: [p.floor_id]),
    Page("building_stack", "planner:building_stack", args=lambda p: [p.building_id]),
    Page("zone_d", "planner:zone_d"),
    Page("dashboard", "reports:dashboard"),
    Page("occupancy zone", "reports:occupancy", query=_on),
    Page("occupancy building", "reports:occupancy", query=lambda p: f"{_on(p)}&group=building"),
    Page("occupancy floor", "reports:occupancy", query=lambda p: f"{_on(p)}&group=floor"),
    Page("occupancy firm", "reports:occupancy", query=lambda p: f"{_on(p)}&group=firm"),
    Page("occupancy line", "reports:occupancy", query=lambda p: f"{_on(p)}&group=line"),
    Page("expiry", "reports:expiry", query=_on),
    Page("seat list", "registers:seat_list"),
    Page("firm list", "registers:firm_list"),
    Page("lease list", "registers:lease_list", query=lambda p: "status=active"),
    Page("portal home", "portal:home", as_tenant=True),
    Page("portal seats", "portal:export_seats", as_tenant=True),
    Page("portal leases", "portal:export_leases", as_tenant=True),
]
BY_DESIGN = [
    Page("trends", "reports:trends"),
]


@dataclass
class Timing:
    name: str
    ms: float | None = None
    queries: int | None = None
    bytes: int | None = None
    status: str = "ok"


def _time_page(page: Page, park, clients, runs: int) -> Timing:
    timing = Timing(page.name)
    url = bench.page_url(page, park)
    if url is None:
        timing.status = "missing"
        return timing
    client = clients["tenant" if page.as_tenant else "staff"]
    status, _, _ = bench._fetch(client, url)
    if status != 200:
        timing.status = f"http {status}"
        return timing
    with CaptureQueriesContext(connections["default"]) as captured:
        _, timing.bytes, _ = bench._fetch(client, url)
    timing.queries = len(captured.captured_queries)
    timing.ms = round(statistics.median(bench._timed(lambda: bench._fetch(client, url), runs)), 2)
    return timing


def _held_on_sql(park):
    table = LeaseSeat._meta.db_table
    return f'SELECT seat_id, lease_id FROM {table} WHERE start <= %s AND "end" > %s', [park.today, park.today]


def _time_held_on(park, runs: int) -> Timing:
    """The bare "held on day d" read every one-day page makes: the day's holdings."""
    sql, params = _held_on_sql(park)

    def run():
        with connections["default"].cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    run()
    return Timing("held on today (SQL)", ms=round(statistics.median(bench._timed(run, runs)), 2), queries=1)


def explain_held_on(park) -> str:
    """Return PostgreSQL's EXPLAIN ANALYZE of the "held on day d" read (empty elsewhere)."""
    conn = connections["default"]
    if conn.vendor != "postgresql":
        return ""
    sql, params = _held_on_sql(park)
    with conn.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure(park, clients, runs: int) -> list[Timing]:
    return [_time_held_on(park, runs)] + [_time_page(p, park, clients, runs) for p in ONE_DAY + BY_DESIGN]


def run(park, clients, runs: int, months: int, conn) -> str:
    """Time the one-day pages, add `months` of history, time them again; return the report."""
    before = measure(park, clients, runs)
    plan_before = explain_held_on(park)
    counts = add_history(months, today=park.today)
    bench.analyze(conn)
    after = measure(park, clients, runs)
    plan_after = explain_held_on(park)
    by_design = {p.name for p in BY_DESIGN}
    lines = [
        f"\n== history: {months} months of monthly changes: {counts['leases']:,} leases and {counts['holdings']:,} "
        f"holdings written in {counts['seconds']} s (LeaseSeat now {counts['lease_seats']:,} rows)",
        f"{'page':<24}{'before_ms':>10}{'after_ms':>10}{'ratio':>7}{'queries':>9}{'bytes':>9}  target",
    ]
    worst = 0.0
    for b, a in zip(before, after):
        if b.ms is None or a.ms is None:
            lines.append(f"{b.name:<24}{b.status:>10}{a.status:>10}")
            continue
        ratio = a.ms / b.ms
        judged = b.name not in by_design
        if judged:
            worst = max(worst, ratio)
        verdict = ("ok" if ratio <= TARGET else "MISSED") if judged else "(reads history by design)"
        queries = f"{b.queries}->{a.queries}" if b.queries != a.queries else str(a.queries)
        lines.append(f"{b.name:<24}{b.ms:>10.2f}{a.ms:>10.2f}{ratio:>7.2f}{queries:>9}{a.bytes or '':>9}  {verdict}")
    lines.append(f"one-day pages after / before history: worst {worst:.2f}x (target <= {TARGET}x)")
    if plan_before:
        lines += ["-- EXPLAIN ANALYZE of the held-on-today read, before history:", plan_before,
                  "-- and after:", plan_after]
    return "\n".join(lines)
