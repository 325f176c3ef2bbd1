"""Zone-D phases: planned capacity against seats laid out, leased, booked and reserved on a day."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, FilteredRelation, Q, Sum
from django.db.models.functions import Coalesce

from parkops.zones.models import Phase, Seat, existing_on

from ..models import standing_on
from .occupancy import Occupancy


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
