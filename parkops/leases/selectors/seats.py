"""Seats on a floor or in a building on a day: the planner's states, holders, free seats, the tenant's view."""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Exists, F, FilteredRelation, Min, OuterRef, Q, Value, When

from parkops.firms.models import Firm
from parkops.zones.choices import SeatCondition
from parkops.zones.models import Floor, Seat, SeatOutage, existing_on, existing_over, out_of_service_on

from ..choices import expiry_horizon
from ..models import LeaseSeat
from .occupancy import OOS, Occupancy, occupancy_by


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
        _keep_earliest(holdings, h)
    return _states(seats, holdings, on, expiry_horizon(on, expiring_days))


def some_seat_states(floor: Floor, on: datetime.date, seat_filter: Q, *, expiring_days: int | None = None) -> list[SeatState]:
    """Return seat_states(floor, on) of just the seats matching `seat_filter` (a Seat Q that joins nothing, e.g.
    pk__in): the cells a floor action sends. One query: the few seats LEFT JOINed to their holdings from the day
    on (one row per holding), so it reads only those seats' rows."""
    seats, holdings = [], {}
    for row in (
        Seat.objects.filter(existing_on(on), seat_filter, floor=floor)
        .annotate(oos=out_of_service_on(on), h=FilteredRelation("lease_seats", condition=Q(lease_seats__end__gt=on)))
        .order_by("row", "col")
        .values_list("id", "code", "row", "col", "kind", "oos", "id", "h__start", "h__end", "h__lease_id",
                     "h__lease__number", "h__lease__firm_id", "h__lease__firm__short_name")
    ):
        if not seats or seats[-1][0] != row[0]:
            seats.append(row[:6])
        if row[7] is not None:
            _keep_earliest(holdings, row[6:])
    return _states(seats, holdings, on, expiry_horizon(on, expiring_days))


def _keep_earliest(holdings: dict, h: tuple) -> None:
    known = holdings.get(h[0])
    if known is None or h[1] < known[1]:  # each seat's earliest holding from the day on: in force, or the next
        holdings[h[0]] = h


def _states(seats, holdings: dict, on: datetime.date, horizon: datetime.date) -> list[SeatState]:
    """Return a SeatState per (id, code, row, col, kind, oos) row, from its earliest holding from the day on."""
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


@dataclass
class FloorCounts:
    """A floor's seats on a day counted by the state seat_states gives each, and the firms holding them."""

    seat_total: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # state -> seats (free, leased, expiring, booked, out_of_service)
    firms: list[tuple[int, str, int]] = field(default_factory=list)  # (firm id, short name, seats held on the day)


GRID_ROW = 1_000_000  # row * GRID_ROW + col orders cells as the grid does (no floor has a million columns)


def floor_counts(floor: Floor, on: datetime.date, *, expiring_days: int | None = None) -> FloorCounts:
    """Return the same figures as counting seat_states(floor, on) by state and by holding firm, counted in the
    database. One query, whatever the number of seats: the floor's seats that exist on the day, LEFT JOINed to
    their holding that day (at most one: no overlaps) and grouped by its firm.

    A seat out of service on the day is "out_of_service" whether held or not; a held seat in service is
    "expiring" or "leased"; a seat in service held by nobody on the day but from a later day is "booked"; the
    rest are free. The firms are those holding seats on the day (in service or not), most seats first, ties in
    grid order of their first seat (as Counter.most_common over the grid orders them).
    """
    horizon = expiry_horizon(on, expiring_days)
    oos = out_of_service_on(on)
    later = LeaseSeat.objects.filter(seat=OuterRef("pk"), start__gt=on)
    rows = (
        Seat.objects.filter(existing_on(on), floor=floor)
        .annotate(holding=FilteredRelation("lease_seats", condition=Q(lease_seats__start__lte=on, lease_seats__end__gt=on)))
        .values_list("holding__lease__firm", "holding__lease__firm__short_name")
        .annotate(
            n=Count("id"),
            n_oos=Count("id", filter=oos),
            expiring=Count("id", filter=~oos & Q(holding__end__lte=horizon)),
            booked=Count("id", filter=~oos & Q(holding__isnull=True) & Exists(later)),
            first=Min(F("row") * GRID_ROW + F("col")),
        )
        .order_by()
    )
    result = FloorCounts(counts=dict.fromkeys(("free", "leased", "expiring", "booked", "out_of_service"), 0))
    counts = result.counts
    for firm_id, name, n, n_oos, expiring, booked, _first in sorted(rows, key=lambda r: (-r[2], r[6])):
        result.seat_total += n
        counts["out_of_service"] += n_oos
        if firm_id is None:
            counts["booked"] += booked
            counts["free"] += n - n_oos - booked
        else:
            result.firms.append((firm_id, name, n))
            counts["expiring"] += expiring
            counts["leased"] += n - n_oos - expiring
    return result


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


def seat_holders(seat: Seat) -> list[LeaseSeat]:
    """Return who held a seat and when, newest first. One query."""
    return list(LeaseSeat.objects.filter(seat=seat).select_related("lease__firm").order_by("-start"))


def holder_on(seat: Seat, on: datetime.date) -> LeaseSeat | None:
    """Return the holding of a seat on a day ("who held seat X on date Y"), or None. One query."""
    return LeaseSeat.objects.on(on).filter(seat=seat).select_related("lease__firm").first()


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
    horizon = expiry_horizon(on, expiring_days)
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
