"""A small hand-computed park for the report tests, and a big one for the query-count tests.

Small park (all made through parkops.leases.services):

  zone A (declared 10): A-1 1F: A1 A2 A3 A4 (A4 out of service)
  zone B (declared 8):  B-1 2F: B1 B2 B3   (B3 out of service)
  zone C (declared 6):  C-1 3F: C1 C2;  C-1 4F: C3 C4

  甲 (呼叫中心):           L1 [2026-01-01, 2026-07-01) A1 A2, then back-to-back
                           L2 [2026-07-01, 2027-01-01) A1 A2
  乙 (呼叫中心, 数据标注): L3 [2026-03-15, 2026-09-15) A3 B1 B2 (starts and ends mid-month)
  丙:                      L4 [2026-02-01, 2027-02-01) C1 C2 C3; C3 released on 2026-05-10
  headcount: 甲 2026-03: 3;  乙 2026-02: 1, 2026-04: 2;  丙 none
"""
import datetime

import pytest

from parkops.leases import services
from parkops.zones.choices import SeatCondition, ZoneStatus
from parkops.zones.models import Seat
from tests import factories

D = datetime.date


class SmallPark:
    """Handles on the small park's objects, by name."""

    def __init__(self):
        self.zones = {c: factories.ZoneFactory(code=c, name=f"{c}区", declared_seats=n, sort_order=i)
                      for i, (c, n) in enumerate((("A", 10), ("B", 8), ("C", 6)))}
        self.buildings = {c: factories.BuildingFactory(zone=z, code=f"{c}-1") for c, z in self.zones.items()}
        self.floors = {
            "A1F": factories.make_floor(4, building=self.buildings["A"], level=1, cols=4),
            "B2F": factories.make_floor(3, building=self.buildings["B"], level=2, cols=3),
            "C3F": factories.make_floor(2, building=self.buildings["C"], level=3, cols=2),
            "C4F": factories.make_floor(2, building=self.buildings["C"], level=4, cols=2),
        }
        seats = list(Seat.objects.order_by("floor__building__code", "floor__level", "code"))
        names = ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "C1", "C2", "C3", "C4"]
        self.seat = dict(zip(names, seats))
        services.seats_set_condition(seats=[self.seat["A4"], self.seat["B3"]], condition=SeatCondition.OUT_OF_SERVICE, on=datetime.date(2020, 1, 1), by=None)
        call = factories.BusinessLineFactory(code="call", name="呼叫中心")
        label = factories.BusinessLineFactory(code="label", name="数据标注")
        self.lines = {"call": call, "label": label}
        self.firm = {
            "甲": factories.FirmFactory(name="甲公司", short_name="甲"),
            "乙": factories.FirmFactory(name="乙公司", short_name="乙"),
            "丙": factories.FirmFactory(name="丙公司", short_name="丙"),
        }
        self.firm["甲"].business_lines.set([call])
        self.firm["乙"].business_lines.set([call, label])
        s = self.seat
        self.lease = {
            "L1": factories.make_lease(self.firm["甲"], seats=[s["A1"], s["A2"]], start=D(2026, 1, 1), end=D(2026, 7, 1), number="L1"),
            "L2": factories.make_lease(self.firm["甲"], seats=[s["A1"], s["A2"]], start=D(2026, 7, 1), end=D(2027, 1, 1), number="L2"),
            "L3": factories.make_lease(self.firm["乙"], seats=[s["A3"], s["B1"], s["B2"]], start=D(2026, 3, 15), end=D(2026, 9, 15), number="L3"),
            "L4": factories.make_lease(self.firm["丙"], seats=[s["C1"], s["C2"], s["C3"]], start=D(2026, 2, 1), end=D(2027, 2, 1), number="L4"),
        }
        services.seats_release(lease=self.lease["L4"], seats=[s["C3"]], on=D(2026, 5, 10), by=None)
        services.headcount_report_submit(confirmation_reason="测试数据", firm=self.firm["甲"], month=D(2026, 3, 1), headcount=3, by=None)
        services.headcount_report_submit(confirmation_reason="测试数据", firm=self.firm["乙"], month=D(2026, 2, 1), headcount=1, by=None)
        services.headcount_report_submit(confirmation_reason="测试数据", firm=self.firm["乙"], month=D(2026, 4, 1), headcount=2, by=None)


@pytest.fixture
def park(db):
    return SmallPark()


@pytest.fixture
def zone_d(park):
    """Zone D on top of the small park: phase 1 (10 people, handover 2027-03-01) over-committed and late;
    phase 2 (5 people, no handover date) with one undated reservation."""
    zone = factories.ZoneFactory(code="D", name="D区", declared_seats=0, sort_order=9, status=ZoneStatus.UNDER_CONSTRUCTION)
    p1 = factories.PhaseFactory(zone=zone, number=1, planned_capacity=10, expected_handover=D(2027, 3, 1))
    p2 = factories.PhaseFactory(zone=zone, number=2, planned_capacity=5)
    services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=park.firm["甲"], phase=p1, seats=6, wanted_from=D(2027, 1, 1), by=None)
    services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=park.firm["乙"], phase=p1, seats=4, wanted_from=D(2027, 6, 1), by=None)
    services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=park.firm["丙"], phase=p2, seats=3, by=None)
    building = factories.BuildingFactory(zone=zone, phase=p1, code="D-1")
    floor = factories.make_floor(2, building=building, level=1, cols=2)
    factories.make_lease(park.firm["丙"], seats=list(floor.seats.all()), start=D(2027, 4, 1), end=D(2028, 4, 1), number="L5")
    return {"p1": p1, "p2": p2}


def build_big_park(n_seats: int, *, n_firms: int = 40):
    """Lay out n_seats in zones A, B, C (bulk_create) and lease about 60 % of them to n_firms firms
    through services (one lease per firm, bulk allocation), with headcount reports and zone D."""
    from django.db import transaction

    with transaction.atomic():
        per_zone = n_seats // 3
        floors = []
        for i, code in enumerate("ABC"):
            zone = factories.ZoneFactory(code=code, declared_seats=per_zone, sort_order=i)
            building = factories.BuildingFactory(zone=zone, code=f"{code}-1")
            for level in range(1, 11):
                floors.append(factories.make_floor(per_zone // 10, building=building, level=level, cols=50))
        seats = list(Seat.objects.order_by("pk"))
        services.seats_set_condition(seats=seats[::50], condition=SeatCondition.OUT_OF_SERVICE, on=datetime.date(2020, 1, 1), by=None)
        leasable = [s for i, s in enumerate(seats) if i % 50][: int(len(seats) * 0.6)]
        chunk = len(leasable) // n_firms
        lines = [factories.BusinessLineFactory(code=f"l{i}", name=f"业态{i}") for i in range(4)]
        for i in range(n_firms):
            firm = factories.FirmFactory()
            firm.business_lines.set(lines[i % 4 : i % 4 + 2])
            factories.make_lease(firm, seats=leasable[i * chunk : (i + 1) * chunk], start=D(2025, 1 + i % 12, 1), end=D(2026, 12 + i % 3 - 2, 1))
            for month in (D(2026, 1, 1), D(2026, 6, 1), D(2026, 10, 1)):
                services.headcount_report_submit(confirmation_reason="测试数据", firm=firm, month=month, headcount=chunk + 5 - i % 10, by=None)
        zone = factories.ZoneFactory(code="D", declared_seats=0, sort_order=9)
        for n in (1, 2, 3, 4):
            phase = factories.PhaseFactory(zone=zone, number=n, planned_capacity=35000, expected_handover=D(2027, n, 1))
            services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=1000, wanted_from=D(2027, 1, 1), by=None)
    return len(seats)
