"""Data for the admin tests, made through the factories and the services (never by writing allocation rows)."""
import datetime

import pytest
from django.utils import timezone

from parkops.firms.models import BusinessLine
from parkops.zones.models import Building, Phase
from parkops.leases import services
from tests import factories


def make_park(n: int, *, first: int = 0, by=None):
    """Add n firms to the park (numbered from `first`), each on its own floor of 6 seats in zone C with a lease
    on 3 of them, a reservation in zone D, a seat request, a headcount report and a tenant login."""
    today = timezone.localdate()
    zone = factories.ZoneFactory(code="C", name="C区")
    building = Building.objects.filter(code="C-1").first() or factories.BuildingFactory(zone=zone, code="C-1")
    phase = Phase.objects.filter(zone__code="D", number=1).first() or factories.PhaseFactory(number=1, planned_capacity=35000)
    lines = [factories.BusinessLineFactory(code=f"line{i}", name=f"业态{i}") for i in range(3)]
    floors = [factories.make_floor(6, building=building, level=i + 1, cols=6) for i in range(first, first + n)]
    for i, floor in enumerate(floors, start=first):
        firm = factories.FirmFactory(name=f"企业{i}有限公司", short_name=f"企业{i}", uscc=None)
        firm.business_lines.set(lines[: 1 + i % 3])
        seats = list(floor.seats.order_by("code")[:3])
        factories.make_lease(firm, seats=seats, start=today - datetime.timedelta(days=30), end=today + datetime.timedelta(days=60 + i))
        services.seats_set_condition(seats=list(floor.seats.order_by("code")[5:]), condition="out_of_service", on=today, by=by)
        services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=10 + i, by=by)
        services.seat_request_create(firm=firm, seats=2, wanted_from=today, reason="扩招", by=by)
        services.headcount_report_submit(confirmation_reason="测试数据", firm=firm, month=today.replace(day=1), headcount=20 + i, by=by)
        factories.tenant_user(firm, username=f"tenant{i}")
    return {"zone": zone, "phase": phase, "building": building, "floors": floors, "lines": list(BusinessLine.objects.all())}


@pytest.fixture
def admin_client(client, bureau_admin):
    client.force_login(bureau_admin)
    return client
