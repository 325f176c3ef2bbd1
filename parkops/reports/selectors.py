"""Reads only the report pages use: occupancy by building and floor, firms and business lines, trends, expiry,
the zone-D forecast and the dashboard's headline. The reads several screens share stay in parkops.leases.selectors.

Every read here runs a fixed number of queries whatever the number of seats, firms or months: per-month figures
are one conditional aggregate per month inside a single grouped query.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from parkops.core.dates import month_end, month_start
from parkops.firms.choices import FirmStatus
from parkops.firms.models import BusinessLine, Firm
from parkops.zones.choices import ZoneStatus
from parkops.leases.choices import expiry_horizon
from parkops.leases.models import CapacityReservation, HeadcountReport, Lease, LeaseSeat, effective_end_expression
from parkops.leases.selectors import (
    Occupancy, PhaseCapacity, leases_with_seats, occupancy_by, phase_capacity, with_firm_figures, zone_occupancy,
)
from parkops.zones.models import Building, Floor, Phase, Seat, Zone

OVER_DENSITY = 1.0
UNDER_USE = 0.6


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
        first = month_start(last, -i)
        points.append(MonthPoint(month=first, day=min(month_end(first), on)))
    return points


def forward_months(on: datetime.date, count: int = 36) -> list[MonthPoint]:
    """Return `count` months starting with on's month, each counted on its last day (for forecasts)."""
    return [MonthPoint(month=month_start(on, i), day=month_end(month_start(on, i))) for i in range(count)]


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
        with_firm_figures(Firm.objects.all(), on)
        .filter(Q(leased__gt=0) | Q(headcount__isnull=False))
        .order_by("-leased", "short_name")
    )
    return [
        FirmOccupancy(firm=f, leased=f.leased, headcount=f.headcount, headcount_month=f.headcount_month) for f in firms
    ]


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
        f"{prefix}{days}": count(field_name, filter=Q(**{f"{end}__gt": on, f"{end}__lte": expiry_horizon(on, days)}))
        for days in EXPIRY_WINDOWS
    }


def expiring_by_firm(on: datetime.date) -> list[FirmExpiry]:
    """Return per firm what expires in the next 30 / 60 / 90 days. Three queries.

    A lease expires in N days when it is expiring on `on` with the window N (LeaseQuerySet.expiring, the
    one rule): in force that day, its effective end (exclusive; the termination day of a lease terminated
    from a later day) within (on, on + N]. The buckets are the report's; the product's one expiry
    window (expiry_days()) is what the state "expiring" means. A seat expires when it is held on `on` and its holding ends
    in that window; it is "freed" unless the same seat has a holding starting on that end day
    (a back-to-back lease or a renewal onto a new lease).
    """
    horizon = expiry_horizon(on, max(EXPIRY_WINDOWS))
    lease_rows = {
        r["firm"]: r
        for r in Lease.objects.expiring(on, days=max(EXPIRY_WINDOWS))
        .alias(ends=effective_end_expression())
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
                f"f{days}": Count("seat", filter=Q(followed=False, end__lte=expiry_horizon(on, days)))
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
        .expiring(on, days=days)
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
