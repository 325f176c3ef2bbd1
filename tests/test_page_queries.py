"""Every page runs the same number of queries whatever grows: seats, firms, leases, reservations, months of history.

One park is built twice over: a small one, then, beside it, one with four times the seats per floor, firms,
leases, reservations, seat requests and months of monthly changes. Each page is read on the small park's objects
and again on the large one's (its floor of the same kind, its firm, its phase's reservation): the counts must be
equal. The floors are of every kind: zones A, B, B1 and C, and a zone-D phase floor with reservations, booked and
out-of-service seats. The ceilings below are today's counts, so a page that starts to grow fails here.
"""
import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parkops.core.dates import month_start
from parkops.leases import services
from parkops.leases.choices import SeatRequestStatus
from tests import factories

ZONES = ("A", "B", "B1", "C")
KINDS = (*ZONES, "D")


def add_park(tag: str, size: int):
    """Add to the park, for `size` = 1, 4, ...: a floor of 40*size seats in each of zones A, B, B1, C and in a
    zone-D phase; 3*size firms with leases on them; 3*size reservations on the phase (some cancelled, one
    converted); 2*size seat requests and 3*size months of monthly holding changes and headcount reports."""
    today = timezone.localdate()
    months = 3 * size
    first = month_start(today, -months)
    firms = [factories.FirmFactory(name=f"{tag}企业{i}有限公司", short_name=f"{tag}企业{i}") for i in range(3 * size)]
    floors, buildings = {}, {}
    for code in ZONES:
        zone = factories.ZoneFactory(code=code)
        buildings[code] = factories.BuildingFactory(zone=zone, code=f"{code}{tag}")
        floors[code] = factories.make_floor(40 * size, building=buildings[code], level=2, cols=20)
    zone_d = factories.ZoneFactory(code="D")
    phase = factories.PhaseFactory(zone=zone_d, number=size, name="", planned_capacity=35000)
    buildings["D"] = factories.BuildingFactory(zone=zone_d, phase=phase, code=f"D{tag}")
    floors["D"] = factories.make_floor(40 * size, building=buildings["D"], level=6, cols=20)
    leases = []
    for kind, floor in floors.items():
        seats = list(floor.seats.order_by("code"))
        block = len(seats) // (2 * len(firms))
        for i, firm in enumerate(firms):
            leases.append(factories.make_lease(firm, seats=seats[i * block:(i + 1) * block], start=first,
                                               end=today + datetime.timedelta(days=400)))
        booked = seats[len(seats) // 2: len(seats) // 2 + size * 2]  # held from a later day
        factories.make_lease(firms[-1], seats=booked, start=today + datetime.timedelta(days=60), end=today + datetime.timedelta(days=400))
        services.seats_set_condition(seats=seats[-size:], condition="out_of_service", on=first, by=None)
    reservations = []
    for i in range(3 * size):
        r = services.reservation_create(reserved_on=first, firm=firms[i % len(firms)], phase=phase, seats=10 + i, by=None)
        if i % 3 == 2:
            services.reservation_cancel(reservation=r, by=None)
        reservations.append(r)
    d_free = list(floors["D"].seats.order_by("-code")[size + 1: size + 3])
    services.reservation_convert(reservation=reservations[1], seats=d_free, start=today, end=today + datetime.timedelta(days=365), by=None)
    # Months of history: each month a seat of firm 0's lease on the C floor changes hands within the lease.
    history_seat = floors["C"].seats.order_by("-code")[size + 1]
    for m in range(months):
        start, end = month_start(first, m), month_start(first, m + 1)
        services.seats_allocate(lease=leases[0], seats=[history_seat], start=start, end=end - datetime.timedelta(days=3), by=None)
        for firm in firms[:3]:
            services.headcount_report_submit(firm=firm, month=start, headcount=5 + m, confirmation_reason="测试数据", by=None)
    requests = [
        services.seat_request_create(firm=firms[0], seats=i + 1, wanted_from=today, reason=f"{tag}第{i}批", by=None)
        for i in range(2 * size)
    ]
    return SimpleNamespace(
        tag=tag, today=today, floors=floors, buildings=buildings, phase=phase, firm=firms[0],
        tenant=factories.tenant_user(firms[0], f"{tag}-tenant"), history_seat=history_seat,
        reservation=reservations[0], request=requests[0],
    )


def staff_pages(park):
    """Return (name, url, params, headers) of every staff page, on this park's objects."""
    on = {"on": park.today.isoformat()}
    pages = [
        ("home", reverse("home"), {}, {}),
        ("planner:overview", reverse("planner:overview"), on, {}),
        ("planner:zone_d", reverse("planner:zone_d"), on, {}),
        ("planner:search", reverse("planner:search"), {"q": f"{park.tag}企业", **on}, {}),
        ("planner:seat_history", reverse("planner:seat_history", args=[park.history_seat.pk]), {}, {}),
        ("planner:reservation_actions", reverse("planner:reservation_actions", args=[park.reservation.pk]), on, {}),
        ("planner:reservation_actions htmx", reverse("planner:reservation_actions", args=[park.reservation.pk]), on,
         {"HTTP_HX_REQUEST": "true"}),
        ("planner:firm_leases", reverse("planner:firm_leases"), {"firm": park.firm.pk}, {}),
        ("registers:seat_list", reverse("registers:seat_list"), {}, {}),
        ("registers:firm_list", reverse("registers:firm_list"), {}, {}),
        ("registers:lease_list", reverse("registers:lease_list"), {}, {}),
        ("registers:headcount_list", reverse("registers:headcount_list"), {}, {}),
        ("registers:seat_request_list", reverse("registers:seat_request_list"), {}, {}),
        ("registers:seat_request_decide", reverse("registers:seat_request_decide", args=[park.request.pk]), {}, {}),
        ("reports:dashboard", reverse("reports:dashboard"), {}, {}),
        ("reports:trends", reverse("reports:trends"), {}, {}),
        ("reports:trends firm", reverse("reports:trends"), {"firm": park.firm.pk}, {}),
        ("reports:expiry", reverse("reports:expiry"), {}, {}),
        ("reports:forecast", reverse("reports:forecast"), {}, {}),
    ]
    pages += [(f"reports:occupancy {g}", reverse("reports:occupancy"), {"group": g}, {})
              for g in ("zone", "building", "floor", "firm", "line")]
    for kind in KINDS:
        floor = park.floors[kind]
        pages += [
            (f"planner:floor {kind}", reverse("planner:floor", args=[floor.pk]), on, {}),
            (f"planner:floor {kind} highlighted", reverse("planner:floor", args=[floor.pk]),
             {"highlight": f"firm:{park.firm.pk},~{park.tag}", **on}, {}),
            (f"planner:floor_free {kind}", reverse("planner:floor_free", args=[floor.pk]),
             {"start": park.today.isoformat(), "end": (park.today + datetime.timedelta(days=90)).isoformat()}, {}),
            (f"planner:building_stack {kind}", reverse("planner:building_stack", args=[park.buildings[kind].pk]), on, {}),
        ]
    return pages


def tenant_pages(park):
    pages = [(f"portal:{name}", reverse(f"portal:{name}"), {}, {})
             for name in ("home", "headcount", "seat_request", "members", "export_seats", "export_leases")]
    pages += [(f"portal:floor {kind}", reverse("portal:floor", args=[park.floors[kind].pk]), {}, {}) for kind in KINDS]
    return pages


def page_counts(client, pages) -> dict[str, int]:
    counts = {}
    for name, url, params, headers in pages:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, params, **headers)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
        counts[name] = len(ctx)
    return counts


# Today's counts; none may grow with the park (a page with more is a regression: find the query that repeats).
CEILINGS = {
    "home": 10, "planner:overview": 8, "planner:zone_d": 6, "planner:search": 7, "planner:seat_history": 8,
    "planner:reservation_actions": 7, "planner:reservation_actions htmx": 7, "planner:firm_leases": 4,
    "registers:seat_list": 10, "registers:firm_list": 9, "registers:lease_list": 10, "registers:headcount_list": 7,
    "registers:seat_request_list": 7, "registers:seat_request_decide": 12, "reports:dashboard": 10,
    "reports:trends": 9, "reports:trends firm": 11, "reports:expiry": 6, "reports:forecast": 7,
    **{f"reports:occupancy {g}": 6 for g in ("zone", "building", "floor", "line")}, "reports:occupancy firm": 4,
    # a zone-D floor: one query more, the phase's active reservations its allocate form offers (one, however many)
    **{f"planner:floor {k}": 6 for k in ZONES}, "planner:floor D": 7,
    **{f"planner:floor {k} highlighted": 6 for k in ZONES}, "planner:floor D highlighted": 7,
    **{f"planner:floor_free {k}": 5 for k in KINDS}, **{f"planner:building_stack {k}": 8 for k in KINDS},
    "portal:home": 9, "portal:headcount": 6, "portal:seat_request": 6, "portal:members": 5,
    "portal:export_seats": 5, "portal:export_leases": 5, **{f"portal:floor {k}": 7 for k in KINDS},
}


def test_every_page_runs_the_same_queries_on_a_park_four_times_larger(client, staff):
    small = add_park("s", 1)
    client.force_login(staff)
    staff_small = page_counts(client, staff_pages(small))
    client.force_login(small.tenant)
    tenant_small = page_counts(client, tenant_pages(small))

    large = add_park("l", 4)
    assert large.floors["D"].seats.count() == 160 and large.phase.reservations.count() == 12
    client.force_login(staff)
    staff_large = page_counts(client, staff_pages(large))
    client.force_login(large.tenant)
    tenant_large = page_counts(client, tenant_pages(large))

    grew = {name: (n, staff_large[name]) for name, n in staff_small.items() if staff_large[name] != n}
    grew |= {name: (n, tenant_large[name]) for name, n in tenant_small.items() if tenant_large[name] != n}
    assert not grew, f"queries grew with the park (small, large): {grew}"
    over = {name: n for name, n in (staff_large | tenant_large).items() if n > CEILINGS[name]}
    assert not over, f"more queries than the ceiling: {over}"
    assert set(CEILINGS) == set(staff_large) | set(tenant_large)
