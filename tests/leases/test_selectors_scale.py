"""seat_states reads a floor's holdings by the floor's seat ids, so its cost does not grow with the park:
the holdings query neither joins nor sorts by seats (a join let PostgreSQL scan every holding in force in the
park). Found by the benchmark (python -m bench): the floor planner took 3x longer at 100,000 seats than at 7,000."""
import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from parkops.leases import selectors
from tests.factories import BuildingFactory, ZoneFactory, make_floor, make_lease

D = datetime.date


def test_seat_states_reads_only_the_floors_holdings(firm, other_firm):
    building = BuildingFactory(zone=ZoneFactory(code="C"), code="C-7")
    here, there = make_floor(20, building=building, level=1), make_floor(20, building=building, level=2)
    make_lease(firm, seats=list(here.seats.order_by("code")[:5]) + list(there.seats.order_by("code")[:7]))
    make_lease(other_firm, seats=list(there.seats.order_by("code")[10:20]))
    states = selectors.seat_states(here, D(2026, 6, 1))
    assert [s.state for s in states].count("leased") == 5
    assert {s.firm_id for s in states if s.firm_id} == {firm.pk}
    assert len(states) == 20 and [s.code for s in states] == sorted(s.code for s in states)


def test_seat_states_holdings_query_does_not_join_seats(floor, firm):
    make_lease(firm, seats=list(floor.seats.all()[:10]))
    with CaptureQueriesContext(connection) as captured:
        selectors.seat_states(floor, D(2026, 6, 1))
    holdings_sql = next(q["sql"] for q in captured.captured_queries if "leases_leaseseat" in q["sql"])
    assert "zones_seat" not in holdings_sql
    assert "ORDER BY" not in holdings_sql
