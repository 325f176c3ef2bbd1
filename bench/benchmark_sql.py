"""The pages the benchmark (python -m bench) measures, each with its floor: one SQL query returning exactly
the rows the page shows. Also the floor of the allocation services: the rows they write, holdings and
history, in one statement each.

The SQL is plain and portable (SQLite and PostgreSQL); "end" and "row" are quoted because they are
keywords. Dates are passed as parameters.
"""
from __future__ import annotations

from django.db import connections, transaction
from django.utils import timezone

from parkops.core.lookups import ids_match
from parkops.firms.models import Firm
from parkops.leases.models import CapacityReservation, HeadcountReport, Lease, LeaseSeat, SeatRequest
from parkops.zones.models import Building, Floor, Phase, Seat, SeatOutage, Zone

from .pages import Page

T = {
    "zone": Zone._meta.db_table,
    "phase": Phase._meta.db_table,
    "building": Building._meta.db_table,
    "floor": Floor._meta.db_table,
    "seat": Seat._meta.db_table,
    "firm": Firm._meta.db_table,
    "lease": Lease._meta.db_table,
    "ls": LeaseSeat._meta.db_table,
    "res": CapacityReservation._meta.db_table,
    "req": SeatRequest._meta.db_table,
    "hc": HeadcountReport._meta.db_table,
    "hist": LeaseSeat.history.model._meta.db_table,
    "outage": SeatOutage._meta.db_table,
}
HELD_ON = 'ls.seat_id = s.id AND ls.start <= %s AND ls."end" > %s'
SEAT_PLACE = (
    "JOIN {floor} f ON f.id = s.floor_id JOIN {building} b ON b.id = f.building_id JOIN {zone} z ON z.id = b.zone_id"
).format(**T)

# Occupancy per floor on a day, with its building and zone: what the park overview shows (zone and phase
# totals are sums of these rows).
OVERVIEW_SQL = f"""
SELECT z.code, b.code, b.phase_id, f.id, f.level, COUNT(s.id), COUNT(ls.id),
       SUM(CASE WHEN EXISTS (SELECT 1 FROM {T['outage']} o WHERE o.seat_id = s.id AND o."end" IS NULL) AND ls.id IS NULL THEN 1 ELSE 0 END)
FROM {T['seat']} s {SEAT_PLACE}
LEFT JOIN {T['ls']} ls ON {HELD_ON}
GROUP BY z.sort_order, z.code, b.code, b.phase_id, f.id, f.level ORDER BY z.sort_order, b.code, f.level
"""

# Every zone's declared seats beside counted, leased and out-of-service seats on a day: the occupancy report
# as it opens (grouped by zone).
OCCUPANCY_SQL = f"""
SELECT z.code, z.name, z.declared_seats, COUNT(s.id), COUNT(ls.id),
       SUM(CASE WHEN EXISTS (SELECT 1 FROM {T['outage']} o WHERE o.seat_id = s.id AND o."end" IS NULL) AND ls.id IS NULL THEN 1 ELSE 0 END)
FROM {T['zone']} z
LEFT JOIN {T['building']} b ON b.zone_id = z.id
LEFT JOIN {T['floor']} f ON f.building_id = b.id
LEFT JOIN {T['seat']} s ON s.floor_id = f.id
LEFT JOIN {T['ls']} ls ON {HELD_ON}
GROUP BY z.id, z.sort_order, z.code, z.name, z.declared_seats ORDER BY z.sort_order, z.code
"""

# Every seat of one floor with its holder on a day, in grid order. On PostgreSQL the holdings are matched
# against the floor's seat ids as an array too: with the plain join the planner scans every holding in force
# that day (14 ms at 100,000 seats against 5.6 ms), and the floor should be the fastest such query.
FLOOR_SQL = f"""
SELECT s.id, s.code, s."row", s.col, s.kind, s.available_from, ls.start, ls."end", l.id, l.number, fi.id, fi.short_name
FROM {T['seat']} s
LEFT JOIN {T['ls']} ls ON {HELD_ON}{{by_id}}
LEFT JOIN {T['lease']} l ON l.id = ls.lease_id
LEFT JOIN {T['firm']} fi ON fi.id = l.firm_id
WHERE s.floor_id = %s ORDER BY s."row", s.col
"""


def floor_sql(park):
    if connections["default"].vendor == "postgresql":
        by_id = f" AND ls.seat_id = ANY(ARRAY(SELECT id FROM {T['seat']} WHERE floor_id = %s))"
        return FLOOR_SQL.format(by_id=by_id), [park.today, park.today, park.floor_id, park.floor_id]
    return FLOOR_SQL.format(by_id=""), [park.today, park.today, park.floor_id]


# Seats per floor and holding firm of one building on a day, top floor first.
STACK_SQL = f"""
SELECT f.id, f.level, fi.id, fi.short_name, COUNT(s.id)
FROM {T['floor']} f JOIN {T['seat']} s ON s.floor_id = f.id
LEFT JOIN {T['ls']} ls ON {HELD_ON}
LEFT JOIN {T['lease']} l ON l.id = ls.lease_id
LEFT JOIN {T['firm']} fi ON fi.id = l.firm_id
WHERE f.building_id = %s GROUP BY f.id, f.level, fi.id, fi.short_name ORDER BY f.level DESC, fi.short_name
"""

# Zone D's phases with everything the board shows: name, status, planned capacity and handover dates; floors,
# seats laid out, seats leased on the day and seats held from the day on (booked = held - leased, so the
# holdings are joined from the day on as the board's own count does, DISTINCT because a seat can have several
# later holdings); and the reservations made by the day with their firm, note, dates, status, the reserved
# seats standing on the day and a converted one's lease number.
ZONE_D_SQL = f"""
SELECT p.number, p.name, p.status, p.planned_capacity, CAST(p.expected_handover AS TEXT), CAST(p.actual_handover AS TEXT),
       c.floors, c.seats, c.leased, c.held, r.id, r.seats, r.status, CAST(r.wanted_from AS TEXT), r.note,
       CASE WHEN r.status <> 'converted' AND (r.closed_on IS NULL OR r.closed_on > %s) THEN r.seats ELSE 0 END,
       fi.short_name, l.number
FROM {T['phase']} p
LEFT JOIN (SELECT b.phase_id, COUNT(DISTINCT s.floor_id) AS floors, COUNT(DISTINCT s.id) AS seats,
                  COUNT(DISTINCT CASE WHEN ls.start <= %s THEN ls.seat_id END) AS leased, COUNT(DISTINCT ls.seat_id) AS held
           FROM {T['seat']} s JOIN {T['floor']} f ON f.id = s.floor_id JOIN {T['building']} b ON b.id = f.building_id
           LEFT JOIN {T['ls']} ls ON ls.seat_id = s.id AND ls."end" > %s
           WHERE b.phase_id IS NOT NULL AND s.available_from <= %s AND (s.retired_on IS NULL OR s.retired_on > %s)
           GROUP BY b.phase_id) c ON c.phase_id = p.id
LEFT JOIN {T['res']} r ON r.phase_id = p.id AND r.reserved_on <= %s
LEFT JOIN {T['firm']} fi ON fi.id = r.firm_id
LEFT JOIN {T['lease']} l ON l.id = r.lease_id
ORDER BY p.number, r.status, r.seats DESC
"""


# A firm's portal: its seats per floor on a day, its leases (terms, stage, dates: the page derives each one's
# state and days left from them) with seats held that day, its latest headcount, its last 20 seat requests with
# their zone, decision and lease, and its reservations with their phase's zone and lease, as one UNION ALL.
PORTAL_SQL = f"""
SELECT 'floor', z.code, b.code, CAST(f.level AS TEXT), f.label, NULL, NULL, NULL, COUNT(ls.id)
FROM {T['ls']} ls JOIN {T['lease']} l ON l.id = ls.lease_id
JOIN {T['seat']} s ON s.id = ls.seat_id {SEAT_PLACE}
WHERE l.firm_id = %(firm)s AND ls.start <= %(on)s AND ls."end" > %(on)s
GROUP BY z.sort_order, z.code, b.code, f.level, f.label
UNION ALL
SELECT 'lease', l.number, CAST(l.start AS TEXT), CAST(l."end" AS TEXT), CAST(l.terminated_on AS TEXT), l.stage, l.rent_terms,
       CAST(l.monthly_rate AS TEXT),
       (SELECT COUNT(*) FROM {T['ls']} ls WHERE ls.lease_id = l.id AND ls.start <= %(on)s AND ls."end" > %(on)s)
FROM {T['lease']} l WHERE l.firm_id = %(firm)s
UNION ALL
SELECT * FROM (SELECT 'headcount', CAST(h.month AS TEXT), NULL, NULL, NULL, NULL, NULL, NULL, h.headcount FROM {T['hc']} h
               WHERE h.firm_id = %(firm)s ORDER BY h.month DESC LIMIT 1) latest
UNION ALL
SELECT * FROM (SELECT 'request', CAST(r.id AS TEXT), CAST(r.created AS TEXT), r.status, CAST(r.wanted_from AS TEXT), z.code,
                      r.decision_reason, l.number, r.seats
               FROM {T['req']} r LEFT JOIN {T['zone']} z ON z.id = r.zone_preference_id
               LEFT JOIN {T['lease']} l ON l.id = r.lease_id
               WHERE r.firm_id = %(firm)s ORDER BY r.created DESC LIMIT 20) recent
UNION ALL
SELECT 'reservation', r.status, CAST(p.number AS TEXT), z.code, CAST(r.wanted_from AS TEXT), l.number, NULL, NULL, r.seats
FROM {T['res']} r JOIN {T['phase']} p ON p.id = r.phase_id JOIN {T['zone']} z ON z.id = p.zone_id
LEFT JOIN {T['lease']} l ON l.id = r.lease_id WHERE r.firm_id = %(firm)s
"""

# Every seat of the park with its place and today's holder (firm, lease, end), for the CSV export.
SEATS_CSV_SQL = f"""
SELECT s.code, z.code, b.code, f.level, s.kind, s.available_from, fi.short_name, l.number, ls."end"
FROM {T['seat']} s {SEAT_PLACE}
LEFT JOIN {T['ls']} ls ON {HELD_ON}
LEFT JOIN {T['lease']} l ON l.id = ls.lease_id
LEFT JOIN {T['firm']} fi ON fi.id = l.firm_id
ORDER BY s.code
"""


def _on(park):
    return park.today.isoformat()


PAGES = [
    Page("overview", "planner:overview", query=lambda p: f"on={_on(p)}",
         floor_sql=lambda p: (OVERVIEW_SQL, [p.today, p.today])),
    Page("floor", "planner:floor", args=lambda p: [p.floor_id],
         floor_sql=floor_sql),
    Page("building_stack", "planner:building_stack", args=lambda p: [p.building_id],
         floor_sql=lambda p: (STACK_SQL, [p.today, p.today, p.building_id])),
    Page("zone_d", "planner:zone_d", floor_sql=lambda p: (ZONE_D_SQL, [p.today] * 6)),
    Page("occupancy", "reports:occupancy", query=lambda p: f"on={_on(p)}", floor_sql=lambda p: (OCCUPANCY_SQL, [p.today, p.today])),
    Page("portal", "portal:home", as_tenant=True,
         floor_sql=lambda p: (PORTAL_SQL, {"firm": p.firm_id, "on": p.today})),
    Page("seat_csv", "registers:seat_list", query=lambda p: "_export=csv", variant="csv", export="csv",
         floor_sql=lambda p: (SEATS_CSV_SQL, [p.today, p.today])),
]


def service_floor(lease, seats, today):
    """Return three functions, each one transaction: the INSERT of the holdings seats_allocate writes plus the
    INSERT ... SELECT of their history rows; the history rows of their removal plus the DELETE of them
    (seats_release from the first day); and that removal preceded by the locks and the read a release run
    beside other writers needs (the lease row, the seats in id order, the holdings read under those locks)."""
    conn = connections["default"]
    now = conn.ops.adapt_datetimefield_value(timezone.now())
    values = ", ".join(["(%s, %s, %s, %s)"] * len(seats))
    params = [x for seat in seats for x in (lease.pk, seat.pk, today, lease.end)]
    insert = (f'INSERT INTO {T["ls"]} (lease_id, seat_id, start, "end") VALUES {values}', params)
    delete = (f"DELETE FROM {T['ls']} WHERE lease_id = %s", [lease.pk])
    ids = [seat.pk for seat in seats]
    lock = " FOR UPDATE" if conn.vendor == "postgresql" else ""  # SQLite locks the whole database instead
    seat_ids, seat_params = ids_match("id", ids, conn.vendor)
    held_ids, held_params = ids_match("seat_id", ids, conn.vendor)
    locks = [
        (f"SELECT id FROM {T['lease']} WHERE id = %s{lock}", [lease.pk]),
        (f"SELECT id FROM {T['seat']} WHERE {seat_ids} ORDER BY id{lock}", seat_params),
        (f'SELECT id, start, "end" FROM {T["ls"]} WHERE lease_id = %s AND {held_ids} AND "end" > %s ORDER BY id',
         [lease.pk, *held_params, today]),
    ]
    return (
        lambda: _execute(insert, _history(lease, now, "+", "allocate")),
        lambda: _execute(_history(lease, now, "-", "release"), delete),
        lambda: _execute(*locks, _history(lease, now, "-", "release"), delete),
    )


def _history(lease, now, kind: str, reason: str):
    return (
        f'INSERT INTO {T["hist"]} (id, lease_id, seat_id, start, "end", history_date, history_type, '
        f"history_change_reason) SELECT id, lease_id, seat_id, start, \"end\", %s, %s, %s FROM {T['ls']} "
        f"WHERE lease_id = %s",
        [now, kind, reason, lease.pk],
    )


def _execute(*statements) -> None:
    with transaction.atomic(), connections["default"].cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            if sql.startswith("SELECT"):
                cursor.fetchall()
