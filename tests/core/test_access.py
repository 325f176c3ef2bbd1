"""visible_to(user): staff see everything, a tenant only its own firm's rows, others nothing."""
import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from parkops.core.access import is_bureau_admin, is_park_staff, user_firm
from parkops.firms.models import Firm, FirmMember
from parkops.leases import services
from parkops.leases.models import HeadcountReport, Lease, LeaseSeat, SeatRequest
from parkops.zones.models import Floor, Seat
from tests.factories import UserFactory, make_floor, make_lease, tenant_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_firms(floor, firm, other_firm):
    seats = list(Seat.objects.filter(floor=floor).order_by("code"))
    make_lease(firm, seats=seats[:5])
    make_lease(other_firm, seats=seats[5:8])
    other_floor = make_floor(10, building=floor.building, level=4)
    make_lease(other_firm, seats=list(other_floor.seats.all()))
    services.headcount_report_submit(firm=firm, month=dt.date.today(), headcount=5)
    services.headcount_report_submit(firm=other_firm, month=dt.date.today(), headcount=9)
    services.seat_request_create(firm=other_firm, seats=3, wanted_from=dt.date.today(), reason="x")
    return floor, other_floor


def test_tenant_sees_only_its_own_rows(two_firms, firm, other_firm):
    floor, other_floor = two_firms
    user = tenant_user(firm, "pingan")
    assert user_firm(user) == firm and not is_park_staff(user)
    assert list(Firm.objects.visible_to(user)) == [firm]
    assert set(Lease.objects.visible_to(user).values_list("firm", flat=True)) == {firm.pk}
    assert LeaseSeat.objects.visible_to(user).count() == 5
    assert Seat.objects.visible_to(user).count() == 5
    assert list(Floor.objects.visible_to(user)) == [floor]
    assert list(HeadcountReport.objects.visible_to(user).values_list("headcount", flat=True)) == [5]
    assert not SeatRequest.objects.visible_to(user).exists()
    assert list(FirmMember.objects.visible_to(user)) == [user.firm_membership]


def test_staff_see_everything_and_strangers_nothing(two_firms, staff, bureau_admin):
    assert is_park_staff(staff) and not is_bureau_admin(staff)
    assert is_bureau_admin(bureau_admin) and is_park_staff(bureau_admin)
    assert Lease.objects.visible_to(staff).count() == 3
    for nobody in (AnonymousUser(), UserFactory(username="nobody")):
        assert not Lease.objects.visible_to(nobody).exists()
        assert not Seat.objects.visible_to(nobody).exists()
        assert not Firm.objects.visible_to(nobody).exists()
