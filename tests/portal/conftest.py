"""Portal fixtures: two firms sharing a floor, each with a lease, users, a request, a headcount and a reservation
(factories.build_world)."""
import pytest

from parkops.zones.models import Seat
from tests.factories import build_world


@pytest.fixture
def world(floor, firm, other_firm):
    return build_world(floor, firm, other_firm)


def other_firm_secrets(world) -> list[str]:
    """Strings that must never reach a tenant of `world.firm`: the other firm's names, seat codes, lease numbers."""
    other = world.other_firm
    codes = list(Seat.objects.filter(lease_seats__lease__firm=other).values_list("code", flat=True))
    return [other.name, other.short_name, *codes, *other.leases.values_list("number", flat=True)]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Test users get a cheap hash: the portal tests make three users per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
