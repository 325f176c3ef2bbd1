"""The lease admin writes through the services: seats in the inline, overlaps as row errors, actions."""
import datetime

import pytest
from django.urls import reverse

from parkops.leases import admin_forms
from parkops.leases.choices import LeaseState
from parkops.leases.models import Lease, LeaseSeat
from tests import factories

JAN = datetime.date(2026, 1, 1)
NEXT_JAN = datetime.date(2027, 1, 1)
ADD_URL = reverse("admin:leases_lease_add")


def lease_post(firm, seats, *, number="", start=JAN, end=NEXT_JAN, rows=None):
    """The POST of the lease add form, one inline row per seat (or the given (seat, start, end) rows)."""
    rows = rows if rows is not None else [(seat, "", "") for seat in seats]
    data = {
        "firm": firm.pk, "number": number, "start": start.isoformat(), "end": end.isoformat(),
        "rent_terms": "free_policy", "monthly_rate": "0", "policy_basis": "", "stage": "signed", "note": "",
        "lease_seats-TOTAL_FORMS": str(len(rows)), "lease_seats-INITIAL_FORMS": "0",
        "lease_seats-MIN_NUM_FORMS": "0", "lease_seats-MAX_NUM_FORMS": "1000",
    }
    for i, (seat, row_start, row_end) in enumerate(rows):
        data.update({f"lease_seats-{i}-seat": seat.pk, f"lease_seats-{i}-start": row_start, f"lease_seats-{i}-end": row_end})
    return data


def _row_errors(response):
    formset = response.context["inline_admin_formsets"][0].formset
    return [form.errors for form in formset.forms]


def test_add_lease_with_seats_goes_through_the_services(admin_client, bureau_admin, floor, firm):
    seats = list(floor.seats.order_by("code")[:3])
    response = admin_client.post(ADD_URL, lease_post(firm, seats))
    assert response.status_code == 302, response.context and response.context["errors"]
    lease = Lease.objects.get(firm=firm)
    assert lease.number.startswith("NJ2026-")  # numbered by lease_create
    held = LeaseSeat.objects.filter(lease=lease)
    assert sorted(h.seat.code for h in held) == [s.code for s in seats]
    assert {(h.start, h.end) for h in held} == {(JAN, NEXT_JAN)}
    assert {h.history_user for h in LeaseSeat.history.all()} == {bureau_admin}


def test_overlap_in_inline_is_a_row_error_and_saves_nothing(admin_client, floor, firm, other_firm):
    taken, free = floor.seats.order_by("code")[:2]
    factories.make_lease(other_firm, seats=[taken], start=JAN, end=NEXT_JAN)
    before = (Lease.objects.count(), LeaseSeat.objects.count())

    response = admin_client.post(ADD_URL, lease_post(firm, [free, taken]))

    assert response.status_code == 200
    errors = _row_errors(response)
    assert errors[0] == {}
    assert taken.code in str(errors[1]["seat"]) and "迈睿中国" in str(errors[1]["seat"])
    assert (Lease.objects.count(), LeaseSeat.objects.count()) == before


def test_same_seat_twice_in_the_form_is_a_row_error(admin_client, floor, firm):
    seat = floor.seats.first()
    rows = [(seat, "2026-01-01", "2026-07-01"), (seat, "2026-06-01", "2026-09-01")]
    response = admin_client.post(ADD_URL, lease_post(firm, [], rows=rows))
    assert response.status_code == 200
    assert "重复" in str(_row_errors(response)[1]["seat"])
    assert not Lease.objects.exists()


def _service_refuses_after_form_check(admin_client, monkeypatch, floor, firm, other_firm):
    """Let the read-only check miss the clash (as in a race): the service or constraint must still refuse it."""
    taken, free = floor.seats.order_by("code")[:2]
    factories.make_lease(other_firm, seats=[taken], start=JAN, end=NEXT_JAN)
    before = (Lease.objects.count(), LeaseSeat.objects.count(), Lease.history.count())
    monkeypatch.setattr(admin_forms, "holding_conflicts", lambda rows, exclude_ids=(): [])

    response = admin_client.post(ADD_URL, lease_post(firm, [free, taken]))

    assert response.status_code == 200
    assert taken.code in str(response.context["adminform"].form.non_field_errors())
    assert (Lease.objects.count(), LeaseSeat.objects.count(), Lease.history.count()) == before


def test_service_refusal_rolls_back_and_shows_the_form(admin_client, monkeypatch, floor, firm, other_firm):
    _service_refuses_after_form_check(admin_client, monkeypatch, floor, firm, other_firm)


@pytest.mark.postgres
def test_service_refusal_rolls_back_on_postgresql(postgres_only, admin_client, monkeypatch, floor, firm, other_firm):
    _service_refuses_after_form_check(admin_client, monkeypatch, floor, firm, other_firm)


@pytest.mark.postgres
def test_overlap_in_inline_on_postgresql(postgres_only, admin_client, floor, firm, other_firm):
    test_overlap_in_inline_is_a_row_error_and_saves_nothing(admin_client, floor, firm, other_firm)


def _change_post(lease, rows, extra_rows=()):
    data = {
        "number": lease.number, "rent_terms": lease.rent_terms, "monthly_rate": str(lease.monthly_rate),
        "policy_basis": lease.policy_basis, "stage": lease.stage, "note": lease.note,
        "lease_seats-TOTAL_FORMS": str(len(rows) + len(extra_rows)), "lease_seats-INITIAL_FORMS": str(len(rows)),
        "lease_seats-MIN_NUM_FORMS": "0", "lease_seats-MAX_NUM_FORMS": "1000",
    }
    for i, (holding, start, end, delete) in enumerate(rows):
        data.update({f"lease_seats-{i}-id": holding.pk, f"lease_seats-{i}-lease": lease.pk,
                     f"lease_seats-{i}-start": start, f"lease_seats-{i}-end": end})
        if delete:
            data[f"lease_seats-{i}-DELETE"] = "on"
    for j, seat in enumerate(extra_rows, start=len(rows)):
        data.update({f"lease_seats-{j}-seat": seat.pk, f"lease_seats-{j}-start": "", f"lease_seats-{j}-end": ""})
    return data


def test_change_form_moves_removes_and_adds_holdings(admin_client, floor, firm):
    a, b, c = floor.seats.order_by("code")[:3]
    lease = factories.make_lease(firm, seats=[a, b], start=JAN, end=NEXT_JAN)
    ha, hb = LeaseSeat.objects.filter(lease=lease).order_by("seat__code")
    url = reverse("admin:leases_lease_change", args=[lease.pk])
    rows = [(ha, "2026-03-01", "2027-01-01", False), (hb, "2026-01-01", "2027-01-01", True)]

    response = admin_client.post(url, _change_post(lease, rows, extra_rows=[c]))

    assert response.status_code == 302, response.context and response.context["errors"]
    held = {h.seat.code: (h.start, h.end) for h in LeaseSeat.objects.filter(lease=lease)}
    assert held == {a.code: (datetime.date(2026, 3, 1), NEXT_JAN), c.code: (JAN, NEXT_JAN)}
    assert LeaseSeat.history.filter(id=hb.pk, history_type="-").exists()


def test_lease_change_page_queries_do_not_grow_with_seats(admin_client, firm, django_assert_max_num_queries):
    small_floor = factories.make_floor(3, cols=3)
    big_floor = factories.make_floor(30, cols=10)
    small = factories.make_lease(firm, seats=list(small_floor.seats.all()))
    big = factories.make_lease(firm, seats=list(big_floor.seats.all()))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for lease in (small, big, small):
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(reverse("admin:leases_lease_change", args=[lease.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[1] == counts[2], counts


def test_a_lease_is_never_deleted(admin_client, floor, firm):
    lease = factories.make_lease(firm, seats=[floor.seats.first()])
    assert admin_client.get(reverse("admin:leases_lease_delete", args=[lease.pk])).status_code == 403
    changelist = admin_client.get(reverse("admin:leases_lease_changelist"))
    assert "delete_selected" not in changelist.context["action_form"].fields["action"].choices.__repr__()


def _action(client, url, action, objs, **fields):
    data = {"action": action, "_selected_action": [o.pk for o in objs], **fields}
    return client.post(url, data)


def test_terminate_action_asks_for_a_date_then_terminates(admin_client, floor, firm):
    lease = factories.make_lease(firm, seats=list(floor.seats.all()[:2]), start=JAN, end=NEXT_JAN)
    url = reverse("admin:leases_lease_changelist")
    page = _action(admin_client, url, "terminate_leases", [lease])
    assert page.status_code == 200 and "终止日期" in page.content.decode()
    done = _action(admin_client, url, "terminate_leases", [lease], apply="1", on="2026-06-01", reason="迁出")
    assert done.status_code == 302
    lease.refresh_from_db()
    assert lease.terminated_on == datetime.date(2026, 6, 1) and lease.state_on(datetime.date(2026, 6, 1)) == LeaseState.TERMINATED
    assert set(LeaseSeat.objects.filter(lease=lease).values_list("end", flat=True)) == {datetime.date(2026, 6, 1)}


def test_renew_action_extends_lease_and_seats(admin_client, floor, firm):
    lease = factories.make_lease(firm, seats=list(floor.seats.all()[:2]), start=JAN, end=NEXT_JAN)
    url = reverse("admin:leases_lease_changelist")
    done = _action(admin_client, url, "renew_leases", [lease], apply="1", new_end="2028-01-01")
    assert done.status_code == 302
    lease.refresh_from_db()
    assert lease.end == datetime.date(2028, 1, 1)
    assert set(LeaseSeat.objects.filter(lease=lease).values_list("end", flat=True)) == {datetime.date(2028, 1, 1)}


def test_renew_refused_by_service_is_reported_not_raised(admin_client, floor, firm, other_firm):
    seat = floor.seats.first()
    lease = factories.make_lease(firm, seats=[seat], start=JAN, end=NEXT_JAN)
    factories.make_lease(other_firm, seats=[seat], start=NEXT_JAN, end=datetime.date(2028, 1, 1))
    url = reverse("admin:leases_lease_changelist")
    done = _action(admin_client, url, "renew_leases", [lease], apply="1", new_end="2027-06-01")
    assert done.status_code == 302
    lease.refresh_from_db()
    assert lease.end == NEXT_JAN
    messages = [str(m) for m in done.wsgi_request._messages]
    assert any(seat.code in m for m in messages)


def test_big_lease_shows_its_seats_a_page_at_a_time(admin_client, firm):
    big_floor = factories.make_floor(60, cols=10)
    seats = list(big_floor.seats.order_by("code"))
    lease = factories.make_lease(firm, seats=seats, start=JAN, end=NEXT_JAN)
    url = reverse("admin:leases_lease_change", args=[lease.pk])
    first = admin_client.get(url)
    assert first.context["inline_admin_formsets"][0].formset.initial_form_count() == 50
    assert "seats_page=2" in first.content.decode()
    second = admin_client.get(url, {"seats_page": 2})
    formset = second.context["inline_admin_formsets"][0].formset
    assert [f.instance.seat.code for f in formset.initial_forms] == [s.code for s in seats[50:]]

    # A new row on page 2 clashing with a holding of this lease shown on page 1 is still caught.
    holdings = [f.instance for f in formset.initial_forms]
    rows = [(h, h.start.isoformat(), h.end.isoformat(), False) for h in holdings]
    response = admin_client.post(url + "?seats_page=2", _change_post(lease, rows, extra_rows=[seats[0]]))
    assert response.status_code == 200
    assert seats[0].code in str(response.context["inline_admin_formsets"][0].formset.forms[-1].errors["seat"])
    assert LeaseSeat.objects.filter(lease=lease).count() == 60
