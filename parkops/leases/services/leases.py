"""Leases: create, terminate, renew, and the edits made in the admin's change forms (contract details, one holding)."""
from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from parkops.firms.choices import FirmStatus
from parkops.firms.models import Firm
from parkops.zones.models import Seat

from ..choices import LeaseStage, RentTerms
from ..models import Lease, LeaseSeat
from .common import (
    Allocation, _check_lease_takes, _check_range, _check_seats_usable, _conflict_error, _history_user, _lock_lease,
    _lock_seat_ids, _lock_seats, _lock_seats_held, allocation_write,
)
from .holdings import _end_holdings, _holding_spans, seats_allocate


def _next_lease_number(firm: Firm, start: datetime.date) -> str:
    # The firm row is locked by the caller, so two leases of one firm never pick the same number.
    base = f"NJ{start:%Y}-{firm.pk:04d}-"
    n = Lease.objects.filter(number__startswith=base).count() + 1
    while Lease.objects.filter(number=f"{base}{n:02d}").exists():
        n += 1
    return f"{base}{n:02d}"


@allocation_write
def lease_create(
    *,
    firm: Firm,
    start: datetime.date,
    end: datetime.date,
    rent_terms: str = RentTerms.FREE_POLICY,
    monthly_rate: Decimal | int = 0,
    policy_basis: str = "",
    number: str = "",
    stage: str = LeaseStage.SIGNED,
    note: str = "",
    seats: Sequence[Seat] = (),
    by,
    reveal_holders: bool = True,
    skip_taken: bool = False,
) -> Lease:
    """Create a lease for a firm and, if seats are given, allocate them for the whole lease period.

    The allocation (holdings made, seats skipped with skip_taken=True: see seats_allocate) is `lease.allocation`.
    """
    firm = Firm.objects.select_for_update().get(pk=firm.pk)
    if firm.status == FirmStatus.EXITED:
        raise ValidationError({"firm": _("企业 %(firm)s 已退出园区，不能新签租约；请先恢复其状态。") % {"firm": firm}})
    if stage not in LeaseStage.values:
        raise ValidationError({"stage": _("新租约的签约阶段只能是草稿或已签约；生效、到期等状态由起止日期推算。")})
    _check_range(start, end)
    lease = Lease(
        firm=firm,
        number=number.strip() or _next_lease_number(firm, start),
        start=start,
        end=end,
        rent_terms=rent_terms,
        monthly_rate=monthly_rate,
        policy_basis=policy_basis,
        stage=stage,
        note=note,
    )
    if rent_terms == RentTerms.FREE_POLICY and Decimal(monthly_rate or 0) != 0:
        raise ValidationError({"monthly_rate": _("政策免租的租约月租应为 0；如需收费请改为补贴或市场租金。")})
    lease.full_clean()
    _history_user(lease, by).save()
    lease.allocation = Allocation()
    if seats:
        lease.allocation = seats_allocate(
            lease=lease, seats=seats, by=by, reveal_holders=reveal_holders, skip_taken=skip_taken
        )
    return lease


@allocation_write
def lease_terminate(*, lease: Lease, on: datetime.date, reason: str = "", by) -> Lease:
    """Terminate a lease from `on`: its holdings are shortened to end that day; the contract end stays in history."""
    lease = _lock_lease(lease)
    if not lease.is_open:
        raise ValidationError(_("租约 %(lease)s 已于 %(on)s 终止。") % {"lease": lease.number, "on": lease.terminated_on})
    if on is None:
        raise ValidationError({"on": _("请填写终止日期。")})
    if on > lease.end:
        raise ValidationError(
            {"on": _("终止日期 %(on)s 晚于租约止租日 %(end)s；到期租约无需终止。") % {"on": on, "end": lease.end}}
        )
    _lock_seats_held(LeaseSeat.objects.filter(lease=lease, end__gt=on))
    holdings = _holding_spans(LeaseSeat.objects.filter(lease=lease, end__gt=on))
    _end_holdings(holdings, on, by=by, reason="terminate")
    lease.terminated_on = on
    lease.termination_reason = reason[:200]
    lease.full_clean()
    _history_user(lease, by).save()
    return lease


@allocation_write
def lease_renew(*, lease: Lease, new_end: datetime.date, by, reveal_holders: bool = True) -> Lease:
    """Extend a lease to `new_end`, and with it every holding that ran to the old end. All or nothing."""
    lease = _lock_lease(lease)
    if not lease.is_open:
        raise ValidationError(
            _("租约 %(lease)s 已于 %(on)s 终止，不能续签；请新建租约。") % {"lease": lease.number, "on": lease.terminated_on}
        )
    if new_end is None or new_end <= lease.end:
        raise ValidationError(
            {"end": _("续签后的止租日必须晚于当前止租日 %(end)s。") % {"end": lease.end}}
        )
    old_end = lease.end
    # The lease's lock keeps its set of holdings still; the seats' locks (taken before reading the holdings'
    # dates) keep a concurrent release of a seat from being written over with the new end.
    _lock_seats_held(LeaseSeat.objects.filter(lease=lease, end=old_end))
    holdings = list(LeaseSeat.objects.filter(lease=lease, end=old_end).order_by("pk"))
    seat_ids = sorted({h.seat_id for h in holdings})
    if seat_ids:
        _check_seats_usable(_lock_seats(seat_ids, (old_end, new_end)), old_end, new_end)
        conflicts = list(
            LeaseSeat.objects.filter(seat_id__in_ids=seat_ids)
            .overlapping(old_end, new_end)
            .exclude(pk__in_ids=[h.pk for h in holdings])
            .select_related("seat", "lease__firm")
            .order_by("seat__code")
        )
        if conflicts:
            raise _conflict_error(conflicts, reveal_holders=reveal_holders)
        for h in holdings:
            h.end = new_end
        bulk_update_with_history(holdings, LeaseSeat, ["end"], default_user=by, default_change_reason="renew")
    lease.end = new_end
    lease.full_clean()
    _history_user(lease, by).save()
    return lease


@allocation_write
def lease_update(
    *,
    lease: Lease,
    number: str | None = None,
    rent_terms: str | None = None,
    monthly_rate: Decimal | int | None = None,
    policy_basis: str | None = None,
    note: str | None = None,
    stage: str | None = None,
    by,
) -> Lease:
    """Change a lease's contract details (number, rent terms, rate, policy basis, note; draft -> signed).

    Dates and seats are not changed here: lease_renew, lease_terminate and the seats_* services do that.
    """
    lease = _lock_lease(lease)
    for name, value in (
        ("number", number), ("rent_terms", rent_terms), ("monthly_rate", monthly_rate),
        ("policy_basis", policy_basis), ("note", note),
    ):
        if value is not None:
            setattr(lease, name, value.strip() if isinstance(value, str) else value)
    if stage is not None and stage != lease.stage:
        if (lease.stage, stage) != (LeaseStage.DRAFT, LeaseStage.SIGNED) or not lease.is_open:
            raise ValidationError(
                {"stage": _("签约阶段只能由草稿改为已签约；终止请用“终止租约”，续期请用“续签租约”。")}
            )
        lease.stage = stage
    if lease.rent_terms == RentTerms.FREE_POLICY and Decimal(lease.monthly_rate or 0) != 0:
        raise ValidationError({"monthly_rate": _("政策免租的租约月租应为 0；如需收费请改为补贴或市场租金。")})
    lease.full_clean()
    _history_user(lease, by).save()
    return lease


@allocation_write
def lease_seat_change(
    *, holding: LeaseSeat, start: datetime.date, end: datetime.date, by, reveal_holders: bool = True
) -> LeaseSeat:
    """Move one holding's dates to [start, end), inside its lease's period and clear of other holdings of the seat."""
    holding = _lock_holding(holding)
    lease = holding.lease
    _check_range(start, end)
    _check_lease_takes(
        lease, start, end, closed=_("租约 %(lease)s 已于 %(on)s 终止，不能再调整席位；请新建租约。"), field="end"
    )
    _check_seats_usable(_lock_seats([holding.seat_id], (start, end)), start, end)
    conflicts = list(
        LeaseSeat.objects.filter(seat_id=holding.seat_id)
        .overlapping(start, end)
        .exclude(pk=holding.pk)
        .select_related("seat", "lease__firm")
    )
    if conflicts:
        raise _conflict_error(conflicts, reveal_holders=reveal_holders)
    holding.start, holding.end = start, end
    holding.full_clean(validate_constraints=False)
    _history_user(holding, by).save()
    return holding


@allocation_write
def lease_seat_remove(*, holding: LeaseSeat, by) -> None:
    """Remove one holding entered by mistake; history keeps the row. To end a holding early use seats_release."""
    holding = _lock_holding(holding)
    _history_user(holding, by).delete()


def _lock_holding(holding: LeaseSeat) -> LeaseSeat:
    """Lock a holding's lease, then its seat, then read the holding (the services' one lock order)."""
    lease_id, seat_id = LeaseSeat.objects.filter(pk=holding.pk).values_list("lease_id", "seat_id").get()
    lease = _lock_lease(Lease(pk=lease_id))
    _lock_seat_ids([seat_id])
    holding = LeaseSeat.objects.select_for_update().get(pk=holding.pk)
    holding.lease = lease
    return holding
