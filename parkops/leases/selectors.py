"""Reads shared by several screens. Each runs a fixed number of queries whatever the number of seats.

Buckets are exclusive, so leased + free + out_of_service == seats:
- leased: held by a LeaseSeat on the day (whatever the seat's condition);
- free: in service and not held;
- out of service: out of service and not held.
Allocation rate = leased / seats.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from parkops.firms.models import Firm
from parkops.zones.choices import SeatCondition
from parkops.zones.models import Floor, Phase, Seat, Zone

from .choices import ReservationStatus
from .models import Lease, LeaseSeat

EXPIRING_DAYS = 60
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

    @property
    def free(self) -> int:
        return self.seats - self.leased - self.out_of_service

    @property
    def rate(self) -> float:
        """Return the allocation rate as a fraction of counted seats (0 when there are none)."""
        return self.leased / self.seats if self.seats else 0.0

    @property
    def rate_pct(self) -> float:
        return round(self.rate * 100, 1)


def occupancy_by(group: str, on: datetime.date, *, seat_filter: Q | None = None) -> dict[object, Occupancy]:
    """Return counted seats per value of `group` (a Seat lookup path, e.g. "floor__building__zone"). Two queries."""
    seat_filter = seat_filter or Q()
    result: dict[object, Occupancy] = {}
    for row in (
        Seat.objects.filter(seat_filter)
        .values(group)
        .annotate(total=Count("id"), oos=Count("id", filter=Q(condition=OOS)))
        .order_by()
    ):
        result[row[group]] = Occupancy(key=row[group], seats=row["total"], out_of_service=row["oos"])
    for row in (
        LeaseSeat.objects.on(on)
        .filter(_prefix_q(seat_filter, "seat"))
        .values(f"seat__{group}")
        .annotate(leased=Count("seat", distinct=True), leased_oos=Count("seat", distinct=True, filter=Q(seat__condition=OOS)))
        .order_by()
    ):
        occ = result.setdefault(row[f"seat__{group}"], Occupancy(key=row[f"seat__{group}"]))
        occ.leased = row["leased"]
        occ.out_of_service -= row["leased_oos"]
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


def zone_occupancy(on: datetime.date) -> list[Occupancy]:
    """Return every zone's declared planned seats beside counted, leased, free and out-of-service seats. Three queries."""
    counted = occupancy_by("floor__building__zone", on)
    rows = []
    for zone in Zone.objects.all():
        occ = counted.get(zone.pk, Occupancy(key=zone.pk))
        occ.obj, occ.label, occ.declared = zone, zone.code, zone.declared_seats
        rows.append(occ)
    return rows


@dataclass
class SeatState:
    """One seat as the planner draws it on a day."""

    id: int
    code: str
    row: int
    col: int
    kind: str
    condition: str
    state: str  # free | leased | expiring | out_of_service
    firm_id: int | None = None
    firm_name: str = ""
    lease_id: int | None = None
    lease_number: str = ""
    start: datetime.date | None = None
    end: datetime.date | None = None


def seat_states(floor: Floor, on: datetime.date, *, expiring_days: int = EXPIRING_DAYS) -> list[SeatState]:
    """Return every seat of a floor with its state on a day, in grid order. Two queries."""
    holdings = {
        h["seat_id"]: h
        for h in LeaseSeat.objects.on(on)
        .filter(seat__floor=floor)
        .values("seat_id", "start", "end", "lease_id", "lease__number", "lease__firm_id", "lease__firm__short_name")
    }
    horizon = on + datetime.timedelta(days=expiring_days)
    states = []
    for s in Seat.objects.filter(floor=floor).order_by("row", "col").values("id", "code", "row", "col", "kind", "condition"):
        held = holdings.get(s["id"])
        if s["condition"] == OOS:
            state = "out_of_service"
        elif held is None:
            state = "free"
        elif held["end"] <= horizon:
            state = "expiring"
        else:
            state = "leased"
        seat = SeatState(state=state, **s)
        if held:
            seat.firm_id = held["lease__firm_id"]
            seat.firm_name = held["lease__firm__short_name"]
            seat.lease_id = held["lease_id"]
            seat.lease_number = held["lease__number"]
            seat.start, seat.end = held["start"], held["end"]
        states.append(seat)
    return states


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
        .annotate(n=Count("seat", distinct=True))
        .order_by("seat__floor__building__zone__sort_order", "seat__floor__building__code", "seat__floor__level")
    ]
    held_today = (
        LeaseSeat.objects.on(on).filter(lease=OuterRef("pk")).order_by().values("lease").annotate(n=Count("id")).values("n")
    )
    leases = list(
        Lease.objects.filter(firm=firm)
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

    @property
    def planned(self) -> int:
        return self.phase.planned_capacity

    @property
    def committed(self) -> int:
        """Return reserved plus leased: the capacity already promised."""
        return self.reserved + self.leased

    @property
    def committed_pct(self) -> float:
        return round(100 * self.committed / self.planned, 1) if self.planned else 0.0

    @property
    def over_reserved(self) -> bool:
        return self.committed > self.planned

    @property
    def near_full(self) -> bool:
        return not self.over_reserved and self.committed >= 0.9 * self.planned


def phase_capacity(on: datetime.date) -> list[PhaseCapacity]:
    """Return every phase's capacity figures on a day. Three queries."""
    active = Q(reservations__status=ReservationStatus.ACTIVE)
    phases = list(
        Phase.objects.select_related("zone").annotate(
            reserved=Coalesce(Sum("reservations__seats", filter=active), 0),
            reservation_count=Count("reservations", filter=active),
        )
    )
    laid_out = {
        r["floor__building__phase"]: r["n"]
        for r in Seat.objects.filter(floor__building__phase__isnull=False)
        .values("floor__building__phase")
        .annotate(n=Count("id"))
        .order_by()
    }
    leased = {
        r["seat__floor__building__phase"]: r["n"]
        for r in LeaseSeat.objects.on(on)
        .filter(seat__floor__building__phase__isnull=False)
        .values("seat__floor__building__phase")
        .annotate(n=Count("seat", distinct=True))
        .order_by()
    }
    return [
        PhaseCapacity(
            phase=p,
            reserved=p.reserved,
            laid_out=laid_out.get(p.pk, 0),
            leased=leased.get(p.pk, 0),
            reservations=p.reservation_count,
        )
        for p in phases
    ]


def seat_holders(seat: Seat) -> list[LeaseSeat]:
    """Return who held a seat and when, newest first. One query."""
    return list(LeaseSeat.objects.filter(seat=seat).select_related("lease__firm").order_by("-start"))


def holder_on(seat: Seat, on: datetime.date) -> LeaseSeat | None:
    """Return the holding of a seat on a day ("who held seat X on date Y"), or None. One query."""
    return LeaseSeat.objects.on(on).filter(seat=seat).select_related("lease__firm").first()



@dataclass
class FloorStack:
    """One floor of a building's stacking plan: seats per firm, free and out of service, on a day."""

    floor: Floor
    occupancy: Occupancy
    firms: list[tuple[int, str, int]] = field(default_factory=list)  # (firm id, short name, seats)


def building_stack(building, on: datetime.date) -> list[FloorStack]:
    """Return a building's floors, top floor first, each split into seats per firm. Four queries."""
    floors = list(Floor.objects.filter(building=building).order_by("-level"))
    counted = occupancy_by("floor", on, seat_filter=Q(floor__building=building))
    per_floor: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for row in (
        LeaseSeat.objects.on(on)
        .filter(seat__floor__building=building)
        .values("seat__floor", "lease__firm", "lease__firm__short_name")
        .annotate(n=Count("seat", distinct=True))
        .order_by("seat__floor", "-n", "lease__firm__short_name")
    ):
        per_floor[row["seat__floor"]].append((row["lease__firm"], row["lease__firm__short_name"], row["n"]))
    return [
        FloorStack(floor=f, occupancy=counted.get(f.pk, Occupancy(key=f.pk)), firms=per_floor.get(f.pk, []))
        for f in floors
    ]


def free_seats(seat_filter: Q, start: datetime.date, end: datetime.date, *, limit: int) -> list[Seat]:
    """Return up to `limit` in-service seats matching `seat_filter` held by nobody in [start, end), in code order. One query."""
    busy = LeaseSeat.objects.filter(seat=OuterRef("pk")).overlapping(start, end)
    return list(
        Seat.objects.filter(seat_filter, condition=SeatCondition.IN_SERVICE)
        .exclude(Exists(busy))
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


def tenant_floor_map(floor: Floor, on: datetime.date, firm: Firm, *, expiring_days: int = 90) -> list[TenantSeat]:
    """Return a floor's seats on a day as `firm` may see them, in grid order. Two queries."""
    holdings = {
        h["seat_id"]: h
        for h in LeaseSeat.objects.on(on).filter(seat__floor=floor).values("seat_id", "end", "lease__firm_id", "lease__number")
    }
    horizon = on + datetime.timedelta(days=expiring_days)
    seats = []
    for s in Seat.objects.filter(floor=floor).order_by("row", "col").values("id", "code", "row", "col", "condition"):
        held = holdings.get(s["id"])
        if held is not None and held["lease__firm_id"] == firm.pk:
            state = "own_expiring" if held["end"] <= horizon else "own"
            seats.append(TenantSeat(s["row"], s["col"], state, s["code"], held["lease__number"], held["end"]))
        elif held is not None:
            seats.append(TenantSeat(s["row"], s["col"], "occupied"))
        else:
            seats.append(TenantSeat(s["row"], s["col"], "out_of_service" if s["condition"] == OOS else "free"))
    return seats


def with_seats_on(leases, on: datetime.date):
    """Return a Lease queryset annotated with ``seats_on``: the seats held under each lease on a day. No extra query."""
    held = LeaseSeat.objects.on(on).filter(lease=OuterRef("pk")).order_by().values("lease").annotate(n=Count("id")).values("n")
    return leases.annotate(seats_on=Coalesce(Subquery(held, output_field=IntegerField()), 0))


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
