"""On SQLite the database itself refuses a double booking, as PostgreSQL's exclusion constraint does
(leases/migrations/0003): raw SQL that inserts or moves a holding onto an overlapping one fails; the
services still check first and speak in their own words (issue 13, finding 7)."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from parkops.leases import services
from parkops.leases.models import LeaseSeat
from tests.factories import make_lease

D = dt.date


@pytest.fixture
def sqlite_only(db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's triggers; PostgreSQL has its exclusion constraint (tests/leases/test_services.py)")


def insert(lease, seat, start, end):
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO leases_leaseseat (lease_id, seat_id, start, "end") VALUES (%s, %s, %s, %s)',
            [lease.pk, seat.pk, start.isoformat(), end.isoformat()],
        )


@pytest.fixture
def holding(sqlite_only, floor, firm, other_firm):
    seat = floor.seats.order_by("code").first()
    make_lease(firm, seats=[seat], start=D(2026, 1, 1), end=D(2027, 1, 1))
    return seat, make_lease(other_firm, start=D(2025, 1, 1), end=D(2028, 1, 1))


def test_raw_insert_of_an_overlapping_holding_is_refused(holding):
    seat, rival = holding
    for start, end in [(D(2026, 12, 31), D(2027, 2, 1)), (D(2025, 6, 1), D(2026, 1, 2)), (D(2026, 3, 1), D(2026, 4, 1)), (D(2025, 1, 1), D(2028, 1, 1))]:
        with pytest.raises(IntegrityError, match="leaseseat_no_overlap"), transaction.atomic():
            insert(rival, seat, start, end)
    assert LeaseSeat.objects.filter(seat=seat).count() == 1


def test_ranges_that_only_touch_are_allowed(holding):
    seat, rival = holding
    insert(rival, seat, D(2025, 12, 1), D(2026, 1, 1))
    insert(rival, seat, D(2027, 1, 1), D(2027, 6, 1))
    assert LeaseSeat.objects.filter(seat=seat).count() == 3


def test_raw_update_onto_an_overlapping_holding_is_refused(holding, floor):
    seat, rival = holding
    other_seat = floor.seats.order_by("code")[1]
    insert(rival, other_seat, D(2026, 1, 1), D(2027, 1, 1))
    moved = LeaseSeat.objects.get(lease=rival)
    with connection.cursor() as cursor:
        with pytest.raises(IntegrityError, match="leaseseat_no_overlap"), transaction.atomic():
            cursor.execute("UPDATE leases_leaseseat SET seat_id = %s WHERE id = %s", [seat.pk, moved.pk])
        held = LeaseSeat.objects.get(seat=seat)
        with pytest.raises(IntegrityError, match="leaseseat_no_overlap"), transaction.atomic():
            cursor.execute('UPDATE leases_leaseseat SET "end" = %s WHERE id = %s', ["2027-06-01", moved.pk])
            cursor.execute("UPDATE leases_leaseseat SET seat_id = %s WHERE id = %s", [seat.pk, moved.pk])
        # A holding may change its own dates: it does not clash with itself.
        cursor.execute('UPDATE leases_leaseseat SET "end" = %s WHERE id = %s', ["2026-09-01", held.pk])
    assert LeaseSeat.objects.get(pk=held.pk).end == D(2026, 9, 1)
    assert LeaseSeat.objects.get(pk=moved.pk).seat_id == other_seat.pk


def test_the_services_check_first_and_name_the_seat(holding, staff):
    seat, rival = holding
    with pytest.raises(ValidationError) as refused:
        services.seats_allocate(lease=rival, seats=[seat], start=D(2026, 6, 1), end=D(2026, 7, 1), by=staff)
    assert seat.code in " ".join(refused.value.messages)
    assert "leaseseat_no_overlap" not in " ".join(refused.value.messages)


def test_a_write_past_the_service_check_gets_the_clean_seat_taken_message(holding, staff, monkeypatch):
    """If the services' read missed the clash (a race the lock should prevent), the trigger's refusal is
    reported as the services report PostgreSQL's: "seat taken", nothing written."""
    seat, rival = holding
    real_filter = LeaseSeat.objects.filter

    class Blind:
        def overlapping(self, *args):
            return LeaseSeat.objects.none()

    def blind_filter(*args, **kwargs):
        if "seat_id__in_ids" in kwargs:
            return Blind()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(LeaseSeat.objects, "filter", blind_filter)
    with pytest.raises(ValidationError) as refused:
        services.seats_allocate(lease=rival, seats=[seat], start=D(2026, 6, 1), end=D(2026, 7, 1), by=staff)
    assert refused.value.code == "seat_taken"
    monkeypatch.undo()
    assert LeaseSeat.objects.filter(seat=seat).count() == 1
