"""The services the admin's change forms use: lease_update, lease_seat_change, lease_seat_remove."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from parkops.leases import services
from parkops.leases.choices import LeaseStage, RentTerms
from parkops.leases.models import LeaseSeat
from tests import factories

JAN, JUL, NEXT_JAN = datetime.date(2026, 1, 1), datetime.date(2026, 7, 1), datetime.date(2027, 1, 1)


@pytest.fixture
def lease(floor, firm):
    return factories.make_lease(firm, seats=list(floor.seats.order_by("code")[:2]), start=JAN, end=NEXT_JAN, stage=LeaseStage.DRAFT)


def test_lease_update_changes_terms_with_history(lease, staff):
    services.lease_update(lease=lease, rent_terms=RentTerms.MARKET, monthly_rate=250, stage=LeaseStage.SIGNED, by=staff)
    lease.refresh_from_db()
    assert (lease.rent_terms, lease.monthly_rate, lease.stage) == (RentTerms.MARKET, 250, LeaseStage.SIGNED)
    assert lease.history.first().history_user == staff


def test_lease_update_refuses_other_stage_moves_and_a_rate_on_free_terms(lease):
    services.lease_update(lease=lease, stage=LeaseStage.SIGNED, by=None)
    with pytest.raises(ValidationError) as exc:
        services.lease_update(lease=lease, stage=LeaseStage.DRAFT, by=None)
    assert "终止租约" in str(exc.value)
    with pytest.raises(ValidationError):
        services.lease_update(lease=lease, monthly_rate=100, by=None)
    lease.refresh_from_db()
    assert lease.monthly_rate == 0


def test_lease_seat_change_moves_dates_inside_the_lease(lease, staff):
    holding = LeaseSeat.objects.filter(lease=lease).first()
    services.lease_seat_change(holding=holding, start=JUL, end=NEXT_JAN, by=staff)
    holding.refresh_from_db()
    assert (holding.start, holding.end) == (JUL, NEXT_JAN)
    assert holding.history.first().history_user == staff
    with pytest.raises(ValidationError):
        services.lease_seat_change(holding=holding, start=JUL, end=datetime.date(2027, 6, 1), by=None)


def test_lease_seat_change_refuses_an_overlap_and_changes_nothing(lease, floor, other_firm):
    holding = LeaseSeat.objects.filter(lease=lease).order_by("seat__code").first()
    services.lease_seat_change(holding=holding, start=JAN, end=JUL, by=None)
    factories.make_lease(other_firm, seats=[holding.seat], start=JUL, end=NEXT_JAN)
    with pytest.raises(ValidationError) as exc:
        services.lease_seat_change(holding=holding, start=JAN, end=NEXT_JAN, reveal_holders=False, by=None)
    assert holding.seat.code in str(exc.value) and "迈睿中国" not in str(exc.value)
    holding.refresh_from_db()
    assert holding.end == JUL


def test_lease_seat_change_refused_on_terminated_lease(lease):
    services.lease_update(lease=lease, stage=LeaseStage.SIGNED, by=None)
    services.lease_terminate(lease=lease, on=JUL, by=None)
    holding = LeaseSeat.objects.filter(lease=lease).first()
    with pytest.raises(ValidationError):
        services.lease_seat_change(holding=holding, start=JAN, end=datetime.date(2026, 3, 1), by=None)


def test_lease_seat_remove_keeps_history(lease, staff):
    holding = LeaseSeat.objects.filter(lease=lease).first()
    services.lease_seat_remove(holding=holding, by=staff)
    assert not LeaseSeat.objects.filter(pk=holding.pk).exists()
    gone = LeaseSeat.history.get(id=holding.pk, history_type="-")
    assert gone.history_user == staff
