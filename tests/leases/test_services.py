"""parkops.leases.services: the only way allocation changes."""
import datetime
import datetime as dt

import pytest
from django.utils import timezone
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from parkops.leases import services
from parkops.leases.choices import LeaseState, ReservationStatus, SeatRequestStatus
from parkops.leases.models import HeadcountReport, Lease, LeaseSeat
from parkops.leases.selectors import holder_on
from parkops.zones.choices import SeatCondition
from parkops.zones.models import Seat
from tests.factories import FirmFactory, PhaseFactory, make_lease

D = dt.date
pytestmark = pytest.mark.django_db


def seats(floor, n, offset=0):
    return list(Seat.objects.filter(floor=floor).order_by("code")[offset : offset + n])


def test_lease_create_allocates_its_seats_for_the_whole_period(floor, firm, staff):
    lease = make_lease(firm, seats=seats(floor, 12), by=staff)
    assert lease.number.startswith("NJ2026-")
    rows = LeaseSeat.objects.filter(lease=lease)
    assert rows.count() == 12
    assert {(r.start, r.end) for r in rows} == {(D(2026, 1, 1), D(2027, 1, 1))}
    assert LeaseSeat.history.filter(history_type="+").count() == 12
    assert LeaseSeat.history.first().history_user == staff
    assert Lease.history.get(id=lease.pk).history_user == staff


def test_overlap_is_refused_naming_seats_dates_and_holder_for_staff(floor, firm, other_firm):
    make_lease(firm, seats=seats(floor, 3))
    rival = make_lease(other_firm, start=D(2026, 6, 1), end=D(2026, 9, 1))
    with pytest.raises(ValidationError) as err:
        services.seats_allocate(lease=rival, seats=seats(floor, 5, offset=1), by=None)
    message = " ".join(err.value.messages)
    assert "C-1-3F-0002" in message and "C-1-3F-0003" in message
    assert "C-1-3F-0004" not in message
    assert "2026-01-01" in message and "2027-01-01" in message
    assert "平安金服" in message
    assert LeaseSeat.objects.filter(lease=rival).count() == 0  # all or nothing


def test_conflict_message_to_a_tenant_never_names_the_other_firm(floor, firm, other_firm):
    held = make_lease(firm, seats=seats(floor, 2))
    rival = make_lease(other_firm)
    with pytest.raises(ValidationError) as err:
        services.seats_allocate(lease=rival, seats=seats(floor, 2), reveal_holders=False, by=None)
    message = " ".join(err.value.messages)
    assert "C-1-3F-0001" in message
    assert "平安金服" not in message and held.number not in message


def test_back_to_back_holdings_are_allowed(floor, firm, other_firm):
    make_lease(firm, seats=seats(floor, 4), end=D(2026, 7, 1))
    later = make_lease(other_firm, seats=seats(floor, 4), start=D(2026, 7, 1), end=D(2027, 1, 1))
    assert LeaseSeat.objects.filter(lease=later).count() == 4
    seat = seats(floor, 1)[0]
    assert holder_on(seat, D(2026, 6, 30)).lease.firm == firm
    assert holder_on(seat, D(2026, 7, 1)).lease.firm == other_firm
    assert holder_on(seat, D(2027, 1, 1)) is None


def test_allocation_outside_the_lease_period_is_refused(floor, firm):
    lease = make_lease(firm)
    with pytest.raises(ValidationError, match="超出租约"):
        services.seats_allocate(lease=lease, seats=seats(floor, 1), start=D(2025, 12, 1), end=D(2026, 3, 1), by=None)
    with pytest.raises(ValidationError, match="必须晚于"):
        services.seats_allocate(lease=lease, seats=seats(floor, 1), start=D(2026, 3, 1), end=D(2026, 3, 1), by=None)
    assert not LeaseSeat.objects.exists()


def test_out_of_service_seats_cannot_be_allocated(floor, firm):
    broken = seats(floor, 2)
    assert services.seats_set_condition(seats=broken, condition=SeatCondition.OUT_OF_SERVICE, on=datetime.date(2020, 1, 1), by=None) == 2
    with pytest.raises(ValidationError, match="C-1-3F-0001"):
        make_lease(firm, seats=broken)
    assert not Lease.objects.exists()  # lease_create with seats is all or nothing


def test_seats_release_shortens_and_removes_future_holdings(floor, firm, staff):
    lease = make_lease(firm, seats=seats(floor, 3))
    future = services.seats_allocate(lease=lease, seats=seats(floor, 1, offset=5), start=D(2026, 9, 1), by=None)
    changed = services.seats_release(lease=lease, seats=seats(floor, 1) + seats(floor, 1, offset=5), on=D(2026, 8, 1), by=staff,
                                       confirm_remove_future=True)
    assert changed == 2
    first = LeaseSeat.objects.get(lease=lease, seat__code="C-1-3F-0001")
    assert first.end == D(2026, 8, 1)
    assert not LeaseSeat.objects.filter(pk=future[0].pk).exists()
    # nothing lost: the removed holding is in history with its dates
    removed = LeaseSeat.history.get(id=future[0].pk, history_type="-")
    assert (removed.start, removed.end, removed.history_user) == (D(2026, 9, 1), D(2027, 1, 1), staff)
    assert LeaseSeat.history.filter(id=first.pk, history_type="~", end=D(2026, 8, 1)).exists()
    with pytest.raises(ValidationError, match="无需释放"):
        services.seats_release(lease=lease, seats=seats(floor, 1, offset=10), on=D(2026, 8, 1), by=None)


def test_lease_terminate_shortens_holdings_and_keeps_the_contract_end(floor, firm, other_firm):
    lease = make_lease(firm, seats=seats(floor, 5))
    services.lease_terminate(lease=lease, on=D(2026, 4, 1), reason="提前退租", by=None)
    lease.refresh_from_db()
    assert (lease.is_open, lease.terminated_on, lease.end) == (False, D(2026, 4, 1), D(2027, 1, 1))
    assert (lease.state_on(D(2026, 3, 31)), lease.state_on(D(2026, 4, 1))) == (LeaseState.EXPIRING, LeaseState.TERMINATED)
    assert set(LeaseSeat.objects.filter(lease=lease).values_list("end", flat=True)) == {D(2026, 4, 1)}
    # the seats are free from the termination date
    make_lease(other_firm, seats=seats(floor, 5), start=D(2026, 4, 1))
    with pytest.raises(ValidationError, match="已于"):
        services.lease_terminate(lease=lease, on=D(2026, 5, 1), by=None)
    with pytest.raises(ValidationError, match="不能再分配"):
        services.seats_allocate(lease=lease, seats=seats(floor, 1, offset=20), start=D(2026, 1, 1), end=D(2026, 2, 1), by=None)


def test_lease_renew_extends_holdings_or_refuses_on_conflict(floor, firm, other_firm):
    lease = make_lease(firm, seats=seats(floor, 3), end=D(2026, 7, 1))
    services.lease_renew(lease=lease, new_end=D(2026, 10, 1), by=None)
    assert set(LeaseSeat.objects.filter(lease=lease).values_list("end", flat=True)) == {D(2026, 10, 1)}
    make_lease(other_firm, seats=seats(floor, 1, offset=2), start=D(2026, 12, 1), end=D(2027, 6, 1))
    with pytest.raises(ValidationError, match="C-1-3F-0003"):
        services.lease_renew(lease=lease, new_end=D(2027, 1, 1), by=None)
    lease.refresh_from_db()
    assert lease.end == D(2026, 10, 1)
    assert set(LeaseSeat.objects.filter(lease=lease).values_list("end", flat=True)) == {D(2026, 10, 1)}
    assert Lease.history.filter(id=lease.pk, end=D(2026, 7, 1)).exists()


def test_free_policy_lease_cannot_carry_rent(firm):
    with pytest.raises(ValidationError, match="政策免租"):
        make_lease(firm, monthly_rate=300)
    lease = make_lease(firm, rent_terms="market", monthly_rate=300)
    assert lease.monthly_rate == 300


def test_lease_for_an_exited_firm_is_refused():
    firm = FirmFactory(status="exited")
    with pytest.raises(ValidationError, match="已退出"):
        make_lease(firm)


def test_reservations_may_not_pass_the_phase_capacity(firm, other_firm):
    phase = PhaseFactory(number=1, planned_capacity=1000)
    first = services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=700, by=None)
    with pytest.raises(ValidationError) as err:
        services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=other_firm, phase=phase, seats=301, by=None)
    assert "1000" in str(err.value) and "700" in str(err.value) and "超出 1" in str(err.value)
    services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=other_firm, phase=phase, seats=300, by=None)
    with pytest.raises(ValidationError):
        services.reservation_change(reservation=first, seats=701, by=None)
    services.reservation_cancel(reservation=first, by=None)
    first.refresh_from_db()
    assert first.status == ReservationStatus.CANCELLED
    services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=700, by=None)


def test_reservation_convert_leases_seats_in_the_phase(firm):
    phase = PhaseFactory(number=1, planned_capacity=1000)
    reservation = services.reservation_create(reserved_on=datetime.date(2024, 2, 1), firm=firm, phase=phase, seats=30, by=None)
    from tests.factories import BuildingFactory, make_floor

    d_floor = make_floor(20, building=BuildingFactory(zone=phase.zone, phase=phase, code="D-7"), level=6)
    lease = services.reservation_convert(
        reservation=reservation, seats=list(d_floor.seats.all()), start=D(2026, 3, 1), end=D(2029, 3, 1), by=None
    )
    reservation.refresh_from_db()
    assert (reservation.status, reservation.seats, reservation.lease) == (ReservationStatus.ACTIVE, 10, lease)
    assert LeaseSeat.objects.filter(lease=lease).count() == 20


def test_seat_request_lifecycle(firm, other_firm, staff):
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="已过"):
        services.seat_request_create(firm=firm, seats=10, wanted_from=today - dt.timedelta(days=1), reason="扩招", by=None)
    request = services.seat_request_create(firm=firm, seats=10, wanted_from=today, reason="扩招", by=None)
    with pytest.raises(ValidationError, match="理由"):
        services.seat_request_decide(request=request, approve=False, reason=" ", by=staff)
    with pytest.raises(ValidationError, match="不属于"):
        services.seat_request_decide(request=request, approve=True, lease=make_lease(other_firm), by=staff)
    lease = make_lease(firm)
    decided = services.seat_request_decide(request=request, approve=True, lease=lease, reason="已分配", by=staff)
    assert (decided.status, decided.lease, decided.decided_by) == (SeatRequestStatus.APPROVED, lease, staff)
    with pytest.raises(ValidationError, match="已处理"):
        services.seat_request_decide(request=request, approve=False, reason="重复", by=staff)


def test_headcount_report_one_per_month_and_corrections_keep_history(firm, floor):
    today = timezone.localdate()
    make_lease(firm, seats=seats(floor, 40), start=today - dt.timedelta(days=40), end=today + dt.timedelta(days=400))
    first = services.headcount_report_submit(firm=firm, month=today.replace(day=15), headcount=60, by=None)
    assert first.month == today.replace(day=1)
    again = services.headcount_report_submit(firm=firm, month=today, headcount=75, by=None)
    assert again.pk == first.pk and HeadcountReport.objects.count() == 1
    assert list(HeadcountReport.history.filter(id=first.pk).values_list("headcount", flat=True)) == [75, 60]
    next_month = (today.replace(day=28) + dt.timedelta(days=5)).replace(day=1)
    for bad, message in [({"month": next_month, "headcount": 1}, "未来"), ({"month": today, "headcount": -1}, "负数"),
                         ({"month": today, "headcount": "12"}, "整数")]:
        with pytest.raises(ValidationError, match=message):
            services.headcount_report_submit(firm=firm, **bad, by=None)
    assert HeadcountReport.objects.get().headcount == 75


def _allocate_queries(firm, n_seats, level):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_floor

    floor = make_floor(n_seats, level=level, cols=25)
    lease = make_lease(firm)
    with CaptureQueriesContext(connection) as ctx:
        services.seats_allocate(lease=lease, seats=list(floor.seats.all()), by=None)
    return len(ctx.captured_queries)


def test_seats_allocate_runs_a_fixed_number_of_queries(firm):
    # 100 seats keep SQLite's 999-parameter batches to one; PostgreSQL has no such limit (next test).
    assert _allocate_queries(firm, 5, 1) == _allocate_queries(firm, 100, 2) <= 9  # 9: the allocation version's bump
    assert LeaseSeat.history.count() == 105


def test_seats_allocate_of_500_seats_is_the_same_queries_on_postgres(postgres_only, firm):
    assert _allocate_queries(firm, 5, 1) == _allocate_queries(firm, 500, 2) <= 9


def test_database_refuses_inverted_ranges(floor, firm):
    lease = make_lease(firm)
    with pytest.raises(IntegrityError), transaction.atomic():
        LeaseSeat.objects.create(lease=lease, seat=seats(floor, 1)[0], start=D(2026, 5, 1), end=D(2026, 5, 1))


def test_postgres_exclusion_constraint_refuses_overlap_whatever_writes(postgres_only, floor, firm, other_firm):
    seat = seats(floor, 1)[0]
    make_lease(firm, seats=[seat])
    rival = make_lease(other_firm)
    with pytest.raises(IntegrityError, match="leaseseat_no_overlap"), transaction.atomic():
        # bypasses the services on purpose: the database itself must refuse it
        LeaseSeat.objects.create(lease=rival, seat=seat, start=D(2026, 12, 31), end=D(2027, 2, 1))
    # back to back is fine for the constraint too: '[)' ranges that touch do not overlap
    LeaseSeat.objects.create(lease=rival, seat=seat, start=D(2025, 12, 1), end=D(2026, 1, 1))
    assert LeaseSeat.objects.filter(seat=seat).count() == 2
