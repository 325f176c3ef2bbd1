"""Reads shared by several screens. Each runs a fixed number of queries whatever the number of seats.

Only the seats that exist on the day count ([available_from, retired_on)); a seat's condition on the day comes
from its dated outages. Buckets are exclusive, so leased + free + out_of_service == seats:
- leased: held by a LeaseSeat on the day (whatever the seat's condition);
- out of service: out of service on the day and not held;
- free: in service and not held on the day. Of these, `booked` are held from a later day (their own state on
  the floor plan) and `open` are held by nobody from the day on.
Allocation rate = leased / seats.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Exists, F, FilteredRelation, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from parkops.firms.choices import FirmStatus
from parkops.firms.models import BusinessLine, Firm
from parkops.zones.choices import SeatCondition, ZoneStatus
from parkops.zones.models import Building, Floor, Phase, Seat, SeatOutage, Zone, existing_on, existing_over, out_of_service_on

from .choices import LeaseState, ReservationStatus, expiry_days
from .models import CapacityReservation, HeadcountReport, Lease, LeaseSeat, effective_end_expression, standing_on

OOS = SeatCondition.OUT_OF_SERVICE


@dataclass
class Occupancy:
    """Counted seats of one group (zone, building, floor...) on a day, beside the declared figure."""

    key: object
    label: str = ""
    declared: int | None = None
    seats: int = 0
    leased: int = 0
    out_of_service: int = 0
    obj: object = None
    booked: int = 0  # of the free seats, those held from a later day
    held_from: int = 0  # held on the day or from a later day (whatever the condition): what is committed

    @property
    def free(self) -> int:
        return self.seats - self.leased - self.out_of_service

    @property
    def open(self) -> int:
        """Return the free seats held by nobody from the day on (free, not booked)."""
        return self.free - self.booked

    @property
    def rate(self) -> float:
        """Return the allocation rate as a fraction of counted seats (0 when there are none)."""
        return self.leased / self.seats if self.seats else 0.0

    @property
    def rate_pct(self) -> float:
        return round(self.rate * 100, 1)


def occupancy_by(group: str, on: datetime.date, *, seat_filter: Q | None = None) -> dict[object, Occupancy]:
    """Return counted seats per value of `group` (a Seat lookup path, e.g. "floor__building__zone"). Two queries.

    The second reads the holdings in force on the day or later: those in force make `leased`, the later ones
    of seats not held that day make `booked`.
    """
    seat_filter = (seat_filter or Q()) & existing_on(on)
    result: dict[object, Occupancy] = {}
    for row in (
        Seat.objects.filter(seat_filter)
        .values(group)
        .annotate(total=Count("id"), oos=Count("id", filter=out_of_service_on(on)))
        .order_by()
    ):
        result[row[group]] = Occupancy(key=row[group], seats=row["total"], out_of_service=row["oos"])
    now, oos = Q(start__lte=on), out_of_service_on(on, "seat")
    for row in (
        LeaseSeat.objects.filter(end__gt=on)
        .filter(_prefix_q(seat_filter, "seat"))
        .values(f"seat__{group}")
        .annotate(
            leased=Count("seat", distinct=True, filter=now),
            held=Count("seat", distinct=True),
            leased_oos=Count("seat", distinct=True, filter=now & oos),
            held_oos=Count("seat", distinct=True, filter=oos),
        )
        .order_by()
    ):
        occ = result.setdefault(row[f"seat__{group}"], Occupancy(key=row[f"seat__{group}"]))
        occ.leased, occ.held_from = row["leased"], row["held"]
        occ.out_of_service -= row["leased_oos"]
        occ.booked = (row["held"] - row["leased"]) - (row["held_oos"] - row["leased_oos"])
    return result


def _prefix_q(q: Q, prefix: str) -> Q:
    """Return a copy of a Seat Q with every lookup moved under `prefix` (e.g. seat__...)."""
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            clone.children.append(_prefix_q(child, prefix))
        else:
            clone.children.append((f"{prefix}__{child[0]}", child[1]))
    return clone


def zone_occupancy(on: datetime.date, *, counted: dict[int, Occupancy] | None = None) -> list[Occupancy]:
    """Return every zone's declared planned seats beside counted, leased, free and out-of-service seats.

    Three queries; one when `counted` (zone id -> seats, e.g. add_up over per-floor rows) is given.
    """
    if counted is None:
        counted = occupancy_by("floor__building__zone", on)
    rows = []
    for zone in Zone.objects.all():
        occ = counted.get(zone.pk, Occupancy(key=zone.pk))
        occ.obj, occ.label, occ.declared = zone, zone.code, zone.declared_seats
        rows.append(occ)
    return rows


@dataclass(slots=True)
class SeatState:
    """One seat as the planner draws it on a day."""

    id: int
    code: str
    row: int
    col: int
    kind: str
    condition: str  # in_service | out_of_service, on the day
    state: str  # free | booked | leased | expiring | out_of_service
    firm_id: int | None = None
    firm_name: str = ""
    lease_id: int | None = None
    lease_number: str = ""
    start: datetime.date | None = None
    end: datetime.date | None = None


IN = SeatCondition.IN_SERVICE


def seat_states(floor: Floor, on: datetime.date, *, expiring_days: int | None = None) -> list[SeatState]:
    """Return every seat of a floor that exists on a day, with its state that day, in grid order. Two queries.

    A held seat is "expiring" when its holding ends within the product's expiry window (expiry_days(),
    or `expiring_days`): end <= on + N, the rule a lease's state uses for its effective end. A seat free on
    the day but held from a later day is "booked", with that first later holding's firm, lease and dates.

    The holdings are looked up by the floor's seat ids, not by joining seats on the floor: with the join,
    PostgreSQL scans every holding in force that day (the whole park's), so the planner slowed as the park
    grew; by id it reads the floor's few hundred through the seat index. Rows come as tuples, not dicts or
    models: this runs for every seat of the floor on every planner request.
    """
    seats = list(
        Seat.objects.filter(existing_on(on), floor=floor)
        .annotate(oos=out_of_service_on(on))
        .order_by("row", "col")
        .values_list("id", "code", "row", "col", "kind", "oos")
    )
    holdings = {}
    for h in (
        LeaseSeat.objects.filter(seat__in_ids=[s[0] for s in seats], end__gt=on)
        .order_by()  # LeaseSeat's default ordering would join and sort by seat code for nothing
        .values_list("seat_id", "start", "end", "lease_id", "lease__number", "lease__firm_id", "lease__firm__short_name")
    ):
        known = holdings.get(h[0])
        if known is None or h[1] < known[1]:  # each seat's earliest holding from the day on: in force, or the next
            holdings[h[0]] = h
    horizon = on + datetime.timedelta(days=expiry_days() if expiring_days is None else expiring_days)
    states = []
    append = states.append
    for seat_id, code, row, col, kind, oos in seats:
        condition = OOS if oos else IN
        held = holdings.get(seat_id)
        if held is None or (oos and held[1] > on):
            append(SeatState(seat_id, code, row, col, kind, condition, "out_of_service" if oos else "free"))
            continue
        _sid, start, end, lease_id, number, firm_id, firm_name = held
        if start > on:
            state = "booked"
        else:
            state = "out_of_service" if oos else "expiring" if end <= horizon else "leased"
        append(SeatState(seat_id, code, row, col, kind, condition, state, firm_id, firm_name, lease_id, number, start, end))
    return states


def seats_free_over(floor: Floor, start: datetime.date, end: datetime.date) -> list[str]:
    """Return the codes of a floor's seats that exist, are in service and are held by nobody on every day of
    [start, end): the seats an allocation over that period can take. One query."""
    busy = LeaseSeat.objects.filter(seat=OuterRef("pk")).overlapping(start, end)
    down = SeatOutage.objects.filter(seat=OuterRef("pk")).overlapping(start, end)
    return list(
        Seat.objects.filter(existing_over(start, end), floor=floor)
        .exclude(Exists(busy))
        .exclude(Exists(down))
        .order_by("row", "col")
        .values_list("code", flat=True)
    )


@dataclass
class FloorHolding:
    zone_code: str
    building_code: str
    floor_id: int
    floor_label: str
    seats: int


@dataclass
class FirmAllocation:
    """What one firm holds on a day: seats per floor, and its leases with seats held that day."""

    firm: Firm
    on: datetime.date
    floors: list[FloorHolding] = field(default_factory=list)
    leases: list[Lease] = field(default_factory=list)

    @property
    def seats(self) -> int:
        return sum(f.seats for f in self.floors)

    def by_zone(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for f in self.floors:
            totals[f.zone_code] += f.seats
        return dict(totals)


def firm_allocation(firm: Firm, on: datetime.date) -> FirmAllocation:
    """Return a firm's seats by zone, building and floor, and its leases, on a day. Two queries."""
    floors = [
        FloorHolding(
            zone_code=row["seat__floor__building__zone__code"],
            building_code=row["seat__floor__building__code"],
            floor_id=row["seat__floor_id"],
            floor_label=f'{row["seat__floor__building__code"]} {row["seat__floor__label"] or str(row["seat__floor__level"]) + "F"}',
            seats=row["n"],
        )
        for row in LeaseSeat.objects.on(on)
        .filter(lease__firm=firm)
        .values(
            "seat__floor_id",
            "seat__floor__level",
            "seat__floor__label",
            "seat__floor__building__code",
            "seat__floor__building__zone__code",
            "seat__floor__building__zone__sort_order",
        )
        .annotate(n=Count("pk"))  # a seat has one holding on a day: no DISTINCT needed
        .order_by("seat__floor__building__zone__sort_order", "seat__floor__building__code", "seat__floor__level")
    ]
    held_today = (
        LeaseSeat.objects.on(on).filter(lease=OuterRef("pk")).order_by().values("lease").annotate(n=Count("id")).values("n")
    )
    leases = list(
        Lease.objects.filter(firm=firm)
        .with_state(on)
        .annotate(seats_on=Coalesce(Subquery(held_today, output_field=IntegerField()), 0))
        .order_by("-end")
    )
    return FirmAllocation(firm=firm, on=on, floors=floors, leases=leases)


@dataclass
class PhaseCapacity:
    """A zone-D phase's planned capacity beside reservations, seats laid out and seats leased."""

    phase: Phase
    reserved: int
    laid_out: int
    leased: int
    reservations: int
    floors: int | None = None  # floors entered in the phase's buildings (None when not counted)
    booked: int = 0  # seats not held on the day but held from a later day (a conversion whose lease starts later)

    @property
    def planned(self) -> int:
        return self.phase.planned_capacity

    @property
    def committed(self) -> int:
        """Return the capacity already promised: reservations standing on the day, plus seats held on the day
        or booked from a later day. Converting reserved seats into a lease moves them, so it stays the same."""
        return self.reserved + self.leased + self.booked

    @property
    def committed_pct(self) -> float:
        return round(100 * self.committed / self.planned, 1) if self.planned else 0.0

    @property
    def over_reserved(self) -> bool:
        return self.committed > self.planned

    @property
    def near_full(self) -> bool:
        return not self.over_reserved and self.committed >= 0.9 * self.planned


def add_up(parts, key) -> dict[object, Occupancy]:
    """Return Occupancy totals per key(part) for (part, Occupancy) pairs; parts whose key is None are skipped.

    Lets a page count seats once per floor and derive zone, building or phase totals in Python
    instead of scanning the park again for each level.
    """
    totals: dict[object, Occupancy] = {}
    for part, occ in parts:
        k = key(part)
        if k is None:
            continue
        total = totals.setdefault(k, Occupancy(key=k))
        total.seats += occ.seats
        total.leased += occ.leased
        total.out_of_service += occ.out_of_service
        total.booked += occ.booked
        total.held_from += occ.held_from
    return totals


def phase_capacity(
    on: datetime.date, *, counted: dict[int, Occupancy] | None = None, reservations: list | None = None
) -> list[PhaseCapacity]:
    """Return every phase's capacity figures on a day. Two queries, one when `counted` (phase id -> Occupancy)
    is given.

    Reservations count as they stood on the day (standing_on); seats count if they exist on the day. Without
    `counted`, the floors with seats on the day are counted too (PhaseCapacity.floors). A page that has read every reservation
    already passes them as `reservations`: the standing ones are added up here instead of in the phases' query.
    """
    if reservations is None:
        standing = standing_on(on, "reservations__")
        phases = list(
            Phase.objects.select_related("zone").annotate(
                reserved=Coalesce(Sum("reservations__seats", filter=standing), 0),
                reservation_count=Count("reservations", filter=standing),
            )
        )
    else:
        phases = list(Phase.objects.select_related("zone"))
        for phase in phases:
            mine = [r.seats for r in reservations if r.phase_id == phase.pk and r.stands_on(on)]
            phase.reserved, phase.reservation_count = sum(mine), len(mine)
    floors = None
    if counted is None:
        counted, floors = _phase_counts(on)
    return _phase_rows(phases, counted, floors)


def _phase_counts(on: datetime.date) -> tuple[dict[int, Occupancy], dict[int, int]]:
    """Return per phase the seats that exist on the day (held, booked) and the floors they are on. One query.

    One pass over the phases' seats joined to their holdings from the day on; a seat can have several later
    holdings, so seats are counted DISTINCT. Zone D is a small share of the park, so one grouped join is
    cheaper here than occupancy_by's two scans.
    """
    from_day = FilteredRelation("lease_seats", condition=Q(lease_seats__end__gt=on))
    counted, floors = {}, {}
    for phase_id, n_floors, n_seats, n_leased, n_held in (
        Seat.objects.filter(existing_on(on), floor__building__phase__isnull=False)
        .annotate(h=from_day)
        .values_list("floor__building__phase")
        .annotate(
            floors=Count("floor", distinct=True),
            seats=Count("id", distinct=True),
            leased=Count("h__seat", distinct=True, filter=Q(h__start__lte=on)),
            held=Count("h__seat", distinct=True),
        )
        .order_by()
    ):
        counted[phase_id] = Occupancy(key=phase_id, seats=n_seats, leased=n_leased, held_from=n_held)
        floors[phase_id] = n_floors
    return counted, floors


def _phase_rows(phases, counted: dict, floors: dict | None = None) -> list[PhaseCapacity]:
    rows = []
    for p in phases:
        occ = counted.get(p.pk) or Occupancy(key=p.pk)
        rows.append(
            PhaseCapacity(
                phase=p,
                reserved=p.reserved,
                laid_out=occ.seats,
                leased=occ.leased,
                booked=occ.held_from - occ.leased,
                reservations=p.reservation_count,
                floors=None if floors is None else floors.get(p.pk, 0),
            )
        )
    return rows


def seat_holders(seat: Seat) -> list[LeaseSeat]:
    """Return who held a seat and when, newest first. One query."""
    return list(LeaseSeat.objects.filter(seat=seat).select_related("lease__firm").order_by("-start"))


def holder_on(seat: Seat, on: datetime.date) -> LeaseSeat | None:
    """Return the holding of a seat on a day ("who held seat X on date Y"), or None. One query."""
    return LeaseSeat.objects.on(on).filter(seat=seat).select_related("lease__firm").first()


# --- reports: firms, business lines, trends, expiry, zone-D forecast --------------------------------
#
# Every read below runs a fixed number of queries whatever the number of seats, firms or months:
# per-month figures are one conditional aggregate per month inside a single grouped query.

OVER_DENSITY = 1.0
UNDER_USE = 0.6


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, n: int) -> datetime.date:
    """Return the first day of the month n months after day's month."""
    index = day.year * 12 + day.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_end(first: datetime.date) -> datetime.date:
    return add_months(first, 1) - datetime.timedelta(days=1)


@dataclass
class MonthPoint:
    """One month of a trend: its first day and the day its figures are counted on."""

    month: datetime.date
    day: datetime.date


def trend_months(on: datetime.date, count: int = 24) -> list[MonthPoint]:
    """Return the `count` months ending with on's month, oldest first.

    The trend rule: a seat counts for a month if it is leased on the month's last day; the month
    that contains `on` is counted on `on` itself (its last day has not happened yet).
    """
    last = month_start(on)
    points = []
    for i in range(count - 1, -1, -1):
        first = add_months(last, -i)
        points.append(MonthPoint(month=first, day=min(month_end(first), on)))
    return points


def forward_months(on: datetime.date, count: int = 36) -> list[MonthPoint]:
    """Return `count` months starting with on's month, each counted on its last day (for forecasts)."""
    return [MonthPoint(month=add_months(on, i), day=month_end(add_months(on, i))) for i in range(count)]


def _leased_per_month(
    group: str, days: list[datetime.date], *, seat_filter: Q | None = None
) -> dict[object, list[int]]:
    """Return {group value: [distinct seats leased on each day]}. One query."""
    rows = (
        LeaseSeat.objects.overlapping(min(days), max(days) + datetime.timedelta(days=1))
        .filter(seat_filter or Q())
        .values(group)
        .annotate(
            **{f"d{i}": Count("seat", distinct=True, filter=Q(start__lte=d, end__gt=d)) for i, d in enumerate(days)}
        )
        .order_by()
    )
    return {row[group]: [row[f"d{i}"] for i in range(len(days))] for row in rows}


@dataclass
class FirmOccupancy:
    """A firm's leased seats on a day beside its latest reported headcount (utilisation = headcount / leased)."""

    firm: Firm
    leased: int
    headcount: int | None
    headcount_month: datetime.date | None

    @property
    def utilisation(self) -> float | None:
        if self.headcount is None or not self.leased:
            return None
        return self.headcount / self.leased

    @property
    def utilisation_pct(self) -> float | None:
        u = self.utilisation
        return None if u is None else round(u * 100, 1)

    @property
    def over_density(self) -> bool:
        return self.utilisation is not None and self.utilisation > OVER_DENSITY

    @property
    def under_use(self) -> bool:
        return self.utilisation is not None and self.utilisation < UNDER_USE


def firm_occupancy(on: datetime.date) -> list[FirmOccupancy]:
    """Return every firm that holds seats or has reported headcount by `on`, most seats first. One query.

    The headcount is the firm's latest report for a month starting on or before `on`.
    """
    firms = (
        _with_firm_figures(Firm.objects.all(), on)
        .filter(Q(leased__gt=0) | Q(headcount__isnull=False))
        .order_by("-leased", "short_name")
    )
    return [
        FirmOccupancy(firm=f, leased=f.leased, headcount=f.headcount, headcount_month=f.headcount_month) for f in firms
    ]


def _with_firm_figures(firms, on: datetime.date):
    """Annotate firms with seats leased on `on` and their latest headcount report (value and month) by then."""
    leased = (
        LeaseSeat.objects.on(on)
        .filter(lease__firm=OuterRef("pk"))
        .order_by()
        .values("lease__firm")
        .annotate(n=Count("seat", distinct=True))
        .values("n")
    )
    latest = HeadcountReport.objects.filter(firm=OuterRef("pk"), month__lte=on).order_by("-month")
    return firms.annotate(
        leased=Coalesce(Subquery(leased, output_field=IntegerField()), 0),
        headcount=Subquery(latest.values("headcount")[:1]),
        headcount_month=Subquery(latest.values("month")[:1]),
    )


@dataclass
class LineOccupancy:
    """Seats leased and headcount reported by the firms of one business line (a firm counts in each of its lines)."""

    line: BusinessLine | None
    firms: int = 0
    leased: int = 0
    headcount: int = 0

    @property
    def label(self) -> str:
        return str(self.line) if self.line else ""

    @property
    def utilisation_pct(self) -> float | None:
        return round(100 * self.headcount / self.leased, 1) if self.leased else None


def business_line_occupancy(on: datetime.date) -> list[LineOccupancy]:
    """Return per business line the firms, seats leased and latest headcount on a day. Three queries."""
    rows = {line.pk: LineOccupancy(line=line) for line in BusinessLine.objects.all()}
    lines_of: dict[int, list[int]] = defaultdict(list)
    for firm_id, line_id in Firm.business_lines.through.objects.values_list("firm_id", "businessline_id"):
        lines_of[firm_id].append(line_id)
    for f in firm_occupancy(on):
        for line_id in lines_of.get(f.firm.pk, ()):
            row = rows[line_id]
            row.firms += 1
            row.leased += f.leased
            row.headcount += f.headcount or 0
    return list(rows.values())


@dataclass
class ZoneTrend:
    """One zone's seats leased per month and its allocation rate against today's counted seats."""

    zone: Zone
    seats: int
    leased: list[int]

    @property
    def rates(self) -> list[float]:
        return [round(100 * n / self.seats, 1) if self.seats else 0.0 for n in self.leased]


def zone_trends(months: list[MonthPoint]) -> list[ZoneTrend]:
    """Return every zone's leased seats per month (trend rule in trend_months). Three queries.

    The rate's denominator is the zone's seats counted today: seats carry no history of when
    they were laid out.
    """
    leased = _leased_per_month("seat__floor__building__zone", [m.day for m in months])
    seats = {
        r["floor__building__zone"]: r["n"]
        for r in Seat.objects.values("floor__building__zone").annotate(n=Count("id")).order_by()
    }
    return [
        ZoneTrend(zone=z, seats=seats.get(z.pk, 0), leased=leased.get(z.pk, [0] * len(months)))
        for z in Zone.objects.all()
    ]


@dataclass
class FirmTrend:
    """One firm's seats leased and headcount reported per month (None where no report covers the month)."""

    firm: Firm
    leased: list[int]
    headcount: list[int | None]


def firm_trends(months: list[MonthPoint]) -> list[FirmTrend]:
    """Return per firm its leased seats and reported headcount per month, most seats last month first. Three queries.

    A month without its own report carries the firm's previous report forward (within the window).
    """
    leased = _leased_per_month("lease__firm", [m.day for m in months])
    reports: dict[int, dict[datetime.date, int]] = defaultdict(dict)
    for r in HeadcountReport.objects.filter(month__gte=months[0].month, month__lte=months[-1].month).values(
        "firm_id", "month", "headcount"
    ):
        reports[r["firm_id"]][r["month"]] = r["headcount"]
    firms = Firm.objects.filter(pk__in=set(leased) | set(reports))
    trends = []
    for firm in firms:
        counts, last = [], None
        for m in months:
            last = reports[firm.pk].get(m.month, last)
            counts.append(last)
        trends.append(FirmTrend(firm=firm, leased=leased.get(firm.pk, [0] * len(months)), headcount=counts))
    trends.sort(key=lambda t: (-t.leased[-1], t.firm.short_name))
    return trends


EXPIRY_WINDOWS = (30, 60, 90)


@dataclass
class FirmExpiry:
    """Per firm, leases and seats whose last day falls within the next 30 / 60 / 90 days (cumulative)."""

    firm: Firm
    leases: dict[int, int]
    seats: dict[int, int]
    seats_freed: dict[int, int]


def _window_counts(prefix: str, field_name: str, on: datetime.date, count, end: str = "end") -> dict:
    """Return one conditional Count per window: `end` within (on, on + days]."""
    return {
        f"{prefix}{days}": count(field_name, filter=Q(**{f"{end}__gt": on, f"{end}__lte": on + datetime.timedelta(days=days)}))
        for days in EXPIRY_WINDOWS
    }


def expiring_by_firm(on: datetime.date) -> list[FirmExpiry]:
    """Return per firm what expires in the next 30 / 60 / 90 days. Three queries.

    A lease expires when it is in force on `on` (state active or expiring) and its effective end
    (exclusive; the termination day of a lease terminated from a later day) falls in (on, on + N]:
    its last day is within the next N days. The buckets are the report's; the product's one expiry
    window (expiry_days()) is what the state "expiring" means. A seat expires when it is held on `on` and its holding ends
    in that window; it is "freed" unless the same seat has a holding starting on that end day
    (a back-to-back lease or a renewal onto a new lease).
    """
    horizon = on + datetime.timedelta(days=max(EXPIRY_WINDOWS))
    lease_rows = {
        r["firm"]: r
        for r in Lease.objects.in_state([LeaseState.ACTIVE, LeaseState.EXPIRING], on)
        .alias(ends=effective_end_expression())
        .filter(ends__lte=horizon)
        .values("firm")
        .annotate(**_window_counts("l", "id", on, Count, end="ends"))
        .order_by()
    }
    followed = Exists(LeaseSeat.objects.filter(seat=OuterRef("seat"), start=OuterRef("end")))
    seat_rows = {}
    for r in (
        LeaseSeat.objects.on(on)
        .filter(end__lte=horizon)
        .annotate(followed=followed)
        .values("lease__firm")
        .annotate(
            **_window_counts("s", "seat", on, Count),
            **{
                f"f{days}": Count("seat", filter=Q(followed=False, end__lte=on + datetime.timedelta(days=days)))
                for days in EXPIRY_WINDOWS
            },
        )
        .order_by()
    ):
        seat_rows[r["lease__firm"]] = r
    firms = Firm.objects.filter(pk__in=set(lease_rows) | set(seat_rows)).order_by("short_name")
    result = []
    for firm in firms:
        lr, sr = lease_rows.get(firm.pk, {}), seat_rows.get(firm.pk, {})
        result.append(
            FirmExpiry(
                firm=firm,
                leases={d: lr.get(f"l{d}", 0) for d in EXPIRY_WINDOWS},
                seats={d: sr.get(f"s{d}", 0) for d in EXPIRY_WINDOWS},
                seats_freed={d: sr.get(f"f{d}", 0) for d in EXPIRY_WINDOWS},
            )
        )
    result.sort(key=lambda e: (-e.seats[90], -e.leases[90], e.firm.short_name))
    return result


def expiring_leases(on: datetime.date, days: int | None = None):
    """Return the leases in state "expiring" on `on` (the product's window, or `days`), soonest end first. One query.

    Each carries seats_on (the seats it holds on `on`) and state.
    """
    return (
        leases_with_seats(on, days=days)
        .in_state(LeaseState.EXPIRING, on, days=days)
        .alias(ends=effective_end_expression())
        .order_by("ends", "firm__short_name")
    )


@dataclass
class PhaseForecast:
    """A zone-D phase over time: planned capacity, reservations by wanted date, seats leased, handover."""

    capacity: PhaseCapacity
    reserved: list[int]  # cumulative active reservations wanted by each month's end
    leased: list[int]
    late_reservations: int = 0
    late_seats: int = 0
    undated_seats: int = 0

    months: list[MonthPoint] = field(default_factory=list)

    @property
    def phase(self) -> Phase:
        return self.capacity.phase

    @property
    def rows(self):
        """Return (month, reserved, leased) per month, for the table beside the chart."""
        return list(zip(self.months, self.reserved, self.leased))

    @property
    def handover(self) -> datetime.date | None:
        return self.phase.actual_handover or self.phase.expected_handover

    @property
    def over_capacity(self) -> bool:
        planned = self.capacity.planned
        return self.capacity.over_reserved or any(r + n > planned for r, n in zip(self.reserved, self.leased))

    @property
    def handover_late(self) -> bool:
        return self.late_reservations > 0


def phase_forecast(on: datetime.date, months: list[MonthPoint]) -> list[PhaseForecast]:
    """Return every phase's capacity against reservations and leases per month. Five queries.

    Reservations count from their wanted date (undated ones from the handover date, or from the
    start when the phase has none); a reservation is late when it wants its seats before the
    phase's handover (actual, else expected).
    """
    capacities = phase_capacity(on)
    leased = _leased_per_month(
        "seat__floor__building__phase",
        [m.day for m in months],
        seat_filter=Q(seat__floor__building__phase__isnull=False),
    )
    wanted: dict[int, list] = defaultdict(list)
    for r in (
        CapacityReservation.objects.standing_on(on)
        .values("phase", "wanted_from")
        .annotate(seats=Sum("seats"), n=Count("id"))
        .order_by()
    ):
        wanted[r["phase"]].append(r)
    return [_forecast_one(c, wanted[c.phase.pk], leased.get(c.phase.pk, [0] * len(months)), months) for c in capacities]


def _forecast_one(
    capacity: PhaseCapacity, wanted: list[dict], leased: list[int], months: list[MonthPoint]
) -> PhaseForecast:
    handover = capacity.phase.actual_handover or capacity.phase.expected_handover
    forecast = PhaseForecast(capacity=capacity, reserved=[0] * len(months), leased=leased, months=months)
    for r in wanted:
        when = r["wanted_from"] or handover
        if r["wanted_from"] is None:
            forecast.undated_seats += r["seats"]
        elif handover and r["wanted_from"] < handover:
            forecast.late_reservations += r["n"]
            forecast.late_seats += r["seats"]
        for i, m in enumerate(months):
            if when is None or when <= month_end(m.month):
                forecast.reserved[i] += r["seats"]
    return forecast


@dataclass
class Headline:
    """The staff dashboard's headline figures on a day: seat figures over the zones in operation."""

    zones: list[Occupancy]
    firms_operating: int
    headcount: int
    phases: list[PhaseCapacity]

    @property
    def operating(self) -> list[Occupancy]:
        """Return the zones in operation: the headline seat figures cover these (zone D has its phase card)."""
        return [z for z in self.zones if z.obj.status == ZoneStatus.OPERATING]

    @property
    def operating_codes(self) -> str:
        return " ".join(z.label for z in self.operating)

    def _sum(self, attr: str) -> int:
        return sum(getattr(z, attr) or 0 for z in self.operating)

    @property
    def declared(self) -> int:
        return self._sum("declared")

    @property
    def seats(self) -> int:
        return self._sum("seats")

    @property
    def leased(self) -> int:
        return self._sum("leased")

    @property
    def free(self) -> int:
        return self._sum("free")

    @property
    def out_of_service(self) -> int:
        return self._sum("out_of_service")

    @property
    def rate_pct(self) -> float:
        return round(100 * self.leased / self.seats, 1) if self.seats else 0.0

    @property
    def first_phase(self) -> PhaseCapacity | None:
        return min(self.phases, key=lambda p: (p.phase.zone.code != "D", p.phase.number), default=None)


def park_headline(on: datetime.date) -> Headline:
    """Return the dashboard's headline figures on a day. Eight queries."""
    latest = HeadcountReport.objects.filter(firm=OuterRef("firm"), month__lte=on).order_by("-month").values("pk")[:1]
    headcount = HeadcountReport.objects.filter(pk=Subquery(latest)).aggregate(n=Coalesce(Sum("headcount"), 0))["n"]
    return Headline(
        zones=zone_occupancy(on),
        firms_operating=Firm.objects.filter(status=FirmStatus.OPERATING).count(),
        headcount=headcount,
        phases=phase_capacity(on),
    )


# --- list pages ---------------------------------------------------------------------------------


def seats_with_holder(on):
    """Return the seats that exist on a day with the holding that day (firm, lease number, end) and their
    condition that day (``oos``) annotated: one query for any number of seats.

    A LEFT JOIN on the day's holding: a seat has at most one holding on a day (no overlaps), so
    the join never repeats a seat.
    """
    held = FilteredRelation("lease_seats", condition=Q(lease_seats__start__lte=on, lease_seats__end__gt=on))
    return (
        Seat.objects.filter(existing_on(on))
        .select_related("floor__building__zone")
        .annotate(holding=held, oos=out_of_service_on(on))
        .annotate(
            # The label in the active language, so the seat list and its export read it as a plain value.
            condition_on=Case(
                When(oos=True, then=Value(str(SeatCondition.OUT_OF_SERVICE.label))),
                default=Value(str(SeatCondition.IN_SERVICE.label)),
                output_field=CharField(),
            )
        )
        .annotate(
            holder_firm=F("holding__lease__firm__short_name"),
            holder_lease=F("holding__lease__number"),
            holder_end=F("holding__end"),
        )
    )


def firms_with_figures(on):
    """Return firms with seats leased on a day and the latest headcount annotated (business lines prefetched)."""
    return _with_firm_figures(Firm.objects.prefetch_related("business_lines"), on)


def leases_with_seats(on, *, days: int | None = None):
    """Return leases with their firm, their state and the number of seats held on a day annotated."""
    held = LeaseSeat.objects.on(on).filter(lease=OuterRef("pk")).order_by().values("lease")
    held = held.annotate(n=Count("id")).values("n")
    return Lease.objects.select_related("firm").with_state(on, days=days).annotate(
        seats_on=Coalesce(Subquery(held, output_field=IntegerField()), 0)
    )


# --- occupancy by building and floor -------------------------------------------------------------


def building_occupancy(on: datetime.date) -> list[Occupancy]:
    """Return every building's counted, leased, free and out-of-service seats on a day. Three queries."""
    counted = occupancy_by("floor__building", on)
    rows = []
    for b in Building.objects.select_related("zone"):
        occ = counted.get(b.pk, Occupancy(key=b.pk))
        occ.obj, occ.label = b, f"{b.code} {b.name}"
        rows.append(occ)
    return rows


def floor_occupancy(on: datetime.date) -> list[Occupancy]:
    """Return every floor's counted, leased, free and out-of-service seats on a day. Three queries."""
    counted = occupancy_by("floor", on)
    rows = []
    floors = Floor.objects.select_related("building__zone")
    for f in floors.order_by("building__zone__sort_order", "building__code", "level"):
        occ = counted.get(f.pk, Occupancy(key=f.pk))
        occ.obj, occ.label = f, str(f)
        rows.append(occ)
    return rows


@dataclass
class FloorStack:
    """One floor of a building's stacking plan: seats per firm, free and out of service, on a day."""

    floor: Floor
    occupancy: Occupancy
    firms: list[tuple[int, str, int]] = field(default_factory=list)  # (firm id, short name, seats)


def building_stack(building, on: datetime.date) -> list[FloorStack]:
    """Return a building's floors, top floor first, each split into seats per firm. Four queries.

    The floors' counts (seats that exist on the day, leased, booked, out of service) come from occupancy_by;
    the holdings per floor and firm split the leased figure (a seat has at most one holding on a day, so the
    firms' counts add up to the floor's).
    """
    floors = list(Floor.objects.filter(building=building).order_by("-level"))
    counted = occupancy_by("floor", on, seat_filter=Q(floor__building=building))
    per_floor: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for floor_id, firm_id, name, n in (
        LeaseSeat.objects.on(on)
        .filter(existing_on(on, "seat__"), seat__floor__building=building)
        .values_list("seat__floor", "lease__firm", "lease__firm__short_name")
        # one holding per seat on a day: holdings are counted as they are, without a DISTINCT over seats
        .annotate(n=Count("pk"))
        .order_by("seat__floor", "-n", "lease__firm__short_name")
    ):
        per_floor[floor_id].append((firm_id, name, n))
    return [
        FloorStack(floor=f, occupancy=counted.get(f.pk) or Occupancy(key=f.pk), firms=per_floor.get(f.pk, []))
        for f in floors
    ]


def free_seats(seat_filter: Q, start: datetime.date, end: datetime.date, *, limit: int) -> list[Seat]:
    """Return up to `limit` seats matching `seat_filter` that exist, are in service and are held by nobody on
    every day of [start, end), in code order. One query."""
    busy = LeaseSeat.objects.filter(seat=OuterRef("pk")).overlapping(start, end)
    down = SeatOutage.objects.filter(seat=OuterRef("pk")).overlapping(start, end)
    return list(
        Seat.objects.filter(seat_filter, existing_over(start, end))
        .exclude(Exists(busy))
        .exclude(Exists(down))
        .order_by("code")[:limit]
    )


def holding_conflicts(rows, *, exclude_ids=()) -> list[LeaseSeat]:
    """Return the existing holdings that overlap any of `rows` ((seat_id, start, end) tuples). One query.

    A read-only check for forms (admin inline, imports) before they call the services,
    which check again under lock.
    """
    condition = Q()
    for seat_id, start, end in rows:
        condition |= Q(seat_id=seat_id, start__lt=end, end__gt=start)
    if not condition:
        return []
    return list(
        LeaseSeat.objects.filter(condition)
        .exclude(pk__in=list(exclude_ids))
        .select_related("seat", "lease__firm")
        .order_by("seat__code", "start")
    )


# --- tenant-safe reads (portal) and floors with free seats (seat request approval) ---------------


@dataclass(frozen=True)
class TenantSeat:
    """One seat as a tenant firm may see it: its own seats in full, everyone else's as a bare state.

    Another firm's seat carries no code, lease, firm or id: only its grid position and "occupied".
    """

    row: int
    col: int
    state: str  # own | own_expiring | occupied | free | out_of_service
    code: str = ""
    lease_number: str = ""
    end: datetime.date | None = None


def tenant_floor_map(floor: Floor, on: datetime.date, firm: Firm, *, expiring_days: int | None = None) -> list[TenantSeat]:
    """Return a floor's seats that exist on a day as `firm` may see them, with their condition that day, in grid
    order. Two queries.

    The firm's own seat is "own_expiring" when its holding ends within the product's expiry window.
    """
    holdings = {
        h["seat_id"]: h
        for h in LeaseSeat.objects.on(on).filter(seat__floor=floor).values("seat_id", "end", "lease__firm_id", "lease__number")
    }
    horizon = on + datetime.timedelta(days=expiry_days() if expiring_days is None else expiring_days)
    result = []
    seats = Seat.objects.filter(existing_on(on), floor=floor).annotate(oos=out_of_service_on(on))
    for s in seats.order_by("row", "col").values("id", "code", "row", "col", "oos"):
        held = holdings.get(s["id"])
        if held is not None and held["lease__firm_id"] == firm.pk:
            state = "own_expiring" if held["end"] <= horizon else "own"
            result.append(TenantSeat(s["row"], s["col"], state, s["code"], held["lease__number"], held["end"]))
        elif held is not None:
            result.append(TenantSeat(s["row"], s["col"], "occupied"))
        else:
            result.append(TenantSeat(s["row"], s["col"], "out_of_service" if s["oos"] else "free"))
    return result


def with_seats_on(leases, on: datetime.date):
    """Return a Lease queryset annotated with ``seats_on`` (the seats held under each lease on a day) and ``state``.

    No extra query.
    """
    held = LeaseSeat.objects.on(on).filter(lease=OuterRef("pk")).order_by().values("lease").annotate(n=Count("id")).values("n")
    return leases.with_state(on).annotate(seats_on=Coalesce(Subquery(held, output_field=IntegerField()), 0))


def floors_with_free_seats(on: datetime.date, *, zone: Zone | None = None, limit: int = 20) -> list[Occupancy]:
    """Return the floors with free seats on a day (in one zone, if given), most free first; ``obj`` is the Floor.

    Three queries.
    """
    seat_filter = Q(floor__building__zone=zone) if zone is not None else Q()
    counted = {pk: occ for pk, occ in occupancy_by("floor", on, seat_filter=seat_filter).items() if occ.free > 0}
    for floor in Floor.objects.filter(pk__in=counted).select_related("building__zone"):
        counted[floor.pk].obj, counted[floor.pk].label = floor, str(floor)
    rows = [occ for occ in counted.values() if occ.obj is not None]
    return sorted(rows, key=lambda occ: (-occ.free, occ.obj.building.code, occ.obj.level))[:limit]
