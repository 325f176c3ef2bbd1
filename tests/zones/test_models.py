"""Database constraints of the supply side and the groups made by the data migration."""
import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from parkops.zones.models import Seat
from tests.factories import FloorFactory, PhaseFactory

pytestmark = pytest.mark.django_db


def test_seat_codes_and_grid_positions_are_unique(floor):
    with pytest.raises(IntegrityError), transaction.atomic():
        Seat.objects.create(floor=floor, code="C-1-3F-0001", row=9, col=9)
    with pytest.raises(IntegrityError), transaction.atomic():
        Seat.objects.create(floor=floor, code="C-1-3F-9999", row=0, col=0)


def test_seat_outside_the_floor_grid_is_a_clear_error():
    floor = FloorFactory(grid_rows=2, grid_cols=3)
    seat = Seat(floor=floor, code="X-1", row=2, col=0)
    with pytest.raises(ValidationError) as err:
        seat.full_clean()
    assert "X-1" in str(err.value) and "2×3" in str(err.value)


def test_phase_number_unique_per_zone():
    phase = PhaseFactory(number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        PhaseFactory(zone=phase.zone, number=1)


def test_groups_exist_with_their_permissions():
    bureau = Group.objects.get(name="Bureau admins")
    staff = Group.objects.get(name="Park staff")
    bureau_perms = set(bureau.permissions.values_list("codename", flat=True))
    staff_perms = set(staff.permissions.values_list("codename", flat=True))
    assert {"delete_lease", "add_zone", "change_user"} <= bureau_perms
    assert {"view_zone", "view_lease", "change_seat", "add_lease", "change_seatrequest"} <= staff_perms
    assert not any(p.startswith("delete_") for p in staff_perms)
    assert "change_zone" not in staff_perms
