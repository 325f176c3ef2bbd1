"""Seat requests, reservations, single holdings and seats in the admin: every decision through the services."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from parkops.leases import services
from parkops.leases.choices import ReservationStatus, SeatRequestStatus
from parkops.leases.models import CapacityReservation, LeaseSeat, SeatRequest
from parkops.zones.choices import SeatCondition
from parkops.zones.models import SeatOutage
from tests.factories import make_lease
from tests import factories

REQUESTS = reverse("admin:leases_seatrequest_changelist")


def _action(client, url, action, objs, **fields):
    return client.post(url, {"action": action, "_selected_action": [o.pk for o in objs], **fields})


@pytest.fixture
def open_request(firm):
    return services.seat_request_create(firm=firm, seats=3, wanted_from=timezone.localdate(), reason="扩招", by=None)


def test_reject_needs_a_reason(admin_client, bureau_admin, open_request):
    page = _action(admin_client, REQUESTS, "reject_requests", [open_request], apply="1", reason="")
    assert page.status_code == 200 and page.context["form"].errors["reason"]
    open_request.refresh_from_db()
    assert open_request.status == SeatRequestStatus.OPEN

    done = _action(admin_client, REQUESTS, "reject_requests", [open_request], apply="1", reason="暂无空位")
    assert done.status_code == 302
    open_request.refresh_from_db()
    assert (open_request.status, open_request.decision_reason, open_request.decided_by) == (
        SeatRequestStatus.REJECTED, "暂无空位", bureau_admin,
    )


def test_approve_asks_for_the_firms_lease(admin_client, floor, firm, other_firm, open_request):
    own = factories.make_lease(firm, seats=[floor.seats.first()])
    other = factories.make_lease(other_firm)
    page = _action(admin_client, REQUESTS, "approve_requests", [open_request])
    choices = page.context["form"].fields[f"lease_{open_request.pk}"].queryset
    assert list(choices) == [own]  # only the requesting firm's leases are offered

    refused = _action(admin_client, REQUESTS, "approve_requests", [open_request], apply="1", **{f"lease_{open_request.pk}": other.pk})
    assert refused.status_code == 200
    done = _action(admin_client, REQUESTS, "approve_requests", [open_request], apply="1", **{f"lease_{open_request.pk}": own.pk})
    assert done.status_code == 302
    open_request.refresh_from_db()
    assert (open_request.status, open_request.lease) == (SeatRequestStatus.APPROVED, own)


def test_decided_request_is_read_only(admin_client, open_request):
    services.seat_request_decide(request=open_request, approve=False, reason="否", by=None)
    page = admin_client.get(reverse("admin:leases_seatrequest_change", args=[open_request.pk]))
    assert "status" in page.context["adminform"].readonly_fields


def _phase_post(phase, rows):
    data = {
        "zone": phase.zone_id, "number": phase.number, "name": phase.name, "planned_capacity": phase.planned_capacity,
        "land_mu": "0", "investment_cny": "0", "status": phase.status, "expected_handover": "", "actual_handover": "",
        "note": "", "reservations-TOTAL_FORMS": str(len(rows)), "reservations-INITIAL_FORMS": "0",
        "reservations-MIN_NUM_FORMS": "0", "reservations-MAX_NUM_FORMS": "1000",
    }
    for i, (firm, seats) in enumerate(rows):
        data.update({f"reservations-{i}-firm": firm.pk, f"reservations-{i}-seats": seats,
                     f"reservations-{i}-wanted_from": "", f"reservations-{i}-note": ""})
    return data


def test_reservations_in_phase_respect_capacity(admin_client, bureau_admin, firm, other_firm):
    phase = factories.PhaseFactory(planned_capacity=100)
    services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=other_firm, phase=phase, seats=60, by=None)
    url = reverse("admin:zones_phase_change", args=[phase.pk])

    too_many = admin_client.post(url, _phase_post(phase, [(firm, 50)]))
    assert too_many.status_code == 200
    assert "超出" in str(too_many.context["inline_admin_formsets"][0].formset.non_form_errors())
    assert CapacityReservation.objects.count() == 1

    fits = admin_client.post(url, _phase_post(phase, [(firm, 40)]))
    assert fits.status_code == 302
    made = CapacityReservation.objects.get(firm=firm)
    assert made.seats == 40 and made.history.get().history_user == bureau_admin


def test_cancel_reservation_action(admin_client, firm):
    reservation = services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=factories.PhaseFactory(), seats=5, by=None)
    url = reverse("admin:leases_capacityreservation_changelist")
    _action(admin_client, url, "cancel_reservations", [reservation])
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.CANCELLED


def test_single_holding_added_and_moved_through_services(admin_client, floor, firm, other_firm):
    a, b = floor.seats.order_by("code")[:2]
    lease = factories.make_lease(firm, start=datetime.date(2026, 1, 1), end=datetime.date(2027, 1, 1))
    factories.make_lease(other_firm, seats=[b], start=datetime.date(2026, 1, 1), end=datetime.date(2027, 1, 1))
    add = reverse("admin:leases_leaseseat_add")

    clash = admin_client.post(add, {"lease": lease.pk, "seat": b.pk, "start": "2026-02-01", "end": "2026-03-01"})
    assert clash.status_code == 200 and b.code in str(clash.context["adminform"].form.non_field_errors())
    assert not LeaseSeat.objects.filter(lease=lease).exists()

    ok = admin_client.post(add, {"lease": lease.pk, "seat": a.pk, "start": "2026-02-01", "end": "2026-03-01"})
    assert ok.status_code == 302
    holding = LeaseSeat.objects.get(lease=lease)
    change = reverse("admin:leases_leaseseat_change", args=[holding.pk])
    outside = admin_client.post(change, {"start": "2026-02-01", "end": "2027-03-01"})
    assert outside.status_code == 200 and outside.context["adminform"].form.errors["end"]
    assert admin_client.post(change, {"start": "2026-02-01", "end": "2026-05-01"}).status_code == 302
    holding.refresh_from_db()
    assert holding.end == datetime.date(2026, 5, 1)


def test_seat_condition_changes_through_the_service(admin_client, floor):
    seat = floor.seats.first()
    url = reverse("admin:zones_seat_changelist")
    _action(admin_client, url, "mark_out_of_service", [seat])
    outage = SeatOutage.objects.get(seat=seat)
    assert (outage.start, outage.end) == (timezone.localdate(), None)
    record = outage.history.first()
    assert record.history_change_reason == SeatCondition.OUT_OF_SERVICE and record.history_user is not None
    _action(admin_client, url, "mark_in_service", [seat])
    assert not SeatOutage.objects.on(timezone.localdate()).exists()


def test_marking_a_held_seat_out_of_service_in_admin_is_refused(admin_client, floor, firm):
    seat = floor.seats.first()
    lease = make_lease(firm, seats=[seat], start=timezone.localdate(), end=timezone.localdate() + datetime.timedelta(days=30))
    response = admin_client.post(
        reverse("admin:zones_seat_changelist"), {"action": "mark_out_of_service", "_selected_action": [seat.pk]}, follow=True
    )
    assert lease.number in response.content.decode()
    assert not SeatOutage.objects.exists()


def test_moving_a_seats_existence_past_a_holding_is_refused(admin_client, floor, firm):
    seat = floor.seats.first()
    make_lease(firm, seats=[seat], start=datetime.date(2026, 1, 1), end=datetime.date(2027, 1, 1))
    url = reverse("admin:zones_seat_change", args=[seat.pk])
    data = {"floor": floor.pk, "code": seat.code, "row": seat.row, "col": seat.col, "kind": seat.kind,
            "has_desk": "on", "has_computer": "on", "available_from": "2026-06-01", "retired_on": "", "note": "",
            "outages-TOTAL_FORMS": "0", "outages-INITIAL_FORMS": "0", "outages-MIN_NUM_FORMS": "0", "outages-MAX_NUM_FORMS": "1000"}
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "不在新的存在期内" in response.content.decode()
    seat.refresh_from_db()
    assert seat.available_from == datetime.date(2020, 1, 1)
    assert admin_client.post(url, dict(data, available_from="2025-06-01")).status_code == 302
    seat.refresh_from_db()
    assert seat.available_from == datetime.date(2025, 6, 1)


def test_saving_a_request_page_changes_nothing(admin_client, open_request):
    url = reverse("admin:leases_seatrequest_change", args=[open_request.pk])
    assert admin_client.post(url, {}).status_code == 302
    assert SeatRequest.objects.count() == 1
    open_request.refresh_from_db()
    assert open_request.status == SeatRequestStatus.OPEN
