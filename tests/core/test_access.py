"""visible_to(user): staff see everything, a tenant only its own firm's rows, others nothing."""
import datetime as dt

import pytest
from django.utils import timezone
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
    services.headcount_report_submit(confirmation_reason="测试数据", firm=firm, month=timezone.localdate(), headcount=5, by=None)
    services.headcount_report_submit(confirmation_reason="测试数据", firm=other_firm, month=timezone.localdate(), headcount=9, by=None)
    services.seat_request_create(firm=other_firm, seats=3, wanted_from=timezone.localdate(), reason="x", by=None)
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


# --- roles are read per request ----------------------------------------------------------------------------


def test_staff_role_costs_one_query_and_never_reads_a_membership(staff, bureau_admin, django_assert_num_queries):
    with django_assert_num_queries(2):  # the groups of each
        assert is_park_staff(staff) and not is_bureau_admin(staff) and is_park_staff(staff)
        assert is_park_staff(bureau_admin) and is_bureau_admin(bureau_admin)


def test_tenant_firm_is_read_once_with_its_membership(firm, django_assert_num_queries):
    from parkops.core.access import user_membership

    member = tenant_user(firm, "pingan-viewer", role="viewer")
    with django_assert_num_queries(1):
        assert user_firm(member) == firm and user_firm(member) == firm
        assert user_membership(member).role == "viewer"


def test_staff_pages_do_not_read_a_membership(client, staff, django_assert_num_queries):
    client.force_login(staff)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/planner/").status_code == 200
    assert not any("firms_firmmember" in q["sql"] for q in ctx.captured_queries)


def test_a_signed_in_page_reads_the_role_groups_in_the_users_own_query(client, staff, firm):
    """core.auth.ParkModelBackend: the user and whether they are in the role groups come in one query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for user, url in ((staff, "/planner/"), (tenant_user(firm, "grouped"), "/portal/")):
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        sqls = [q["sql"] for q in ctx.captured_queries]
        users = [sql for sql in sqls if 'FROM "auth_user"' in sql and "auth_user_groups" in sql]
        assert len(users) == 1, sqls
        assert not any(sql.startswith('SELECT "auth_group"') for sql in sqls), sqls


def test_group_change_takes_effect_on_the_next_request(client, staff):
    """The role is read per request, never cached in the session: a removed staff member loses access at once."""
    client.force_login(staff)
    assert client.get("/planner/").status_code == 200
    staff.groups.clear()
    assert client.get("/planner/").status_code == 404


def test_membership_change_takes_effect_on_the_next_request(client, firm, other_firm):
    user = tenant_user(firm, "moved")
    client.force_login(user)
    assert firm.short_name in client.get("/portal/").content.decode()
    FirmMember.objects.filter(user=user).update(firm=other_firm)
    page = client.get("/portal/").content.decode()
    assert other_firm.short_name in page and firm.short_name not in page
    FirmMember.objects.filter(user=user).delete()
    assert client.get("/portal/").status_code in (403, 404)


def test_in_ids_lookup_matches_the_plain_in(floor):
    seats = list(floor.seats.order_by("pk"))
    wanted = [seats[0].pk, seats[3].pk, seats[-1].pk]
    assert list(Seat.objects.filter(pk__in_ids=wanted).order_by("pk")) == [seats[0], seats[3], seats[-1]]
    assert not Seat.objects.filter(pk__in_ids=[]).exists()
    assert Seat.objects.exclude(pk__in_ids=[]).count() == len(seats)
    lease = make_lease(seats=seats[:2])
    assert set(LeaseSeat.objects.filter(seat__in_ids=[seats[1].pk, seats[5].pk]).values_list("lease_id", flat=True)) == {lease.pk}
