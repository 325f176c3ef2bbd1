"""Portal fixtures: two firms sharing a floor, each with a lease, users, a request, a headcount and a reservation."""
import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from parkops.firms.choices import MemberRole
from parkops.leases import services
from parkops.zones.models import Seat
from tests import factories


def build_world(floor, firm, other_firm, *, own_seats=10, other_seats=10):
    """Both firms hold seats on one floor; each has a request, a headcount report and a zone-D reservation."""
    today = timezone.localdate()
    seats = list(Seat.objects.filter(floor=floor).order_by("row", "col"))
    start, end = today - datetime.timedelta(days=30), today + datetime.timedelta(days=400)
    lease = services.lease_create(
        firm=firm, start=start, end=end, seats=seats[:own_seats], number="NJ-OWN-001",
        policy_basis='=HYPERLINK("http://evil.example","x")', by=None,
    )
    other_lease = services.lease_create(
        firm=other_firm, start=start, end=end, seats=seats[own_seats:own_seats + other_seats], number="NJ-OTHER-777", by=None
    )
    phase = factories.PhaseFactory(number=1)
    month = today.replace(day=1)
    return SimpleNamespace(
        floor=floor, firm=firm, other_firm=other_firm, lease=lease, other_lease=other_lease, phase=phase,
        today=today, seats=seats,
        admin=factories.tenant_user(firm, "pingan-admin", role=MemberRole.ADMIN),
        viewer=factories.tenant_user(firm, "pingan-viewer", role=MemberRole.VIEWER),
        other_admin=factories.tenant_user(other_firm, "majorel-admin", role=MemberRole.ADMIN),
        request=services.seat_request_create(firm=firm, seats=5, wanted_from=today, reason="扩招", by=None),
        other_request=services.seat_request_create(firm=other_firm, seats=7, wanted_from=today, reason="迈睿扩编", by=None),
        # a reason is stored only when a report needs one (with own_seats=3, 12 people is above twice the seats)
        headcount=services.headcount_report_submit(firm=firm, month=month, headcount=12, confirmation_reason="测试数据", by=None),
        other_headcount=services.headcount_report_submit(firm=other_firm, month=month, headcount=9, confirmation_reason="测试数据", by=None),
        reservation=services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=100, by=None),
        other_reservation=services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=other_firm, phase=phase, seats=200, by=None),
    )


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
