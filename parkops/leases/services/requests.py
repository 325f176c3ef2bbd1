"""Seat requests: a firm asks for N seats; staff approve by allocating, or reject with a reason."""
from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parkops.firms.models import Firm
from parkops.zones.models import Zone

from ..choices import RentTerms, SeatRequestStatus
from ..models import Lease, SeatRequest
from ..selectors import free_seats
from .common import _check_range, _fmt_range, _history_user, allocation_write
from .leases import lease_create


@allocation_write
def seat_request_create(
    *,
    firm: Firm,
    seats: int,
    wanted_from: datetime.date,
    reason: str,
    zone_preference: Zone | None = None,
    by,
) -> SeatRequest:
    """Record a firm's request for more seats."""
    if wanted_from is not None and wanted_from < timezone.localdate():
        raise ValidationError({"wanted_from": _("期望起用日期 %(d)s 已过；请填写今天或以后的日期。") % {"d": wanted_from}})
    request = SeatRequest(
        firm=firm, seats=seats, wanted_from=wanted_from, reason=reason, zone_preference=zone_preference, requested_by=by
    )
    request.full_clean()
    _history_user(request, by).save()
    return request


@allocation_write
def seat_request_decide(
    *,
    request: SeatRequest,
    approve: bool,
    reason: str = "",
    lease: Lease | None = None,
    by,
) -> SeatRequest:
    """Approve a request (naming the lease its seats were allocated under) or reject it with a reason."""
    request = SeatRequest.objects.select_for_update().select_related("firm").get(pk=request.pk)
    if request.status != SeatRequestStatus.OPEN:
        raise ValidationError(_("该申请已处理（%(s)s），不能重复处理。") % {"s": request.get_status_display()})
    if approve:
        if lease is None:
            raise ValidationError({"lease": _("批准申请须先为企业分配席位，并选择对应的租约。")})
        if lease.firm_id != request.firm_id:
            raise ValidationError({"lease": _("所选租约 %(lease)s 不属于申请企业 %(firm)s。") % {"lease": lease.number, "firm": request.firm}})
        request.status = SeatRequestStatus.APPROVED
        request.lease = lease
    else:
        if not reason.strip():
            raise ValidationError({"decision_reason": _("驳回申请必须填写理由，企业会在门户中看到。")})
        request.status = SeatRequestStatus.REJECTED
    request.decision_reason = reason.strip()
    request.decided_by = by
    request.decided_at = timezone.now()
    request.full_clean()
    _history_user(request, by).save()
    return request


@allocation_write
def seat_request_allocate(
    *,
    request: SeatRequest,
    seats: int,
    start: datetime.date,
    end: datetime.date,
    floor=None,
    zone: Zone | None = None,
    rent_terms: str = RentTerms.FREE_POLICY,
    monthly_rate: Decimal | int = 0,
    policy_basis: str = "",
    reason: str = "",
    by,
) -> SeatRequest:
    """Approve an open request by leasing N free in-service seats on a floor (or anywhere in a zone) to its firm.

    All or nothing: if the seats cannot all be found or allocated, the request stays open and no lease is made.
    """
    request = SeatRequest.objects.select_for_update().select_related("firm").get(pk=request.pk)
    if request.status != SeatRequestStatus.OPEN:
        raise ValidationError(_("该申请已处理（%(s)s），不能重复处理。") % {"s": request.get_status_display()})
    if floor is None and zone is None:
        raise ValidationError({"floor": _("请选择分配席位的楼层，或至少选择一个区域。")})
    if not isinstance(seats, int) or seats < 1:
        raise ValidationError({"seats": _("分配席位数必须是正整数。")})
    _check_range(start, end)
    # A chosen floor wins over the zone preference.
    seat_filter = Q(floor=floor) if floor is not None else Q(floor__building__zone=zone)
    picked = free_seats(seat_filter, start, end, limit=seats)
    if len(picked) < seats:
        where = str(floor) if floor is not None else str(zone)
        raise ValidationError(
            {
                "seats": _(
                    "%(where)s 在 %(range)s 只有 %(n)d 个空闲可用席位，少于所需的 %(want)d 个；"
                    "请改选其他楼层或区域，或减少席位数。"
                )
                % {"where": where, "range": _fmt_range(start, end), "n": len(picked), "want": seats}
            }
        )
    lease = lease_create(
        firm=request.firm,
        start=start,
        end=end,
        rent_terms=rent_terms,
        monthly_rate=monthly_rate,
        policy_basis=policy_basis,
        seats=picked,
        by=by,
        note=_("由席位申请 #%(id)s 分配") % {"id": request.pk},
    )
    return seat_request_decide(request=request, approve=True, lease=lease, reason=reason, by=by)


@allocation_write
def seat_request_withdraw(*, request: SeatRequest, by) -> SeatRequest:
    """Withdraw an open request (by the firm that made it)."""
    request = SeatRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != SeatRequestStatus.OPEN:
        raise ValidationError(_("该申请已处理（%(s)s），不能撤回。") % {"s": request.get_status_display()})
    request.status = SeatRequestStatus.WITHDRAWN
    _history_user(request, by).save()
    return request
