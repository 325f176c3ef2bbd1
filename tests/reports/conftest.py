"""The report tests' parks (tests/factories.py): a small hand-computed one, and a big one for the query-count tests.

Small park (factories.SmallPark, all made through parkops.leases.services):

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
from parkops.zones.choices import ZoneStatus
from tests import factories
from tests.factories import SmallPark

D = datetime.date


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
