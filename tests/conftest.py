"""Shared fixtures: roles, a small floor, and the switches that turn PostgreSQL-only and
browser-only skips into failures in CI."""
import os

import pytest
from django.db import connection

from tests import factories


@pytest.fixture
def postgres_only(db):
    """Skip on SQLite, or fail when PARKOPS_REQUIRE_POSTGRES=1 (CI's PostgreSQL run)."""
    if connection.vendor != "postgresql":
        if os.environ.get("PARKOPS_REQUIRE_POSTGRES") == "1":
            pytest.fail("PARKOPS_REQUIRE_POSTGRES=1 but the test database is not PostgreSQL")
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://... to run it")


@pytest.fixture
def staff(db):
    return factories.staff_user("staff")


@pytest.fixture
def bureau_admin(db):
    return factories.staff_user("bureau", bureau=True)


@pytest.fixture
def floor(db):
    """A floor of 40 seats in zone C."""
    zone = factories.ZoneFactory(code="C", name="C区")
    building = factories.BuildingFactory(zone=zone, code="C-1")
    return factories.make_floor(40, building=building, level=3, cols=10)


@pytest.fixture
def firm(db):
    return factories.FirmFactory(name="平安金服（测试）有限公司", short_name="平安金服")


@pytest.fixture
def other_firm(db):
    return factories.FirmFactory(name="迈睿中国（测试）有限公司", short_name="迈睿中国")
