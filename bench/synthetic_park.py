"""A synthetic park of any size, for the benchmark (python -m bench).

The shape follows the real park (PARK.md): operating zones A, B, B1 and C hold the
first ~7,000 seats, zone D's phases hold the rest; floors of 200-600 seats (the
first floor of the park always has 600 when the park is that large); about one
firm per 60 seats; about 80% of seats leased today, with earlier leases that
started and ended inside the last 24 months; monthly headcount reports; capacity
reservations on zone D's later phases (25 at every size).

This is measurement scaffolding for a throwaway database only. Rows are written
with bulk_create, or for the three big tables (seats, holdings, headcount reports)
with multi-row INSERTs of ready values, bypassing parkops.leases.services (and so
leaving no history rows): going through the services would take minutes at
100,000 seats, model instances alone most of a minute, and no real park data ever
lives in the database this writes to.
"""
from __future__ import annotations

import datetime
import random
import time
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connections
from django.db.models import Max
from django.utils import timezone

from parkops.core.access import PARK_STAFF
from parkops.core.dates import month_start
from parkops.firms.choices import FirmStatus, MemberRole
from parkops.firms.models import Firm, FirmMember
from parkops.leases.choices import LeaseStage, ReservationStatus
from parkops.leases.models import CapacityReservation, HeadcountReport, Lease, LeaseSeat
from parkops.zones.choices import PhaseStatus, SeatKind, ZoneStatus
from parkops.zones.models import Building, Floor, Phase, Seat, SeatOutage, Zone

BATCH = 5000
FLOOR_SIZES = (600, 400, 300, 500, 200, 450, 250, 350)
GRID_COLS = 30
OPERATING_SEATS = 7000
OPERATING_ZONES = (("C", "C区"), ("A", "A区"), ("B", "B区"), ("B1", "B1区"))
OPERATING_FLOORS_PER_BUILDING = 4
D_FLOORS_PER_BUILDING = 15
PHASE_CAPACITY = (35000, 25000, 20000, 20000)
SEATS_PER_FIRM = 60
LEASED_SHARE = 0.8
LARGEST_FIRM_SEATS = 600
OTHER_FIRM_SEATS = (20, 35, 50, 80, 45, 60, 30, 70, 40, 25)
OUT_OF_SERVICE_EVERY = 53
SEATS_FROM = datetime.date(2008, 1, 1)  # every synthetic seat exists long before its first holding
HEADCOUNT_MONTHS = 12
RESERVATIONS = 25


@dataclass
class Park:
    """What the benchmark measures on: ids of the interesting rows, and the users to log in as."""

    size: int
    today: datetime.date
    seats: int = 0
    floor_id: int | None = None
    building_id: int | None = None
    firm_id: int | None = None
    staff: object = None
    tenant: object = None
    counts: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)


def generate_park(size: int, *, today: datetime.date, seed: int = 7) -> Park:
    """Write a park of `size` seats into the (throwaway) default database and return what to measure.

    park.counts holds the rows written per table and park.timings the seconds each step took.
    """
    rng = random.Random(seed)
    park = Park(size=size, today=today)
    clock = _Clock(park.timings)
    zones, phases = _make_zones()
    floors = clock("buildings", _make_buildings, size, zones, phases)
    seat_ids = clock("seats", _make_seats, floors)
    firms = clock("firms", _make_firms, size)
    clock("leases", _make_leases, firms, seat_ids, today, rng)
    clock("headcounts", _make_headcounts, firms, today, rng)
    clock("reservations", _make_reservations, firms, phases, today, rng)
    park.seats = len(seat_ids)
    park.floor_id = max(floors, key=lambda f: f[1])[0].pk
    park.building_id = _largest_building(floors)
    park.firm_id = firms[0].pk
    park.staff, park.tenant = _make_users(firms[0])
    park.counts = _counts()
    return park


class _Clock:
    """Call a step and record its wall time in seconds under a name."""

    def __init__(self, timings: dict):
        self.timings = timings

    def __call__(self, name, func, *args):
        started = time.perf_counter()
        result = func(*args)
        self.timings[name] = round(time.perf_counter() - started, 2)
        return result


def _make_zones() -> tuple[dict[str, Zone], list[Phase]]:
    zones = {
        code: Zone.objects.create(code=code, name=name, sort_order=i, declared_seats=OPERATING_SEATS // 4)
        for i, (code, name) in enumerate(OPERATING_ZONES)
    }
    zones["D"] = Zone.objects.create(
        code="D", name="D区", sort_order=9, status=ZoneStatus.UNDER_CONSTRUCTION, declared_seats=sum(PHASE_CAPACITY)
    )
    phases = [
        Phase.objects.create(
            zone=zones["D"], number=n, planned_capacity=cap,
            status=PhaseStatus.OPERATING if n == 1 else PhaseStatus.UNDER_CONSTRUCTION,
        )
        for n, cap in enumerate(PHASE_CAPACITY, start=1)
    ]
    return zones, phases


def _floor_sizes(size: int) -> list[int]:
    sizes, left = [], size
    while left > 0:
        n = min(FLOOR_SIZES[len(sizes) % len(FLOOR_SIZES)], left)
        sizes.append(n)
        left -= n
    return sizes


def _make_buildings(size: int, zones: dict[str, Zone], phases: list[Phase]) -> list[tuple[Floor, int]]:
    """Group the floors into buildings: 4-floor ones in the operating zones, then 15-floor ones in zone D."""
    groups, placed, current = [], 0, []
    for n in _floor_sizes(size):
        in_d = placed >= OPERATING_SEATS
        limit = D_FLOORS_PER_BUILDING if in_d else OPERATING_FLOORS_PER_BUILDING
        if current and (len(current) == limit or in_d != groups[-1][0]):
            current = []
        if not current:
            groups.append((in_d, current))
        current.append(n)
        placed += n
    buildings = [_building(i, in_d, zones, phases, sum(sum(g) for d, g in groups[:i] if d)) for i, (in_d, _) in enumerate(groups)]
    Building.objects.bulk_create(buildings)
    floors = [
        (Floor(building=b, level=level, grid_rows=-(-n // GRID_COLS), grid_cols=GRID_COLS), n)
        for b, (_, sizes) in zip(buildings, groups)
        for level, n in enumerate(sizes, start=1)
    ]
    Floor.objects.bulk_create([f for f, _ in floors])
    return floors


def _building(i: int, in_d: bool, zones, phases, d_seats_before: int) -> Building:
    if not in_d:
        zone_code = OPERATING_ZONES[i % len(OPERATING_ZONES)][0]
        return Building(zone=zones[zone_code], code=f"{zone_code}-{i + 1}", name=f"{zone_code}-{i + 1}栋")
    phase, filled = phases[-1], 0
    for candidate, cap in zip(phases, PHASE_CAPACITY):
        filled += cap
        if d_seats_before < filled:
            phase = candidate
            break
    return Building(zone=zones["D"], phase=phase, code=f"D-{i + 1}", name=f"D-{i + 1}栋")


def _make_seats(floors: list[tuple[Floor, int]]) -> list[int]:
    """Lay out each floor's seats row by row; return the seat ids in floor and grid order."""
    kinds = (SeatKind.WORKSTATION,) * 3 + (SeatKind.CALL_CENTRE_BOOTH,)
    now = _now()
    rows, k = [], 0
    for floor, n in floors:
        prefix = f"{floor.building.code}-{floor.level}F-"
        for i in range(n):
            k += 1
            rows.append(
                (now, now, floor.pk, f"{prefix}{i + 1:04d}", i // GRID_COLS, i % GRID_COLS, kinds[k % len(kinds)],
                 True, True, SEATS_FROM, "")
            )
    fields = ("created", "modified", "floor", "code", "row", "col", "kind", "has_desk", "has_computer", "available_from", "note")
    _insert_rows(Seat, fields, rows)
    ids = dict(Seat.objects.values_list("code", "id"))
    ordered = [ids[row[3]] for row in rows]
    # One seat in OUT_OF_SERVICE_EVERY is out of service (an open outage since the seats exist).
    outages = [(now, now, seat_id, SEATS_FROM, None, "") for k, seat_id in enumerate(ordered, start=1) if k % OUT_OF_SERVICE_EVERY == 0]
    _insert_rows(SeatOutage, ("created", "modified", "seat", "start", "end", "reason"), outages)
    return ordered


def _insert_rows(model, fields: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT rows of ready database values, many per statement, without model instances."""
    conn = connections["default"]
    quote = conn.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = min(BATCH, (conn.features.max_query_params or BATCH * len(fields)) // len(fields))
    with conn.cursor() as cursor:
        for at in range(0, len(rows), per_statement):
            chunk = rows[at:at + per_statement]
            cursor.execute(head + ", ".join([one] * len(chunk)), [value for row in chunk for value in row])


def _now():
    return connections["default"].ops.adapt_datetimefield_value(timezone.now())


def _day(day: datetime.date):
    return connections["default"].ops.adapt_datefield_value(day)


def _largest_building(floors: list[tuple[Floor, int]]) -> int:
    totals: dict[int, int] = {}
    for floor, n in floors:
        totals[floor.building_id] = totals.get(floor.building_id, 0) + n
    return max(totals, key=totals.get)


def _make_firms(size: int) -> list[Firm]:
    """About one firm per 60 seats; the first is the largest tenant."""
    count = max(2, size // SEATS_PER_FIRM)
    firms = [
        Firm(name=f"基准测试企业{i:05d}有限公司", short_name=f"企业{i:05d}", status=FirmStatus.OPERATING, is_demo=True)
        for i in range(count)
    ]
    return Firm.objects.bulk_create(firms, batch_size=BATCH)


def _firm_blocks(firms: list[Firm], n_seats: int) -> list[tuple[Firm, int, int]]:
    """Return (firm, held seats, gap after) so that about 80% of the park is held, in contiguous blocks."""
    leased = int(n_seats * LEASED_SHARE)
    first = min(LARGEST_FIRM_SEATS, max(1, leased // 4))
    wanted = [first] + [OTHER_FIRM_SEATS[i % len(OTHER_FIRM_SEATS)] for i in range(len(firms) - 1)]
    scale = (leased - first) / max(1, sum(wanted[1:]))
    held = [first] + [max(1, min(first - 1, round(w * scale))) for w in wanted[1:]]
    free_share = (n_seats - sum(held)) / max(1, sum(held))
    return [(firm, h, max(0, round(h * free_share))) for firm, h in zip(firms, held)]


def _make_leases(firms: list[Firm], seat_ids: list[int], today: datetime.date, rng: random.Random) -> None:
    """Each firm: a current lease on its block; every third also an earlier lease on it that ran out;
    every second also a lease that started and ended inside the last 24 months on the seats after its block,
    which are free today."""
    leases, holdings, pos = [], [], 0
    for i, (firm, held, gap) in enumerate(_firm_blocks(firms, len(seat_ids))):
        block, after = seat_ids[pos:pos + held], seat_ids[pos + held:pos + held + gap]
        pos += held + gap
        for lease, seats in _firm_leases(i, firm, block, after, today, rng):
            leases.append(lease)
            holdings.append((lease, seats))
    Lease.objects.bulk_create(leases, batch_size=BATCH)
    rows = []
    for lease, seats in holdings:
        start, end = _day(lease.start), _day(lease.end)
        rows += [(lease.pk, seat_id, start, end) for seat_id in seats]
    _insert_rows(LeaseSeat, ("lease", "seat", "start", "end"), rows)


def _firm_leases(i, firm, block, after, today, rng):
    def lease(k, start, end):
        # Signed; whether it is active or ended on a day is derived from its dates.
        return Lease(firm=firm, number=f"BENCH-{i:05d}-{k}", start=start, end=end, stage=LeaseStage.SIGNED)

    start = today - datetime.timedelta(days=rng.randint(30, 300))
    end = today + datetime.timedelta(days=rng.randint(20, 1000))
    out = [(lease(1, start, end), block)] if block else []
    if block and i % 3 == 0:
        out.append((lease(2, start - datetime.timedelta(days=360), start), block))
    if after and i % 2 == 0:
        past_start = today - datetime.timedelta(days=rng.randint(500, 700))
        out.append((lease(3, past_start, past_start + datetime.timedelta(days=300)), after))
    return out


def _make_headcounts(firms: list[Firm], today: datetime.date, rng: random.Random) -> None:
    months, month = [], today.replace(day=1)
    for _ in range(HEADCOUNT_MONTHS):
        months.append(month)
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    now = _now()
    rows = [(now, now, firm.pk, _day(m), rng.randint(5, 400), "", "") for firm in firms for m in months]
    _insert_rows(HeadcountReport, ("created", "modified", "firm", "month", "headcount", "note", "confirmation_reason"), rows)


def _make_reservations(firms, phases, today, rng) -> None:
    """25 reservations, as in the real park, at every size (the capacity board's list should not grow with the
    park), on the phases not yet laid out."""
    count = RESERVATIONS
    later = phases[1:]
    per_phase = {p.pk: 0 for p in later}
    rows = []
    for i in range(count):
        phase = later[i % len(later)]
        seats = rng.randint(50, 600)
        if per_phase[phase.pk] + seats > phase.planned_capacity:
            continue
        per_phase[phase.pk] += seats
        rows.append(
            CapacityReservation(
                firm=firms[-1 - i % len(firms)], phase=phase, seats=seats, status=ReservationStatus.ACTIVE,
                wanted_from=today + datetime.timedelta(days=rng.randint(30, 700)),
            )
        )
    CapacityReservation.objects.bulk_create(rows)


def _make_users(firm: Firm):
    User = get_user_model()
    staff = User.objects.create(username="bench-staff", is_staff=True)
    staff.groups.add(Group.objects.get(name=PARK_STAFF))
    tenant = User.objects.create(username="bench-tenant")
    FirmMember.objects.create(user=tenant, firm=firm, role=MemberRole.ADMIN)
    return staff, tenant


def _counts() -> dict[str, int]:
    models = {"seats": Seat, "floors": Floor, "buildings": Building, "firms": Firm, "leases": Lease,
              "lease_seats": LeaseSeat, "headcount_reports": HeadcountReport, "reservations": CapacityReservation}
    return {name: model.objects.count() for name, model in models.items()}


# --- history: months of monthly changes before today's state ---------------------------------------

HISTORY_HELD_SHARE = 0.85   # of the months of history, a seat is held in about this share
HISTORY_SWITCH_SHARE = 0.1  # a held month goes to another firm (a new lease) this often; otherwise a renewal


def add_history(months: int, *, today: datetime.date, seed: int = 11) -> dict:
    """Write `months` months of monthly changes on every seat, all before the park's present rows; return counts.

    Each seat gets one holding per calendar month before its earliest holding (or before today for a seat
    never held): renewed month after month under its firm's lease of that month, released now and then
    (HISTORY_HELD_SHARE), and now and then taken by another firm (HISTORY_SWITCH_SHARE). Every firm gets one
    lease per month it held seats in (start on the 1st, end on the next 1st: a monthly renewal), and every
    holding its "+" history row, as the services would write. Nothing written here
    is in force on or after any present holding's start, so what today's pages show is unchanged: only the
    rows they must skip grow (issue 21, item 2).
    """
    rng = random.Random(seed)
    started = time.perf_counter()
    firm_ids = list(Firm.objects.order_by("pk").values_list("pk", flat=True))
    first: dict[int, tuple[datetime.date, int]] = {}
    for seat_id, start, firm_id in LeaseSeat.objects.order_by("start").values_list("seat", "start", "lease__firm"):
        first.setdefault(seat_id, (start, firm_id))
    seat_ids = list(Seat.objects.order_by("pk").values_list("pk", flat=True))
    plan = []  # (seat, firm, start, end)
    for k, seat_id in enumerate(seat_ids):
        boundary, firm_id = first.get(seat_id, (today, firm_ids[k * len(firm_ids) // len(seat_ids)]))
        month = month_start(boundary - datetime.timedelta(days=1))
        for _ in range(months):
            end = min(month_start(month, 1), boundary)
            if rng.random() < HISTORY_HELD_SHARE:
                if rng.random() < HISTORY_SWITCH_SHARE:
                    firm_id = rng.choice(firm_ids)
                plan.append((seat_id, firm_id, month, end))
            month = month_start(month, -1)
    # A firm's lease of a month runs to its last holding's end: the next 1st, or sooner where the present rows
    # begin (never after today, so no history lease is in force, upcoming or expiring today).
    ends: dict[tuple[int, datetime.date], datetime.date] = {}
    for _, firm_id, month, end in plan:
        ends[(firm_id, month)] = max(end, ends.get((firm_id, month), end))
    leases = {
        (firm_id, month): Lease(
            firm_id=firm_id, number=f"HIST-{firm_id:05d}-{month:%Y%m}", start=month, end=end, stage=LeaseStage.SIGNED,
        )
        for (firm_id, month), end in ends.items()
    }
    Lease.objects.bulk_create(leases.values(), batch_size=BATCH)
    rows = [(leases[(f, m)].pk, s, _day(m), _day(e)) for s, f, m, e in plan]
    before = LeaseSeat.objects.aggregate(top=Max("id"))["top"] or 0
    _insert_rows(LeaseSeat, ("lease", "seat", "start", "end"), rows)
    _history_rows(before)
    return {
        "months": months, "leases": len(leases), "holdings": len(rows),
        "lease_seats": LeaseSeat.objects.count(), "seconds": round(time.perf_counter() - started, 1),
    }


def _history_rows(after_id: int) -> None:
    """Write the "+" history row of each holding above `after_id`, dated its start (a monthly holding runs to its
    lease's end, so no later change is recorded)."""
    History = LeaseSeat.history.model
    conn = connections["default"]
    quote = conn.ops.quote_name
    table, source = quote(History._meta.db_table), quote(LeaseSeat._meta.db_table)
    cols = ", ".join(quote(c) for c in ("id", "lease_id", "seat_id", "start", "end"))
    if conn.vendor == "postgresql":
        when = "CAST(start AS timestamp with time zone)"
    else:
        when = "start || ' 00:00:00'"
    with conn.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({cols}, history_date, history_type, history_change_reason) "
            f"SELECT {cols}, {when}, %s, %s FROM {source} WHERE id > %s",
            ["+", "bench history", after_id],
        )
