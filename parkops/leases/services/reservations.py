"""Zone-D capacity reservations: a firm's claim on seats of a phase before its floors exist."""
from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from parkops.firms.models import Firm
from parkops.zones.models import Phase, Seat

from ..choices import RentTerms, ReservationStatus
from ..models import CapacityReservation, Lease
from .common import _history_user, _list_codes, allocation_write
from .leases import lease_create


def _check_phase_capacity(phase: Phase, seats: int, *, excluding: int | None = None) -> None:
    reserved = (
        CapacityReservation.objects.filter(phase=phase, status=ReservationStatus.ACTIVE)
        .exclude(pk=excluding)
        .aggregate(total=Sum("seats"))["total"]
        or 0
    )
    if reserved + seats > phase.planned_capacity:
        raise ValidationError(
            {
                "seats": _(
                    "%(phase)s 规划容量 %(cap)s 人，已预留 %(reserved)s 席，本次 %(seats)s 席将超出 %(over)s 席；"
                    "请减少预留席位数，或预留到其他分期。"
                )
                % {
                    "phase": phase,
                    "cap": phase.planned_capacity,
                    "reserved": reserved,
                    "seats": seats,
                    "over": reserved + seats - phase.planned_capacity,
                }
            }
        )


@allocation_write
def reservation_create(
    *,
    firm: Firm,
    phase: Phase,
    seats: int,
    wanted_from: datetime.date | None = None,
    note: str = "",
    reserved_on: datetime.date | None = None,
    by,
) -> CapacityReservation:
    """Reserve capacity for a firm in a zone-D phase from `reserved_on` (today by default; a past day records an
    earlier agreement); the phase's total may not pass its planned capacity."""
    today = timezone.localdate()
    reserved_on = reserved_on or today
    if reserved_on > today:
        raise ValidationError({"reserved_on": _("预留日期 %(d)s 晚于今天；请填写今天或以前的日期。") % {"d": reserved_on}})
    phase = Phase.objects.select_for_update().get(pk=phase.pk)
    reservation = CapacityReservation(
        firm=firm, phase=phase, seats=seats, wanted_from=wanted_from, note=note, reserved_on=reserved_on
    )
    reservation.full_clean()
    _check_phase_capacity(phase, seats)
    _history_user(reservation, by).save()
    return reservation


@allocation_write
def reservation_change(
    *,
    reservation: CapacityReservation,
    seats: int | None = None,
    wanted_from: datetime.date | None = None,
    note: str | None = None,
    by,
) -> CapacityReservation:
    """Change an active reservation's seat count, wanted date or note, within the phase's capacity."""
    reservation = CapacityReservation.objects.select_for_update().get(pk=reservation.pk)
    if reservation.status != ReservationStatus.ACTIVE:
        raise ValidationError(_("只能修改有效的预留；该预留状态为“%(s)s”。") % {"s": reservation.get_status_display()})
    phase = Phase.objects.select_for_update().get(pk=reservation.phase_id)
    if seats is not None:
        reservation.seats = seats
    if wanted_from is not None:
        reservation.wanted_from = wanted_from
    if note is not None:
        reservation.note = note
    reservation.full_clean()
    _check_phase_capacity(phase, reservation.seats, excluding=reservation.pk)
    _history_user(reservation, by).save()
    return reservation


@allocation_write
def reservation_cancel(*, reservation: CapacityReservation, by, note: str = "") -> CapacityReservation:
    """Cancel an active reservation, freeing its share of the phase's capacity."""
    reservation = CapacityReservation.objects.select_for_update().get(pk=reservation.pk)
    if reservation.status != ReservationStatus.ACTIVE:
        raise ValidationError(_("只能取消有效的预留；该预留状态为“%(s)s”。") % {"s": reservation.get_status_display()})
    reservation.status = ReservationStatus.CANCELLED
    reservation.closed_on = max(timezone.localdate(), reservation.reserved_on)
    if note:
        reservation.note = note[:200]
    _history_user(reservation, by).save()
    return reservation


@allocation_write
def reservation_convert(
    *,
    reservation: CapacityReservation,
    seats: Sequence[Seat],
    start: datetime.date,
    end: datetime.date,
    rent_terms: str = RentTerms.FREE_POLICY,
    monthly_rate: Decimal | int = 0,
    policy_basis: str = "",
    by,
) -> Lease:
    """Turn a reservation into a lease on seats laid out in its phase; a partial conversion keeps the rest reserved."""
    reservation = CapacityReservation.objects.select_for_update().select_related("phase", "firm").get(pk=reservation.pk)
    if reservation.status != ReservationStatus.ACTIVE:
        raise ValidationError(_("只能转换有效的预留；该预留状态为“%(s)s”。") % {"s": reservation.get_status_display()})
    seat_ids = sorted({s.pk for s in seats})
    if not seat_ids:
        raise ValidationError(_("请选择要转为租约的席位。"))
    if len(seat_ids) > reservation.seats:
        raise ValidationError(
            _("所选 %(n)d 个席位多于预留的 %(r)d 席；请减少所选席位或先增加预留。") % {"n": len(seat_ids), "r": reservation.seats}
        )
    outside = list(
        Seat.objects.filter(pk__in_ids=seat_ids).exclude(floor__building__phase=reservation.phase).values_list("code", flat=True)
    )
    if outside:
        raise ValidationError(
            _("席位 %(seats)s 不在 %(phase)s 的楼栋内；预留只能转为本分期的席位。")
            % {"seats": _list_codes(outside), "phase": reservation.phase}
        )
    lease = lease_create(
        firm=reservation.firm,
        start=start,
        end=end,
        rent_terms=rent_terms,
        monthly_rate=monthly_rate,
        policy_basis=policy_basis,
        seats=seats,
        by=by,
        note=_("由容量预留 #%(id)s 转换") % {"id": reservation.pk},
    )
    # The converted seats leave the reservation and are counted through the lease from now on, on every date
    # (booked before the lease starts, leased while it runs): committed = reserved + leased + booked stays the same.
    if len(seat_ids) == reservation.seats:
        reservation.status = ReservationStatus.CONVERTED
        reservation.closed_on = max(timezone.localdate(), reservation.reserved_on)
    else:
        reservation.seats -= len(seat_ids)
    reservation.lease = lease
    _history_user(reservation, by).save()
    return lease
