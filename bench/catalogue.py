"""Every page and export the benchmark (python -m bench) measures, each with its floor, and the URL names it
leaves out on purpose, each with the reason (tests/bench/test_catalogue.py: every URL name of the site is in
one list or the other, so a new page cannot escape the benchmark).

The first pages are bench.benchmark_sql.PAGES (their floors live there); the rest are here. A floor is one
cursor.execute of a query returning exactly the rows the page shows: a list page's floor returns its first
page of 50 rows and the total the paginator shows (COUNT(*) OVER ()), an export's floor every row it writes,
a report's floor its figures grouped as the page groups them. A page marked park_wide sums the whole park:
it is measured warm and right after an allocation write (bench.benchmarking.measure_page).
"""
from __future__ import annotations

import datetime

from django.db import connections

from parkops.core.dates import month_end, month_start
from parkops.firms.models import BusinessLine, Firm, FirmMember
from parkops.leases.models import CapacityReservation, HeadcountReport, SeatRequest
from parkops.zones.models import Seat

from . import benchmark_sql
from .benchmark_sql import HELD_ON, SEAT_PLACE, T
from .pages import Page

T = {
    **T,
    "bl": BusinessLine._meta.db_table,
    "firm_bl": Firm.business_lines.through._meta.db_table,
    "member": FirmMember._meta.db_table,
    "user": FirmMember._meta.get_field("user").related_model._meta.db_table,
    "seat_hist": Seat.history.model._meta.db_table,
    "hc_hist": HeadcountReport.history.model._meta.db_table,
}
PAGE_SIZE = 50  # core.lists.StaffListView.paginate_by
PORTAL_REQUESTS = 20
HEADCOUNT_MONTHS = 24  # portal.views.HeadcountView
EXPIRY_DAYS = 90  # reports.selectors.EXPIRY_WINDOWS' widest


def _vendor() -> str:
    return connections["default"].vendor


def _group_concat(expr: str) -> str:
    return f"STRING_AGG({expr}, ',')" if _vendor() == "postgresql" else f"GROUP_CONCAT({expr}, ',')"


# --- registers ---------------------------------------------------------------------------------------------

SEAT_ROWS = f"""
SELECT s.code, z.code, b.code, f.level, s.kind,
       EXISTS (SELECT 1 FROM {T['outage']} o WHERE o.seat_id = s.id AND o.start <= %s AND (o."end" IS NULL OR o."end" > %s)),
       fi.short_name, l.number, ls."end"{{total}}
FROM {T['seat']} s {SEAT_PLACE}
LEFT JOIN {T['ls']} ls ON {HELD_ON}
LEFT JOIN {T['lease']} l ON l.id = ls.lease_id
LEFT JOIN {T['firm']} fi ON fi.id = l.firm_id
ORDER BY s.code{{limit}}
"""

FIRM_ROWS = f"""
SELECT fi.short_name, fi.name, fi.status, fi.is_top_ranked, fi.is_internship_base, fi.signed_on,
       (SELECT {_group_concat('bl.name')} FROM {T['firm_bl']} fb JOIN {T['bl']} bl ON bl.id = fb.businessline_id
        WHERE fb.firm_id = fi.id),
       (SELECT COUNT(*) FROM {T['ls']} ls JOIN {T['lease']} l ON l.id = ls.lease_id
        WHERE l.firm_id = fi.id AND ls.start <= %s AND ls."end" > %s),
       (SELECT h.headcount FROM {T['hc']} h WHERE h.firm_id = fi.id AND h.month <= %s ORDER BY h.month DESC LIMIT 1){{total}}
FROM {T['firm']} fi ORDER BY fi.short_name{{limit}}
"""

LEASE_ROWS = f"""
SELECT l.number, fi.short_name, l.start, l."end", l.rent_terms, l.monthly_rate, l.stage, l.terminated_on,
       (SELECT COUNT(*) FROM {T['ls']} ls WHERE ls.lease_id = l.id AND ls.start <= %s AND ls."end" > %s){{total}}
FROM {T['lease']} l JOIN {T['firm']} fi ON fi.id = l.firm_id ORDER BY l.start DESC{{limit}}
"""

HEADCOUNT_ROWS = f"""
SELECT fi.short_name, h.month, h.headcount, u.username, h.modified, h.confirmation_reason, h.note{{total}}
FROM {T['hc']} h JOIN {T['firm']} fi ON fi.id = h.firm_id LEFT JOIN {T['user']} u ON u.id = h.submitted_by_id
ORDER BY h.month DESC, fi.short_name{{limit}}
"""

REQUEST_ROWS = f"""
SELECT r.id, fi.short_name, r.seats, z.code, r.wanted_from, r.reason, r.status, r.created, r.decided_at,
       r.decision_reason, l.number{{total}}
FROM {T['req']} r JOIN {T['firm']} fi ON fi.id = r.firm_id LEFT JOIN {T['zone']} z ON z.id = r.zone_preference_id
LEFT JOIN {T['lease']} l ON l.id = r.lease_id ORDER BY r.created DESC{{limit}}
"""


def _listed(sql: str, params, *, page: bool):
    """A register's floor: its first page of rows with the paginator's total, or (export) every row."""
    total = ", COUNT(*) OVER ()" if page else ""
    limit = f" LIMIT {PAGE_SIZE}" if page else ""
    return lambda park: (sql.format(total=total, limit=limit), params(park))


def _today2(park):
    return [park.today, park.today]


REGISTERS = [
    ("seat_list", SEAT_ROWS, lambda p: [p.today] * 4),
    ("firm_list", FIRM_ROWS, lambda p: [p.today] * 3),
    ("lease_list", LEASE_ROWS, _today2),
    ("headcount_list", HEADCOUNT_ROWS, lambda p: []),
    ("seat_request_list", REQUEST_ROWS, lambda p: []),
]


def _register_pages() -> list[Page]:
    pages = []
    for name, sql, params in REGISTERS:
        url_name = f"registers:{name}"
        pages.append(Page(name, url_name, floor_sql=_listed(sql, params, page=True)))
        for fmt in ("csv", "xlsx"):
            if (name, fmt) == ("seat_list", "csv"):
                continue  # benchmark_sql.PAGES measures it already (its own floor, the same rows)
            pages.append(Page(f"{name}_{fmt}", url_name, query=lambda p, f=fmt: f"_export={f}",
                              floor_sql=_listed(sql, params, page=False), export=fmt, variant=fmt))
    return pages


# --- planner -------------------------------------------------------------------------------------------------

FLOOR_FREE_SQL = f"""
SELECT s.code FROM {T['seat']} s
WHERE s.floor_id = %s AND s.available_from <= %s AND (s.retired_on IS NULL OR s.retired_on >= %s)
  AND NOT EXISTS (SELECT 1 FROM {T['ls']} ls WHERE ls.seat_id = s.id AND ls.start < %s AND ls."end" > %s)
  AND NOT EXISTS (SELECT 1 FROM {T['outage']} o WHERE o.seat_id = s.id AND o.start < %s AND (o."end" IS NULL OR o."end" > %s))
ORDER BY s.code
"""


def _free_period(park):
    return park.today, park.today + datetime.timedelta(days=365)


def floor_free_sql(park):
    start, end = _free_period(park)
    return FLOOR_FREE_SQL, [park.floor_id, start, end, end, start, end, start]


# A seat's holders, the changes to its holdings and to the seat itself, newest first.
SEAT_HISTORY_SQL = f"""
SELECT 'holder', CAST(ls.start AS TEXT), CAST(ls."end" AS TEXT), l.number, fi.short_name
FROM {T['ls']} ls JOIN {T['lease']} l ON l.id = ls.lease_id JOIN {T['firm']} fi ON fi.id = l.firm_id WHERE ls.seat_id = %s
UNION ALL
SELECT 'holding', CAST(h.history_date AS TEXT), h.history_type, l.number, u.username
FROM {T['hist']} h JOIN {T['lease']} l ON l.id = h.lease_id LEFT JOIN {T['user']} u ON u.id = h.history_user_id
WHERE h.seat_id = %s
UNION ALL
SELECT 'seat', CAST(h.history_date AS TEXT), h.history_type, h.kind, u.username
FROM {T['seat_hist']} h LEFT JOIN {T['user']} u ON u.id = h.history_user_id WHERE h.id = %s
"""

# Seats whose code contains the query, per floor, and the firms whose names contain it with their floors.
SEARCH_SQL = f"""
SELECT * FROM (SELECT 'seats', b.code, CAST(f.level AS TEXT), COUNT(s.id) FROM {T['seat']} s
               JOIN {T['floor']} f ON f.id = s.floor_id JOIN {T['building']} b ON b.id = f.building_id
               WHERE s.code LIKE %s GROUP BY b.code, f.level ORDER BY b.code, f.level LIMIT 50) seat_hits
UNION ALL
SELECT 'firm', fi.short_name, CAST(f.id AS TEXT), COUNT(ls.id)
FROM (SELECT id, short_name FROM {T['firm']} WHERE name LIKE %s OR short_name LIKE %s OR name_en LIKE %s
      ORDER BY short_name LIMIT 50) fi
LEFT JOIN {T['lease']} l ON l.firm_id = fi.id
LEFT JOIN {T['ls']} ls ON ls.lease_id = l.id AND ls.start <= %s AND ls."end" > %s
LEFT JOIN {T['seat']} s ON s.id = ls.seat_id LEFT JOIN {T['floor']} f ON f.id = s.floor_id
GROUP BY fi.short_name, f.id
"""
SEARCH_TERM = "基准"  # in every synthetic firm's name (bench.synthetic_park): a search with many hits


def search_sql(park):
    like = f"%{SEARCH_TERM}%"
    return SEARCH_SQL, [like, like, like, like, park.today, park.today]


RESERVATION_SQL = f"""
SELECT r.id, r.seats, r.status, r.wanted_from, fi.short_name, p.number, p.planned_capacity
FROM {T['res']} r JOIN {T['firm']} fi ON fi.id = r.firm_id JOIN {T['phase']} p ON p.id = r.phase_id WHERE r.id = %s
"""

FIRM_LEASES_SQL = f"""
SELECT l.id, l.number, l.start, l."end", l.stage FROM {T['lease']} l WHERE l.firm_id = %s ORDER BY l.start DESC
"""

# The decision page: the request, and per floor of its zone (or the park) the free and counted seats on its day.
DECIDE_SQL = f"""
SELECT r.id, r.seats, r.status, fi.short_name, f.id, f.level, b.code, COUNT(s.id), COUNT(s.id) - COUNT(ls.id)
FROM {T['req']} r JOIN {T['firm']} fi ON fi.id = r.firm_id
CROSS JOIN {T['floor']} f JOIN {T['building']} b ON b.id = f.building_id
JOIN {T['seat']} s ON s.floor_id = f.id
LEFT JOIN {T['ls']} ls ON {HELD_ON}
WHERE r.id = %s AND (r.zone_preference_id IS NULL OR b.zone_id = r.zone_preference_id)
GROUP BY r.id, r.seats, r.status, fi.short_name, f.id, f.level, b.code
HAVING COUNT(s.id) > COUNT(ls.id) ORDER BY COUNT(s.id) - COUNT(ls.id) DESC
"""


# --- portal --------------------------------------------------------------------------------------------------

TENANT_FLOOR_SQL = f"""
SELECT s.id, s.code, s."row", s.col, s.kind, CASE WHEN l.firm_id = %s THEN l.number END, ls."end",
       EXISTS (SELECT 1 FROM {T['outage']} o WHERE o.seat_id = s.id AND o.start <= %s AND (o."end" IS NULL OR o."end" > %s))
FROM {T['seat']} s LEFT JOIN {T['ls']} ls ON {HELD_ON} LEFT JOIN {T['lease']} l ON l.id = ls.lease_id
WHERE s.floor_id = %s ORDER BY s."row", s.col
"""

PORTAL_HEADCOUNT_SQL = f"""
SELECT h.id, h.month, h.headcount, h.note, (SELECT COUNT(*) FROM {T['hc_hist']} x WHERE x.id = h.id)
FROM {T['hc']} h WHERE h.firm_id = %s ORDER BY h.month DESC LIMIT {HEADCOUNT_MONTHS}
"""

PORTAL_REQUESTS_SQL = f"""
SELECT r.id, r.seats, z.code, r.wanted_from, r.reason, r.status, r.created, r.decided_at, l.number
FROM {T['req']} r LEFT JOIN {T['zone']} z ON z.id = r.zone_preference_id LEFT JOIN {T['lease']} l ON l.id = r.lease_id
WHERE r.firm_id = %s ORDER BY r.created DESC
"""

MEMBERS_SQL = f"""
SELECT u.username, u.email, u.last_login, m.role FROM {T['member']} m JOIN {T['user']} u ON u.id = m.user_id
WHERE m.firm_id = %s ORDER BY u.username
"""

OWN_SEATS_SQL = f"""
SELECT s.code, z.code, b.code, f.level, s.kind, s.has_desk, s.has_computer, l.number, ls.start, ls."end"
FROM {T['ls']} ls JOIN {T['lease']} l ON l.id = ls.lease_id JOIN {T['seat']} s ON s.id = ls.seat_id {SEAT_PLACE}
WHERE l.firm_id = %s AND ls.start <= %s AND ls."end" > %s ORDER BY s.code
"""

OWN_LEASES_SQL = f"""
SELECT l.number, l.start, l."end", l.rent_terms, l.monthly_rate, l.stage, l.terminated_on,
       (SELECT COUNT(*) FROM {T['ls']} ls WHERE ls.lease_id = l.id AND ls.start <= %s AND ls."end" > %s)
FROM {T['lease']} l WHERE l.firm_id = %s ORDER BY l.start DESC
"""


def _firm_today(sql):
    return lambda p: (sql, [p.firm_id, p.today, p.today])


def _own_leases(p):
    return OWN_LEASES_SQL, [p.today, p.today, p.firm_id]


def _portal_pages() -> list[Page]:
    pages = [
        Page("portal_floor", "portal:floor", args=lambda p: [tenant_floor_id(p)], as_tenant=True,
             floor_sql=lambda p: (TENANT_FLOOR_SQL, [p.firm_id, p.today, p.today, p.today, p.today, tenant_floor_id(p)])),
        Page("portal_headcount", "portal:headcount", as_tenant=True,
             floor_sql=lambda p: (PORTAL_HEADCOUNT_SQL, [p.firm_id])),
        Page("portal_seat_request", "portal:seat_request", as_tenant=True,
             floor_sql=lambda p: (PORTAL_REQUESTS_SQL, [p.firm_id])),
        Page("portal_members", "portal:members", as_tenant=True, floor_sql=lambda p: (MEMBERS_SQL, [p.firm_id])),
    ]
    for name, sql in (("export_seats", _firm_today(OWN_SEATS_SQL)), ("export_leases", _own_leases)):
        pages.append(Page(f"portal_{name}", f"portal:{name}", as_tenant=True, floor_sql=sql))
        for fmt in ("csv", "xlsx"):
            pages.append(Page(f"portal_{name}_{fmt}", f"portal:{name}", query=lambda p, f=fmt: f"format={f}",
                              as_tenant=True, floor_sql=sql, export=fmt, variant=fmt))
    return pages


# --- reports -------------------------------------------------------------------------------------------------

# One row per group with counted, leased and out-of-service seats on a day (occupancy by building / floor).
GROUPED_OCCUPANCY_SQL = f"""
SELECT {{keys}}, COUNT(s.id), COUNT(ls.id),
       SUM(CASE WHEN ls.id IS NULL AND EXISTS (SELECT 1 FROM {T['outage']} o WHERE o.seat_id = s.id AND o.start <= %s
                AND (o."end" IS NULL OR o."end" > %s)) THEN 1 ELSE 0 END)
FROM {T['zone']} z JOIN {T['building']} b ON b.zone_id = z.id {{floor_join}}
LEFT JOIN {T['seat']} s ON s.{{seat_key}}
LEFT JOIN {T['ls']} ls ON {HELD_ON}
GROUP BY z.sort_order, {{keys}} ORDER BY z.sort_order, {{keys}}
"""


def _grouped(keys: str, floor_join: str, seat_key: str):
    sql = GROUPED_OCCUPANCY_SQL.format(keys=keys, floor_join=floor_join, seat_key=seat_key)
    return lambda p: (sql, [p.today] * 4)


BY_BUILDING = _grouped("b.id, b.code, b.name", f"LEFT JOIN {T['floor']} f ON f.building_id = b.id", "floor_id = f.id")
BY_FLOOR = _grouped("b.code, f.level, f.id", f"JOIN {T['floor']} f ON f.building_id = b.id", "floor_id = f.id")

# Every firm holding seats on a day or with a headcount report by then, with its latest report, most seats first.
BY_FIRM_SQL = f"""
SELECT * FROM (
  SELECT fi.id, fi.short_name,
         (SELECT COUNT(*) FROM {T['ls']} ls JOIN {T['lease']} l ON l.id = ls.lease_id
          WHERE l.firm_id = fi.id AND ls.start <= %s AND ls."end" > %s) AS leased,
         (SELECT h.headcount FROM {T['hc']} h WHERE h.firm_id = fi.id AND h.month <= %s ORDER BY h.month DESC LIMIT 1) AS hc
  FROM {T['firm']} fi) x
WHERE leased > 0 OR hc IS NOT NULL ORDER BY leased DESC, short_name
"""

# Per business line: its firms, seats leased and latest headcount on a day.
BY_LINE_SQL = f"""
SELECT bl.id, bl.name, COUNT(x.id), SUM(x.leased), SUM(x.hc) FROM {T['bl']} bl
JOIN {T['firm_bl']} fb ON fb.businessline_id = bl.id
JOIN (SELECT fi.id,
             (SELECT COUNT(*) FROM {T['ls']} ls JOIN {T['lease']} l ON l.id = ls.lease_id
              WHERE l.firm_id = fi.id AND ls.start <= %s AND ls."end" > %s) AS leased,
             (SELECT h.headcount FROM {T['hc']} h WHERE h.firm_id = fi.id AND h.month <= %s ORDER BY h.month DESC LIMIT 1) AS hc
      FROM {T['firm']} fi) x ON x.id = fb.firm_id
GROUP BY bl.id, bl.name, bl.sort_order ORDER BY bl.sort_order
"""

OCCUPANCY_GROUPS = {
    "zone": lambda p: (benchmark_sql.OCCUPANCY_SQL, [p.today, p.today]),
    "building": BY_BUILDING,
    "floor": BY_FLOOR,
    "firm": lambda p: (BY_FIRM_SQL, [p.today] * 3),
    "line": lambda p: (BY_LINE_SQL, [p.today] * 3),
}


# The dashboard: each zone's declared, counted, leased and out-of-service seats, each phase's capacity with its
# reserved seats, the firms operating and the park's latest headcount, as one UNION ALL.
def dashboard_sql(park):
    zones, zone_params = benchmark_sql.OCCUPANCY_SQL, [park.today, park.today]
    sql = f"""
SELECT * FROM ({zones}) zones
UNION ALL
SELECT CAST(p.number AS TEXT), NULL, p.planned_capacity,
       (SELECT COALESCE(SUM(r.seats), 0) FROM {T['res']} r WHERE r.phase_id = p.id AND r.status = 'active'),
       NULL, NULL FROM {T['phase']} p
UNION ALL
SELECT 'firms', NULL, COUNT(*), NULL, NULL, NULL FROM {T['firm']} WHERE status = 'operating'
UNION ALL
SELECT 'headcount', NULL, SUM(h.headcount), NULL, NULL, NULL FROM {T['hc']} h
WHERE h.month = (SELECT MAX(h2.month) FROM {T['hc']} h2 WHERE h2.firm_id = h.firm_id AND h2.month <= %s)
"""
    return sql, [*zone_params, park.today]


def _trend_days(park) -> list[datetime.date]:
    return [month_end(month_start(park.today, -i)) if i else park.today for i in range(23, -1, -1)]


def _per_day(days: list[datetime.date], held: str = "ls") -> tuple[str, list]:
    """Return one COUNT(DISTINCT seat) column per day of the holdings in force that day, and its parameters:
    the report's own shape (reports.selectors._leased_per_month), one pass over the holdings."""
    columns = ", ".join(
        f'COUNT(DISTINCT CASE WHEN {held}.start <= %s AND {held}."end" > %s THEN {held}.seat_id END)' for _ in days
    )
    return columns, [d for day in days for d in (day, day)]


def _nulls(n: int) -> str:
    return ", ".join(["NULL"] * n)


# Trends: per zone and month the seats leased on the month's day and the zone's seats today (the rates' base),
# the largest firm's leased seats per month and its headcount reports (the firm the page opens on), and the
# firm picker's list of firms.
def trends_sql(park):
    days = _trend_days(park)
    per_day, day_params = _per_day(days)
    n = len(days)
    sql = f"""
SELECT 'zone', z.code, {per_day} FROM {T['ls']} ls JOIN {T['seat']} s ON s.id = ls.seat_id {SEAT_PLACE}
WHERE ls.start <= %s AND ls."end" > %s GROUP BY z.code
UNION ALL
SELECT 'seats', z.code, COUNT(s.id), {_nulls(n - 1)} FROM {T['seat']} s {SEAT_PLACE} GROUP BY z.code
UNION ALL
SELECT 'firm', CAST(l.firm_id AS TEXT), {per_day} FROM {T['ls']} ls JOIN {T['lease']} l ON l.id = ls.lease_id
WHERE l.firm_id = %s AND ls.start <= %s AND ls."end" > %s GROUP BY l.firm_id
UNION ALL
SELECT 'headcount', CAST(h.month AS TEXT), h.headcount, {_nulls(n - 1)} FROM {T['hc']} h WHERE h.firm_id = %s AND h.month >= %s
UNION ALL
SELECT 'picker', short_name, id, {_nulls(n - 1)} FROM {T['firm']}
"""
    span = [days[-1], days[0]]
    return sql, [*day_params, *span, *day_params, park.firm_id, *span, park.firm_id, month_start(park.today, -23)]


# Expiry: per firm the leases and seats ending in the next 30 / 60 / 90 days, then the expiring leases.
def expiry_sql(park):
    on = park.today
    h = [on + datetime.timedelta(days=d) for d in (30, 60, 90)]
    sql = f"""
SELECT fi.short_name, l.number,
       SUM(CASE WHEN ls."end" <= %s THEN 1 ELSE 0 END), SUM(CASE WHEN ls."end" <= %s THEN 1 ELSE 0 END), COUNT(ls.id),
       SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM {T['ls']} n WHERE n.seat_id = ls.seat_id AND n.start = ls."end") THEN 1 ELSE 0 END)
FROM {T['ls']} ls JOIN {T['lease']} l ON l.id = ls.lease_id JOIN {T['firm']} fi ON fi.id = l.firm_id
WHERE ls.start <= %s AND ls."end" > %s AND ls."end" <= %s
GROUP BY fi.short_name, l.number ORDER BY COUNT(ls.id) DESC
"""
    return sql, [h[0], h[1], on, on, h[2]]


# Forecast: per zone-D phase and month (36, each on its last day) the seats leased, and the phase's reservations.
def forecast_sql(park):
    days = [month_end(month_start(park.today, i)) for i in range(36)]
    per_day, day_params = _per_day(days)
    sql = f"""
SELECT 'leased', b.phase_id, NULL, {per_day}
FROM {T['ls']} ls JOIN {T['seat']} s ON s.id = ls.seat_id JOIN {T['floor']} f ON f.id = s.floor_id
JOIN {T['building']} b ON b.id = f.building_id
WHERE b.phase_id IS NOT NULL AND ls.start <= %s AND ls."end" > %s GROUP BY b.phase_id
UNION ALL
SELECT 'reserved', r.phase_id, CAST(r.wanted_from AS TEXT), r.seats, {_nulls(len(days) - 1)} FROM {T['res']} r
"""
    return sql, [*day_params, days[-1], days[0]]


def _report_pages() -> list[Page]:
    pages = [
        Page("home", "home", query=lambda p: f"on={p.today.isoformat()}", floor_sql=dashboard_sql, park_wide=True),
        Page("dashboard", "reports:dashboard", floor_sql=dashboard_sql, park_wide=True),
    ]
    for group, floor in OCCUPANCY_GROUPS.items():
        query = f"group={group}"
        if group != "zone":  # benchmark_sql.PAGES has the zone grouping's page
            pages.append(Page(f"occupancy_{group}", "reports:occupancy", query=lambda p, q=query: q, floor_sql=floor,
                              park_wide=True, variant=group))
        for fmt in ("csv", "xlsx"):
            pages.append(Page(f"occupancy_{group}_{fmt}", "reports:occupancy",
                              query=lambda p, q=query, f=fmt: f"{q}&_export={f}", floor_sql=floor, export=fmt,
                              variant=f"{group} {fmt}"))
    pages += [
        Page("trends", "reports:trends", floor_sql=trends_sql, park_wide=True),
        Page("expiry", "reports:expiry", floor_sql=expiry_sql, park_wide=True),
        Page("forecast", "reports:forecast", floor_sql=forecast_sql, park_wide=True),
    ]
    return pages


def _planner_pages() -> list[Page]:
    return [
        Page("floor_free", "planner:floor_free", args=lambda p: [p.floor_id],
             query=lambda p: "start={}&end={}".format(*(d.isoformat() for d in _free_period(p))), floor_sql=floor_free_sql),
        Page("seat_history", "planner:seat_history", args=lambda p: [held_seat_id(p)],
             floor_sql=lambda p: (SEAT_HISTORY_SQL, [held_seat_id(p)] * 3)),
        Page("seat_history_lookup", "planner:seat_history_lookup", query=lambda p: f"code={held_seat_code(p)}",
             floor_sql=lambda p: (f"SELECT id FROM {T['seat']} WHERE code = %s", [held_seat_code(p)]), expected_status=302),
        Page("search", "planner:search", query=lambda p: f"q={SEARCH_TERM}", floor_sql=search_sql),
        Page("reservation_actions", "planner:reservation_actions", args=lambda p: [reservation_id(p)],
             floor_sql=lambda p: (RESERVATION_SQL, [reservation_id(p)])),
        Page("firm_leases", "planner:firm_leases", query=lambda p: f"firm={p.firm_id}",
             floor_sql=lambda p: (FIRM_LEASES_SQL, [p.firm_id])),
        Page("firm_autocomplete", "firms:autocomplete", query=lambda p: f"q={SEARCH_TERM}",
             floor_sql=lambda p: (f"SELECT id, short_name, name FROM {T['firm']} WHERE name LIKE %s OR short_name LIKE %s "
                                  f"ORDER BY short_name LIMIT 20", [f"%{SEARCH_TERM}%"] * 2)),
        Page("seat_request_decide", "registers:seat_request_decide", args=lambda p: [pending_request_id(p)],
             floor_sql=lambda p: (DECIDE_SQL, [p.today, p.today, pending_request_id(p)])),
    ]


# --- the rows the argument builders look up (once per page, never timed) ----------------------------------------


def held_seat_id(park) -> int:
    return _held_seat(park)[0]


def held_seat_code(park) -> str:
    return _held_seat(park)[1]


def _held_seat(park):
    from parkops.leases.models import LeaseSeat

    ls = LeaseSeat.objects.on(park.today).filter(seat__floor_id=park.floor_id).select_related("seat").order_by("seat__code").first()
    return ls.seat.pk, ls.seat.code


def tenant_floor_id(park) -> int:
    from parkops.leases.models import LeaseSeat

    return LeaseSeat.objects.on(park.today).filter(lease__firm_id=park.firm_id).values_list("seat__floor_id", flat=True).first()


def reservation_id(park) -> int:
    return CapacityReservation.objects.order_by("pk").values_list("pk", flat=True).first()


def pending_request_id(park) -> int:
    return SeatRequest.objects.filter(firm_id=park.firm_id).order_by("pk").values_list("pk", flat=True).first()


def pages() -> list[Page]:
    """Return every page the benchmark measures, benchmark_sql.PAGES first."""
    core = list(benchmark_sql.PAGES)
    for page in core:
        if page.url_name in PARK_WIDE:
            page.park_wide = True
    return core + _planner_pages() + _register_pages() + _portal_pages() + _report_pages()


# Park-wide pages of benchmark_sql.PAGES (the catalogue's own are marked where they are declared).
PARK_WIDE = {"planner:overview", "planner:zone_d", "reports:occupancy", "portal:home"}

# URL names the benchmark does not measure, and why.
EXCLUDED = {
    "healthz": "monitoring probe: one SELECT 1, no page",
    "favicon": "a static redirect",
    "login": "the sign-in form; measured by the --http mode's sign-in, not as a page",
    "logout": "POST only: ends the session",
    "password_change": "a form with no park data",
    "password_change_done": "a static page",
    "set_language": "POST only: sets the language cookie (django.conf.urls.i18n)",
    "planner:floor_action": "POST only: the allocation write, measured as services.seats_allocate / seats_release",
    "planner:reservation_add": "POST only: a reservation write (services.reservation_create)",
    "planner:reservation_change": "POST only: a reservation write",
    "planner:reservation_cancel": "POST only: a reservation write",
    "planner:reservation_convert": "POST only: a reservation write",
    "portal:seat_request_withdraw": "POST only: a request write",
}
# Django admin (admin:*) is the bureau's tool, not a page of staff, portal, registers or reports.
EXCLUDED_NAMESPACES = {"admin": "the Django admin: the bureau's tool, outside the issue's pages"}
