"""A firm's seats on a day, and firms with their seats and latest headcount annotated."""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from parkops.firms.models import Firm
from parkops.zones.models import floor_label as floor_label_of

from ..models import HeadcountReport, Lease, LeaseSeat


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
    """Return a firm's seats by zone, building and floor, and its leases, on a day. Two queries.

    The holdings are counted per floor and lease in one grouped query: the floors' totals and each lease's
    seats_on come from its rows. Each lease's ``state`` is Lease.state_on(on), the same rule as with_state()
    in SQL: building that expression and a per-lease subquery cost more than the rows they read.
    """
    floors: dict[int, FloorHolding] = {}
    held: dict[int, int] = defaultdict(int)
    for row in (
        LeaseSeat.objects.on(on)
        .filter(lease__firm=firm)
        .values(
            "seat__floor_id",
            "seat__floor__level",
            "seat__floor__label",
            "seat__floor__building__code",
            "seat__floor__building__zone__code",
            "seat__floor__building__zone__sort_order",
            "lease_id",
        )
        .annotate(n=Count("pk"))  # a seat has one holding on a day: no DISTINCT needed
        .order_by("seat__floor__building__zone__sort_order", "seat__floor__building__code", "seat__floor__level")
    ):
        held[row["lease_id"]] += row["n"]
        floor = floors.get(row["seat__floor_id"])
        if floor is None:
            floor = floors[row["seat__floor_id"]] = FloorHolding(
                zone_code=row["seat__floor__building__zone__code"],
                building_code=row["seat__floor__building__code"],
                floor_id=row["seat__floor_id"],
                floor_label=f'{row["seat__floor__building__code"]} {floor_label_of(row["seat__floor__level"], row["seat__floor__label"])}',
                seats=0,
            )
        floor.seats += row["n"]
    leases = list(Lease.objects.filter(firm=firm).order_by("-end"))
    for lease in leases:
        lease.state, lease.seats_on = lease.state_on(on), held.get(lease.pk, 0)
    return FirmAllocation(firm=firm, on=on, floors=list(floors.values()), leases=leases)


def with_firm_figures(firms, on: datetime.date):
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


def firms_with_figures(on):
    """Return firms with seats leased on a day and the latest headcount annotated (business lines prefetched)."""
    return with_firm_figures(Firm.objects.prefetch_related("business_lines"), on)
