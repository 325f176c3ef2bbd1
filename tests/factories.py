"""factory_boy factories. Allocation rows (leases, holdings, reservations...) are made through
parkops.leases.services, so a test can never pass on data the product could not produce."""
import datetime
import importlib

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from parkops.core.access import BUREAU_ADMINS, PARK_STAFF
from parkops.firms.choices import FirmStatus, MemberRole
from parkops.firms.models import BusinessLine, Firm, FirmMember
from parkops.leases import services
from parkops.zones.choices import PhaseStatus, ZoneStatus
from parkops.zones.models import Building, Floor, Phase, Seat, Zone


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or "pw-Parkops-2026")
        if create:
            obj.save(update_fields=["password"])


def ensure_role_groups():
    """Recreate the role groups if a transactional test's flush dropped the data migration's rows."""
    if Group.objects.filter(name__in=[BUREAU_ADMINS, PARK_STAFF]).count() < 2:
        from django.apps import apps

        importlib.import_module("parkops.core.migrations.0001_groups").create_groups(apps, None)


def staff_user(username="staff", *, bureau=False):
    """Return a park staff member (or bureau admin) in the right group, with admin access."""
    ensure_role_groups()
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=BUREAU_ADMINS if bureau else PARK_STAFF))
    return user


def tenant_user(firm, username=None, *, role=MemberRole.ADMIN):
    """Return a login that belongs to one firm."""
    user = UserFactory(username=username or f"{firm.short_name}-user")
    FirmMember.objects.create(user=user, firm=firm, role=role)
    return user


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"Z{n}")
    name = factory.LazyAttribute(lambda o: f"{o.code}区")
    status = ZoneStatus.OPERATING
    declared_seats = 1000
    gross_area_m2 = 8000


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    zone = factory.SubFactory(ZoneFactory, code="D", status=ZoneStatus.UNDER_CONSTRUCTION)
    number = factory.Sequence(lambda n: n + 1)
    planned_capacity = 35000
    status = PhaseStatus.UNDER_CONSTRUCTION


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    zone = factory.SubFactory(ZoneFactory)
    code = factory.Sequence(lambda n: f"B-{n}")
    name = factory.LazyAttribute(lambda o: f"{o.code}栋")


class FloorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Floor

    building = factory.SubFactory(BuildingFactory)
    level = factory.Sequence(lambda n: n + 1)
    grid_rows = 10
    grid_cols = 20


SEATS_FROM = datetime.date(2020, 1, 1)  # test seats exist from here, before any test's holdings


def make_floor(n_seats: int, *, building=None, level=None, cols=20, available_from=SEATS_FROM, **floor_kwargs) -> Floor:
    """Return a floor with n seats laid out row by row on a grid `cols` wide, existing from `available_from`."""
    rows = max(1, -(-n_seats // cols))
    kwargs = {"grid_rows": rows, "grid_cols": cols, **floor_kwargs}
    if building is not None:
        kwargs["building"] = building
    if level is not None:
        kwargs["level"] = level
    floor = FloorFactory(**kwargs)
    Seat.objects.bulk_create(
        Seat(floor=floor, code=f"{floor.building.code}-{floor.level}F-{i + 1:04d}", row=i // cols, col=i % cols,
             available_from=available_from)
        for i in range(n_seats)
    )
    return floor


class BusinessLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessLine
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"line-{n}")
    name = factory.Sequence(lambda n: f"业态{n}")


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    short_name = factory.Sequence(lambda n: f"测试企业{n}")
    status = FirmStatus.OPERATING


def make_lease(firm=None, *, seats=(), start=datetime.date(2026, 1, 1), end=datetime.date(2027, 1, 1), by=None, **kwargs):
    """Create a lease through services.lease_create (and allocate seats for its whole period), acting as `by`
    (None: no person, as in a test that is not about who acted)."""
    return services.lease_create(firm=firm or FirmFactory(), start=start, end=end, seats=list(seats), by=by, **kwargs)
