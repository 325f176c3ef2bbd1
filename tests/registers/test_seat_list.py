"""The seat list: filters on place, state, holder and expiry; a 30,000-row CSV export that streams."""
import datetime
from unittest import mock

import pytest
from django.db.models.query import QuerySet
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from parkops.leases import services
from parkops.zones.choices import SeatCondition
from parkops.zones.models import Seat
from tests import factories


def codes(client, params):
    table = client.get(reverse("registers:seat_list"), params).context["table"]
    return [row.record.code for row in table.page.object_list]


@pytest.fixture
def held(floor, firm, other_firm):
    """Seats 1-3 held by 平安金服 until in 20 days, 4-5 by 迈睿中国 for a year; seat 6 out of service."""
    today = timezone.localdate()
    seats = list(floor.seats.order_by("code"))
    factories.make_lease(firm, seats=seats[:3], start=today - datetime.timedelta(days=30), end=today + datetime.timedelta(days=20))
    factories.make_lease(other_firm, seats=seats[3:5], start=today - datetime.timedelta(days=30), end=today + datetime.timedelta(days=365))
    services.seats_set_condition(seats=[seats[5]], condition=SeatCondition.OUT_OF_SERVICE, on=datetime.date(2020, 1, 1), by=None)
    return seats


def test_seat_list_is_staff_only(client, floor, firm):
    url = reverse("registers:seat_list")
    assert client.get(url).status_code == 302
    client.force_login(factories.tenant_user(firm))
    assert client.get(url).status_code == 404


def test_seat_list_filters(client, staff, held, firm, floor):
    client.force_login(staff)
    c = [s.code for s in held]
    assert codes(client, {"state": "leased"}) == c[:5]
    assert codes(client, {"state": "out_of_service"}) == [c[5]]
    assert len(codes(client, {"state": "free", "floor": floor.pk})) == 40 - 6
    assert codes(client, {"firm": firm.pk}) == c[:3]
    assert codes(client, {"expiring_within": 30}) == c[:3]
    assert codes(client, {"expiring_within": 400}) == c[:5]
    assert codes(client, {"code": "0004"}) == [c[3]]
    line = factories.BusinessLineFactory(code="call", name="呼叫中心")
    firm.business_lines.add(line)
    assert codes(client, {"business_line": line.pk}) == c[:3]
    other_zone = factories.ZoneFactory(code="A")
    assert codes(client, {"zone": other_zone.pk}) == []


def test_seat_list_shows_holder_and_sorts(client, staff, held):
    client.force_login(staff)
    rows = client.get(reverse("registers:seat_list"), {"sort": "-code"}).context["table"].page.object_list
    first = [r.record for r in rows][-1]
    assert first.code < [r.record for r in rows][0].code
    record = client.get(reverse("registers:seat_list"), {"code": held[0].code}).context["table"].page.object_list[0].record
    assert record.holder_firm == "平安金服"


def test_30000_row_csv_export_streams_every_row(client, staff, db):
    zone = factories.ZoneFactory(code="C")
    building = factories.BuildingFactory(zone=zone, code="C-9")
    for level in range(1, 11):
        factories.make_floor(3000, building=building, level=level, cols=100)
    some = list(Seat.objects.order_by("pk")[:1000])
    factories.make_lease(factories.FirmFactory(short_name="=cmd|' /C calc'!A0"), seats=some, start=timezone.localdate(), end=timezone.localdate() + datetime.timedelta(days=30))
    client.force_login(staff)
    # The export must not fill a Seat queryset's result cache (that would hold all 30,000 rows at
    # once): rows come from QuerySet.iterator() in chunks.
    fetch_all = QuerySet._fetch_all

    def guarded(qs):
        if qs.model is Seat:
            raise AssertionError("the whole seat queryset was loaded")
        return fetch_all(qs)

    with mock.patch.object(QuerySet, "_fetch_all", guarded):
        response = client.get(reverse("registers:seat_list"), {"_export": "csv"})
        assert isinstance(response, StreamingHttpResponse)
        assert response["Content-Type"].startswith("text/csv")
        chunks = list(response.streaming_content)
    assert len(chunks) > 2  # streamed in several pieces, not built whole
    lines = b"".join(chunks).decode("utf-8-sig").splitlines()
    assert len(lines) == 30001  # header + every seat
    holders = {line.split(",")[6] for line in lines if "calc" in line}
    assert holders == {"'=cmd|' /C calc'!A0"}
