"""Fixtures of the planner tests: a tenant login, an htmx client, a zone-D phase with a floor."""
import pytest

from tests import factories


@pytest.fixture
def tenant(firm):
    return factories.tenant_user(firm, "pingan-user")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def phase(db):
    """Zone D phase 1 (capacity 100) with one building and a floor of 30 seats."""
    zone = factories.ZoneFactory(code="D", name="D区", declared_seats=0)
    phase = factories.PhaseFactory(zone=zone, number=1, planned_capacity=100)
    building = factories.BuildingFactory(zone=zone, phase=phase, code="D-1")
    phase.floor = factories.make_floor(30, building=building, level=2, cols=10)
    return phase

