"""The one park builder of the tests: factory_boy factories, and the parks the tests share built from them.

Allocation rows (leases, holdings, reservations...) are made through parkops.leases.services, so a test can never
pass on data the product could not produce. The real park (manage.py load_park, as `make demo`) is the other source
of data: the `real_park` fixtures in tests/conftest.py.

Parks here: zone_c_floor/pingan/majorel (the `floor`, `firm`, `other_firm` fixtures), build_world and
two_firm_world (two firms sharing a floor: the portal, isolation and hostile-input tests), make_park (n firms with
one of everything: the admin tests), SmallPark (hand-computed figures: the report tests) and build_big_park
(query counts at scale).
"""
import datetime
import importlib
from types import SimpleNamespace

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from parkops.core.access import BUREAU_ADMINS, PARK_STAFF
from parkops.firms.choices import FirmStatus, MemberRole
from parkops.firms.models import BusinessLine, Firm, FirmMember
from parkops.leases import services
from parkops.zones.choices import PhaseStatus, SeatCondition, ZoneStatus
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


ROLE_MIGRATIONS = [("0001_groups", "create_groups"), ("0002_bureau_sees_logins", "grant")]


def create_role_groups():
    """Create the role groups and their permissions as the data migrations do (a flush drops their rows).

    The migrations run on the live app registry here, not on a migration state: their permission helper sets each
    app config's models_module and then clears it (which would hide every app from dumpdata afterwards), so each
    one's value is put back.
    """
    from django.apps import apps

    models_modules = {config: config.models_module for config in apps.get_app_configs()}
    try:
        for migration, function in ROLE_MIGRATIONS:
            getattr(importlib.import_module(f"parkops.core.migrations.{migration}"), function)(apps, None)
    finally:
        for config, models_module in models_modules.items():
            config.models_module = models_module


def staff_user(username="staff", *, bureau=False):
    """Return a park staff member (or bureau admin) in the right group, with admin access."""
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


# --- shared parks -------------------------------------------------------------------------------------------------

D = datetime.date


def zone_c_floor(n_seats=40, *, code="C-1", level=3, cols=10):
    """A floor of n seats (40: 4 rows of 10) in zone C's building `code`."""
    zone = ZoneFactory(code="C", name="C区")
    building = Building.objects.filter(code=code).first() or BuildingFactory(zone=zone, code=code)
    return make_floor(n_seats, building=building, level=level, cols=cols)


def pingan(**kwargs):
    return FirmFactory(name="平安金服（测试）有限公司", short_name="平安金服", **kwargs)


def majorel(**kwargs):
    return FirmFactory(name="迈睿中国（测试）有限公司", short_name="迈睿中国", **kwargs)


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
    phase = PhaseFactory(number=1)
    month = today.replace(day=1)
    return SimpleNamespace(
        floor=floor, firm=firm, other_firm=other_firm, lease=lease, other_lease=other_lease, phase=phase,
        today=today, seats=seats,
        admin=tenant_user(firm, "pingan-admin", role=MemberRole.ADMIN),
        viewer=tenant_user(firm, "pingan-viewer", role=MemberRole.VIEWER),
        other_admin=tenant_user(other_firm, "majorel-admin", role=MemberRole.ADMIN),
        request=services.seat_request_create(firm=firm, seats=5, wanted_from=today, reason="扩招", by=None),
        other_request=services.seat_request_create(firm=other_firm, seats=7, wanted_from=today, reason="迈睿扩编", by=None),
        # a reason is stored only when a report needs one (with own_seats=3, 12 people is above twice the seats)
        headcount=services.headcount_report_submit(firm=firm, month=month, headcount=12, confirmation_reason="测试数据", by=None),
        other_headcount=services.headcount_report_submit(firm=other_firm, month=month, headcount=9, confirmation_reason="测试数据", by=None),
        reservation=services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=100, by=None),
        other_reservation=services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=other_firm, phase=phase, seats=200, by=None),
    )


def two_firm_world(**other_firm):
    """build_world on zone C's 40-seat floor for 平安金服 and 迈睿中国 (keyword arguments: more fields of the latter)."""
    return build_world(zone_c_floor(), pingan(), majorel(**other_firm))


def make_park(n: int, *, first: int = 0, by=None):
    """Add n firms to the park (numbered from `first`), each on its own floor of 6 seats in zone C with a lease
    on 3 of them, a reservation in zone D, a seat request, a headcount report and a tenant login."""
    today = timezone.localdate()
    zone = ZoneFactory(code="C", name="C区")
    building = Building.objects.filter(code="C-1").first() or BuildingFactory(zone=zone, code="C-1")
    phase = Phase.objects.filter(zone__code="D", number=1).first() or PhaseFactory(number=1, planned_capacity=35000)
    lines = [BusinessLineFactory(code=f"line{i}", name=f"业态{i}") for i in range(3)]
    floors = [make_floor(6, building=building, level=i + 1, cols=6) for i in range(first, first + n)]
    for i, floor in enumerate(floors, start=first):
        firm = FirmFactory(name=f"企业{i}有限公司", short_name=f"企业{i}", uscc=None)
        firm.business_lines.set(lines[: 1 + i % 3])
        seats = list(floor.seats.order_by("code")[:3])
        make_lease(firm, seats=seats, start=today - datetime.timedelta(days=30), end=today + datetime.timedelta(days=60 + i))
        services.seats_set_condition(seats=list(floor.seats.order_by("code")[5:]), condition="out_of_service", on=today, by=by)
        services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=10 + i, by=by)
        services.seat_request_create(firm=firm, seats=2, wanted_from=today, reason="扩招", by=by)
        services.headcount_report_submit(confirmation_reason="测试数据", firm=firm, month=today.replace(day=1), headcount=20 + i, by=by)
        tenant_user(firm, username=f"tenant{i}")
    return {"zone": zone, "phase": phase, "building": building, "floors": floors, "lines": list(BusinessLine.objects.all())}


class SmallPark:
    """The report tests' small park (drawn in tests/reports/conftest.py); handles on its objects, by name."""

    def __init__(self):
        self.zones = {c: ZoneFactory(code=c, name=f"{c}区", declared_seats=n, sort_order=i)
                      for i, (c, n) in enumerate((("A", 10), ("B", 8), ("C", 6)))}
        self.buildings = {c: BuildingFactory(zone=z, code=f"{c}-1") for c, z in self.zones.items()}
        self.floors = {
            "A1F": make_floor(4, building=self.buildings["A"], level=1, cols=4),
            "B2F": make_floor(3, building=self.buildings["B"], level=2, cols=3),
            "C3F": make_floor(2, building=self.buildings["C"], level=3, cols=2),
            "C4F": make_floor(2, building=self.buildings["C"], level=4, cols=2),
        }
        seats = list(Seat.objects.order_by("floor__building__code", "floor__level", "code"))
        names = ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "C1", "C2", "C3", "C4"]
        self.seat = dict(zip(names, seats))
        services.seats_set_condition(seats=[self.seat["A4"], self.seat["B3"]], condition=SeatCondition.OUT_OF_SERVICE, on=datetime.date(2020, 1, 1), by=None)
        call = BusinessLineFactory(code="call", name="呼叫中心")
        label = BusinessLineFactory(code="label", name="数据标注")
        self.lines = {"call": call, "label": label}
        self.firm = {
            "甲": FirmFactory(name="甲公司", short_name="甲"),
            "乙": FirmFactory(name="乙公司", short_name="乙"),
            "丙": FirmFactory(name="丙公司", short_name="丙"),
        }
        self.firm["甲"].business_lines.set([call])
        self.firm["乙"].business_lines.set([call, label])
        s = self.seat
        self.lease = {
            "L1": make_lease(self.firm["甲"], seats=[s["A1"], s["A2"]], start=D(2026, 1, 1), end=D(2026, 7, 1), number="L1"),
            "L2": make_lease(self.firm["甲"], seats=[s["A1"], s["A2"]], start=D(2026, 7, 1), end=D(2027, 1, 1), number="L2"),
            "L3": make_lease(self.firm["乙"], seats=[s["A3"], s["B1"], s["B2"]], start=D(2026, 3, 15), end=D(2026, 9, 15), number="L3"),
            "L4": make_lease(self.firm["丙"], seats=[s["C1"], s["C2"], s["C3"]], start=D(2026, 2, 1), end=D(2027, 2, 1), number="L4"),
        }
        services.seats_release(lease=self.lease["L4"], seats=[s["C3"]], on=D(2026, 5, 10), by=None)
        services.headcount_report_submit(confirmation_reason="测试数据", firm=self.firm["甲"], month=D(2026, 3, 1), headcount=3, by=None)
        services.headcount_report_submit(confirmation_reason="测试数据", firm=self.firm["乙"], month=D(2026, 2, 1), headcount=1, by=None)
        services.headcount_report_submit(confirmation_reason="测试数据", firm=self.firm["乙"], month=D(2026, 4, 1), headcount=2, by=None)


def build_big_park(n_seats: int, *, n_firms: int = 40):
    """Lay out n_seats in zones A, B, C (bulk_create) and lease about 60 % of them to n_firms firms
    through services (one lease per firm, bulk allocation), with headcount reports and zone D."""
    from django.db import transaction

    with transaction.atomic():
        per_zone = n_seats // 3
        floors = []
        for i, code in enumerate("ABC"):
            zone = ZoneFactory(code=code, declared_seats=per_zone, sort_order=i)
            building = BuildingFactory(zone=zone, code=f"{code}-1")
            for level in range(1, 11):
                floors.append(make_floor(per_zone // 10, building=building, level=level, cols=50))
        seats = list(Seat.objects.order_by("pk"))
        services.seats_set_condition(seats=seats[::50], condition=SeatCondition.OUT_OF_SERVICE, on=datetime.date(2020, 1, 1), by=None)
        leasable = [s for i, s in enumerate(seats) if i % 50][: int(len(seats) * 0.6)]
        chunk = len(leasable) // n_firms
        lines = [BusinessLineFactory(code=f"l{i}", name=f"业态{i}") for i in range(4)]
        for i in range(n_firms):
            firm = FirmFactory()
            firm.business_lines.set(lines[i % 4 : i % 4 + 2])
            make_lease(firm, seats=leasable[i * chunk : (i + 1) * chunk], start=D(2025, 1 + i % 12, 1), end=D(2026, 12 + i % 3 - 2, 1))
            for month in (D(2026, 1, 1), D(2026, 6, 1), D(2026, 10, 1)):
                services.headcount_report_submit(confirmation_reason="测试数据", firm=firm, month=month, headcount=chunk + 5 - i % 10, by=None)
        zone = ZoneFactory(code="D", declared_seats=0, sort_order=9)
        for n in (1, 2, 3, 4):
            phase = PhaseFactory(zone=zone, number=n, planned_capacity=35000, expected_handover=D(2027, n, 1))
            services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=1000, wanted_from=D(2027, 1, 1), by=None)
    return len(seats)
