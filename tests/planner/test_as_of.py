"""Issue 12, items 3, 4, 6 and 8: every screen is that date's park, the floor shows what is coming, a held seat is
not put out of service by accident, and a zone-D conversion keeps the books right.

Each rule is checked on a past day, today, a later day and on the day a change takes effect (half-open ranges):
the day before it the old state, on it the new one.
"""
import datetime
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from parkops.leases import selectors, services
from parkops.leases.models import CapacityReservation, LeaseSeat
from parkops.zones.choices import SeatCondition
from parkops.zones.models import Seat, SeatOutage
from tests import factories

DAY = datetime.timedelta(days=1)
D = datetime.date(2026, 3, 1)  # the day a change takes effect in the dated tests
HTMX = {"HTTP_HX_REQUEST": "true"}
OOS, IN = SeatCondition.OUT_OF_SERVICE, SeatCondition.IN_SERVICE


def seat(floor, n) -> Seat:
    return Seat.objects.get(code=f"{floor.building.code}-{floor.level}F-{n:04d}")


def seat_state(html, code):
    match = re.search(rf'data-seat-code="{re.escape(code)}" data-state="(\w+)"', html)
    return match and match.group(1)


def floor_html(client, floor, day):
    response = client.get(reverse("planner:floor", args=[floor.pk]), {"on": day.isoformat()})
    assert response.status_code == 200
    return response.content.decode()


def states(floor, day):
    return {s.code: s for s in selectors.seat_states(floor, day)}


# --- item 4: seats exist over [available_from, retired_on) ------------------------------------------


def test_a_seat_is_absent_before_its_available_from_and_after_its_retirement(staff_client, floor, firm, staff):
    new = seat(floor, 40)
    services.seat_set_existence(seat=new, available_from=D, retired_on=datetime.date(2026, 9, 1), by=staff)
    today = timezone.localdate()
    for day, present in ((D - DAY, False), (D, True), (datetime.date(2026, 8, 31), True), (datetime.date(2026, 9, 1), False), (today, False)):
        assert (new.code in states(floor, day)) is present, day
        assert selectors.occupancy_by("floor", day)[floor.pk].seats == (40 if present else 39), day
        assert (f'data-seat-code="{new.code}"' in floor_html(staff_client, floor, day)) is present, day
        (level,) = selectors.building_stack(floor.building, day)
        assert level.occupancy.seats == (40 if present else 39)
        tenant_map = selectors.tenant_floor_map(floor, day, firm)
        assert len(tenant_map) == (40 if present else 39)
        # Search finds the seat only on the days it exists (one hit jumps to its floor).
        response = staff_client.get(reverse("planner:search"), {"q": new.code, "on": day.isoformat()})
        assert (response.status_code == 302) is present, day
    overview = staff_client.get(reverse("planner:overview"), {"on": (D - DAY).isoformat()})
    (zone,) = [z for z in overview.context["zones"] if z["occ"].obj.code == "C"]
    assert zone["occ"].seats == 39


def test_a_holding_outside_a_seats_existence_is_refused_naming_the_seat(floor, firm, staff):
    new = seat(floor, 40)
    services.seat_set_existence(seat=new, available_from=D, retired_on=None, by=staff)
    with pytest.raises(ValidationError) as refused:
        factories.make_lease(firm, seats=[new], start=D - DAY, end=D + 30 * DAY)
    assert new.code in refused.value.messages[0] and "2026-03-01" in refused.value.messages[0]
    assert not LeaseSeat.objects.exists()
    lease = factories.make_lease(firm, seats=[new], start=D, end=D + 30 * DAY)
    assert lease.lease_seats.count() == 1
    with pytest.raises(ValidationError, match="不在新的存在期内"):
        services.seat_set_existence(seat=new, available_from=D + DAY, retired_on=None, by=staff)
    with pytest.raises(ValidationError, match="不在新的存在期内"):
        services.seat_set_existence(seat=new, available_from=D, retired_on=D + 10 * DAY, by=staff)


# --- item 4: condition changes carry a date -------------------------------------------------------


def test_an_outage_from_a_day_shows_in_service_the_day_before(staff_client, floor, staff):
    broken = seat(floor, 5)
    assert services.seats_set_condition(seats=[broken], condition=OOS, on=D, by=staff, note="漏水") == 1
    later = datetime.date(2026, 6, 1)
    assert services.seats_set_condition(seats=[broken], condition=IN, on=later, by=staff) == 1
    for day, expected in ((D - DAY, "free"), (D, "out_of_service"), (later - DAY, "out_of_service"), (later, "free")):
        assert states(floor, day)[broken.code].state == expected, day
        assert seat_state(floor_html(staff_client, floor, day), broken.code) == expected, day
        assert selectors.occupancy_by("floor", day)[floor.pk].out_of_service == (expected == "out_of_service")
    outage = SeatOutage.objects.get(seat=broken)
    assert (outage.start, outage.end, outage.reason) == (D, later, "漏水")
    assert [h.history_user for h in outage.history.all()] == [staff, staff]
    # Out of service again from today: open-ended, and the seat list, admin and the free-seat search agree.
    today = timezone.localdate()
    services.seats_set_condition(seats=[broken], condition=OOS, on=today, by=staff)
    assert states(floor, today + 400 * DAY)[broken.code].state == "out_of_service"
    assert broken not in selectors.free_seats(Q(floor=floor), today, today + DAY, limit=100)
    assert broken in selectors.free_seats(Q(floor=floor), later, today, limit=100)


def test_an_outage_during_a_period_refuses_an_allocation_over_it(floor, firm, staff):
    broken = seat(floor, 7)
    services.seats_set_condition(seats=[broken], condition=OOS, on=D, by=staff)
    services.seats_set_condition(seats=[broken], condition=IN, on=D + 10 * DAY, by=staff)
    with pytest.raises(ValidationError, match=broken.code):
        factories.make_lease(firm, seats=[broken], start=D - 5 * DAY, end=D + DAY)
    assert factories.make_lease(firm, seats=[broken], start=D + 10 * DAY, end=D + 40 * DAY).lease_seats.count() == 1
    assert factories.make_lease(firm, seats=[broken], start=D - 5 * DAY, end=D).lease_seats.count() == 1


# --- item 6: a held seat is not put out of service by accident ------------------------------------


def test_out_of_service_while_held_is_refused_naming_the_lease(floor, firm, staff):
    held, booked = seat(floor, 1), seat(floor, 2)
    now = factories.make_lease(firm, seats=[held], start=D - 30 * DAY, end=D + 30 * DAY)
    later = factories.make_lease(firm, seats=[booked], start=D + 10 * DAY, end=D + 60 * DAY)
    for target, lease in ((held, now), (booked, later)):
        with pytest.raises(ValidationError) as refused:
            services.seats_set_condition(seats=[target], condition=OOS, on=D, by=staff)
        text = refused.value.messages[0]
        assert lease.number in text and firm.short_name in text and target.code in text
    assert not SeatOutage.objects.exists()
    # Out of service from the day the holding ends is fine (half-open): it no longer holds the seat then.
    services.seats_set_condition(seats=[held], condition=OOS, on=D + 30 * DAY, by=staff)
    assert SeatOutage.objects.get(seat=held).start == D + 30 * DAY


def test_ending_the_holding_too_releases_from_the_effective_day_with_history(floor, firm, staff):
    held, booked = seat(floor, 1), seat(floor, 2)
    now = factories.make_lease(firm, seats=[held], start=D - 30 * DAY, end=D + 30 * DAY)
    later = factories.make_lease(firm, seats=[booked], start=D + 10 * DAY, end=D + 60 * DAY)
    assert services.seats_set_condition(seats=[held, booked], condition=OOS, on=D, by=staff, end_holdings=True) == 2
    assert list(now.lease_seats.values_list("start", "end")) == [(D - 30 * DAY, D)]
    assert not later.lease_seats.exists()
    changes = LeaseSeat.history.filter(history_change_reason="release").order_by("seat_id")
    assert [(c.history_type, c.history_user) for c in changes] == [("~", staff), ("-", staff)]
    assert states(floor, D - DAY)[held.code].state == "expiring"  # now ends on D
    assert states(floor, D)[held.code].state == "out_of_service"


def test_floor_action_refuses_a_held_seat_unless_end_holdings_is_ticked(staff_client, floor, firm):
    held = seat(floor, 3)
    lease = factories.make_lease(firm, seats=[held], start=D, end=D + 90 * DAY)
    url = reverse("planner:floor_action", args=[floor.pk])
    data = {"action": "out_of_service", "seats": held.code, "effective_on": (D + 30 * DAY).isoformat(), "on": D.isoformat()}
    response = staff_client.post(url, data, **HTMX)
    assert response.status_code == 422
    assert lease.number in response.context["errors"][0] and firm.short_name in response.context["errors"][0]
    assert not SeatOutage.objects.exists()
    assert 'name="end_holdings"' in floor_html(staff_client, floor, D)
    response = staff_client.post(url, dict(data, end_holdings="on"), **HTMX)
    assert response.status_code == 200
    assert list(lease.lease_seats.values_list("end", flat=True)) == [D + 30 * DAY]
    assert SeatOutage.objects.get(seat=held).start == D + 30 * DAY


# --- item 3: the floor shows what is coming -------------------------------------------------------


def test_a_seat_held_from_a_later_day_is_drawn_booked_until_then(staff_client, floor, firm):
    today = timezone.localdate()
    start = today + 10 * DAY
    target = seat(floor, 12)
    lease = factories.make_lease(firm, seats=[target], start=start, end=start + 200 * DAY)  # longer than the expiry window
    for day, expected in ((D, "booked"), (today, "booked"), (start - DAY, "booked"), (start, "leased"), (start + 200 * DAY, "free")):
        state = states(floor, day)[target.code]
        assert state.state == expected, day
        html = floor_html(staff_client, floor, day)
        assert seat_state(html, target.code) == expected, day
        if expected == "booked":
            assert (state.firm_name, state.start, state.lease_number) == (firm.short_name, start, lease.number)
            leases = json.loads(re.search(r'<script id="pl-leases" type="application/json">(.*?)</script>', html).group(1))
            assert leases[str(lease.pk)] == [firm.short_name, lease.number, start.isoformat(), (start + 200 * DAY).isoformat()]
            response = staff_client.get(reverse("planner:floor", args=[floor.pk]), {"on": day.isoformat()})
            assert response.context["counts"]["booked"] == 1 and response.context["counts"]["free"] == 39
            assert response.context["legend"] == []  # booked seats are not the day's holders
            assert 'data-state="booked"' in html.split('id="pl-grid"')[0]  # in the legend line
            occ = selectors.occupancy_by("floor", day)[floor.pk]
            assert (occ.leased, occ.free, occ.booked, occ.open) == (0, 40, 1, 39)
    stack = staff_client.get(reverse("planner:building_stack", args=[floor.building.pk]), {"on": today.isoformat()})
    assert "pl-booked" in stack.content.decode()


def test_floor_free_lists_the_seats_free_for_the_whole_period(staff_client, floor, firm, staff):
    url = reverse("planner:floor_free", args=[floor.pk])
    factories.make_lease(firm, seats=[seat(floor, 1)], start=D + 20 * DAY, end=D + 40 * DAY)  # held in part of it
    services.seats_set_condition(seats=[seat(floor, 2)], condition=OOS, on=D + 5 * DAY, by=staff)  # broken in part
    services.seat_set_existence(seat=seat(floor, 3), available_from=D + DAY, retired_on=None, by=staff)  # laid out later
    factories.make_lease(firm, seats=[seat(floor, 4)], start=D - 30 * DAY, end=D)  # ends the day the period starts
    response = staff_client.get(url, {"start": D.isoformat(), "end": (D + 30 * DAY).isoformat()})
    codes = response.json()["codes"]
    assert len(codes) == 37 and not {seat(floor, n).code for n in (1, 2, 3)} & set(codes)
    assert seat(floor, 4).code in codes
    # Just before the holding and the outage start (half-open), those seats are free for the whole period.
    response = staff_client.get(url, {"start": (D + DAY).isoformat(), "end": (D + 5 * DAY).isoformat()})
    assert len(response.json()["codes"]) == 40
    bad = staff_client.get(url, {"start": "2026-03-10", "end": "2026-03-01"})
    assert bad.status_code == 400 and "必须晚于开始日期" in bad.json()["errors"][0]
    # The codes it lists can be allocated over the period without a conflict.
    picked = [s for s in floor.seats.all() if s.code in codes]
    factories.make_lease(firm, seats=picked, start=D, end=D + 30 * DAY)
    html = floor_html(staff_client, floor, D)
    assert 'data-free-url="' + url + '"' in html


# --- item 4: reservations as they stood on a day --------------------------------------------------


def test_a_reservation_shows_from_the_day_it_was_made_and_until_it_was_cancelled(staff_client, phase, firm, other_firm):
    today = timezone.localdate()
    kept = services.reservation_create(firm=firm, phase=phase, seats=20, reserved_on=D, by=None)
    dropped = services.reservation_create(firm=other_firm, phase=phase, seats=30, reserved_on=D, by=None)
    services.reservation_cancel(reservation=dropped, by=None)
    for day, reserved in ((D - DAY, 0), (D, 50), (today - DAY, 50), (today, 20), (today + 30 * DAY, 20)):
        (cap,) = selectors.phase_capacity(day)
        assert cap.reserved == reserved, day
        board = staff_client.get(reverse("planner:zone_d"), {"on": day.isoformat()})
        (row,) = board.context["phases"]
        assert row["cap"].reserved == reserved, day
        shown = board.content.decode().count("pl-res-active")
        assert shown == {0: 0, 50: 2, 20: 1}[reserved], day
    assert CapacityReservation.objects.get(pk=kept.pk).closed_on is None
    assert CapacityReservation.objects.get(pk=dropped.pk).closed_on == today
    with pytest.raises(ValidationError, match="晚于今天"):
        services.reservation_create(firm=firm, phase=phase, seats=1, reserved_on=today + DAY, by=None)


# --- item 8: a conversion moves seats from reserved to leased or booked ----------------------------


@pytest.mark.parametrize("starts_in_days", [0, 30])
def test_converting_reserved_seats_keeps_committed(phase, firm, starts_in_days, staff):
    today = timezone.localdate()
    reservation = services.reservation_create(firm=firm, phase=phase, seats=40, reserved_on=D, by=None)
    (before,) = selectors.phase_capacity(today)
    start = today + starts_in_days * DAY
    seats = list(phase.floor.seats.order_by("code")[:10])
    services.reservation_convert(reservation=reservation, seats=seats, start=start, end=start + 365 * DAY, by=staff)
    for counted in (selectors.phase_capacity(today), selectors.phase_capacity(today, reservations=list(CapacityReservation.objects.all()))):
        (after,) = counted
        assert after.committed == before.committed == 40
        assert after.reserved == before.reserved - 10
        assert after.leased + after.booked == before.leased + before.booked + 10
        assert (after.leased, after.booked) == ((10, 0) if starts_in_days == 0 else (0, 10))
    # A second reservation converted in full closes on the day; committed still counts its seats, through the lease.
    extra = services.reservation_create(firm=firm, phase=phase, seats=10, reserved_on=D, by=None)
    more = list(phase.floor.seats.order_by("code")[10:30])
    with pytest.raises(ValidationError, match="多于预留"):
        services.reservation_convert(reservation=extra, seats=more, start=start, end=start + 365 * DAY, by=staff)
    services.reservation_convert(reservation=extra, seats=more[:10], start=start, end=start + 365 * DAY, by=staff)
    extra.refresh_from_db()
    assert extra.status == "converted" and extra.closed_on == today
    for day in (today, start, start + 364 * DAY):
        (cap,) = selectors.phase_capacity(day)
        assert cap.committed == 50 and cap.reserved == 30 and cap.leased + cap.booked == 20, day
    # On a day before the conversion the converted seats count once too: as booked seats of the leases.
    (earlier,) = selectors.phase_capacity(D)
    assert (earlier.reserved, earlier.booked, earlier.committed) == (30, 20, 50)
    (after_end,) = selectors.phase_capacity(start + 365 * DAY)
    assert after_end.committed == 30  # the leases have ended


def test_demo_park_conversion_keeps_phase_one_committed(db):
    """The issue's case on the real park: converting 50 of a phase-1 reservation's seats, the lease starting later."""
    from parkops.seed import park_loader
    from parkops.zones.models import Floor

    park_loader.ParkLoader(park_loader.load_file()).run()
    today = timezone.localdate()
    reservation = CapacityReservation.objects.filter(phase__number=1, status="active").order_by("-seats").first()
    phase = reservation.phase

    def phase_one():
        return next(c for c in selectors.phase_capacity(today) if c.phase.pk == phase.pk)

    if not any(selectors.occupancy_by("floor", today, seat_filter=Q(floor__building__phase=phase)).get(f.pk, selectors.Occupancy(key=0)).open
               for f in Floor.objects.filter(building__phase=phase)):
        # The demo's phase-1 floors may be full: lay out one more floor there, as a handover would.
        building = phase.buildings.order_by("code").first()
        factories.make_floor(120, building=building, level=building.floors.count() + 20, cols=20, available_from=today)
    for start in (today, today + 30 * DAY):
        before = phase_one()
        end = start + 365 * DAY
        floors = Floor.objects.filter(building__phase=phase).order_by("building__code", "level")
        seats = max((selectors.free_seats(Q(floor=f), start, end, limit=50) for f in floors), key=len)
        n = min(len(seats), reservation.seats - 1)
        assert n == 50
        services.reservation_convert(reservation=reservation, seats=seats[:n], start=start, end=end, by=None)
        reservation.refresh_from_db()
        after = phase_one()
        assert after.committed == before.committed
        assert after.reserved == before.reserved - n
        assert after.leased + after.booked == before.leased + before.booked + n
