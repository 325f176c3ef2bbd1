"""Counted seats per zone, building or floor on a day (the buckets in the package's docstring)."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q

from parkops.zones.choices import SeatCondition
from parkops.zones.models import Floor, Seat, Zone, existing_on, out_of_service_on

from ..models import LeaseSeat


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
