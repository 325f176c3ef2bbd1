"""Every write that touches allocation goes through this module.

Functions are keyword-only and named ``<entity>_<action>``. Each runs in one
transaction, validates with ``full_clean`` (or an equivalent check that needs
no query per row on the bulk paths), raises ``ValidationError`` with a message
that names the seats, dates and fix, and leaves a django-simple-history record,
bulk paths included.

The no-double-booking rule is held twice: the seats are locked (SELECT ... FOR
UPDATE, in primary-key order so two allocators cannot deadlock on them) and
checked for overlapping holdings here; on PostgreSQL the exclusion constraint
on LeaseSeat refuses whatever slips past. SQLite runs every transaction in
IMMEDIATE mode, which serialises writers.
"""
from __future__ import annotations

import datetime
import random
import threading
import time
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import wraps

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from parkops.core.lookups import ids_match
from parkops.firms.choices import FirmStatus
from parkops.firms.models import Firm
from parkops.zones.choices import SeatCondition
from parkops.zones.models import Phase, Seat, Zone

from .choices import LeaseStatus, RentTerms, ReservationStatus, SeatRequestStatus
from .models import CapacityReservation, HeadcountReport, Lease, LeaseSeat, SeatRequest
from .selectors import free_seats

DEADLOCK_RETRIES = 5
MAX_NAMED_SEATS = 12

_stats_lock = threading.Lock()
stats = {"deadlocks_retried": 0}


def _pgcode(exc: Exception) -> str | None:
    return getattr(exc.__cause__, "pgcode", None) or getattr(exc, "pgcode", None)


def _is_overlap(exc: IntegrityError) -> bool:
    """Return whether the database refused a double booking: PostgreSQL's exclusion violation (23P01), or
    SQLite's trigger of the same name (leases/migrations/0003)."""
    return _pgcode(exc) == "23P01" or "leaseseat_no_overlap" in str(exc)


def allocation_write(func):
    """Run the service in a transaction; retry a PostgreSQL deadlock (40P01) a bounded number of times;
    report an exclusion violation (23P01, or SQLite's trigger) as a clean "seat taken" ValidationError."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        # Only the outermost transaction can be retried: a nested one shares the caller's fate.
        attempts = DEADLOCK_RETRIES if not transaction.get_connection().in_atomic_block else 1
        for attempt in range(1, attempts + 1):
            try:
                with transaction.atomic():
                    return func(*args, **kwargs)
            except OperationalError as exc:
                if _pgcode(exc) == "40P01" and attempt < attempts:
                    with _stats_lock:
                        stats["deadlocks_retried"] += 1
                    time.sleep(random.uniform(0.005, 0.05) * attempt)
                    continue
                raise
            except IntegrityError as exc:
                if _is_overlap(exc):
                    raise ValidationError(
                        _("所选席位在该时段已被占用（另一项操作刚刚完成分配）。请刷新楼层图后重新选择。"),
                        code="seat_taken",
                    ) from exc
                raise

    return wrapper


def _fmt_range(start: datetime.date, end: datetime.date) -> str:
    return _("%(start)s 至 %(end)s（不含）") % {"start": start.isoformat(), "end": end.isoformat()}


def _list_codes(codes: Sequence[str]) -> str:
    codes = list(codes)
    shown = "、".join(codes[:MAX_NAMED_SEATS])
    if len(codes) > MAX_NAMED_SEATS:
        shown += _(" 等 %(n)d 个席位") % {"n": len(codes)}
    return shown


def _conflict_error(conflicts: Iterable[LeaseSeat], *, reveal_holders: bool) -> ValidationError:
    """Build one message naming every seat and date range in conflict (the holder only for staff)."""
    parts = []
    for held in conflicts:
        if reveal_holders:
            parts.append(
                _("%(seat)s 已由 %(firm)s（合同 %(lease)s）占用 %(range)s")
                % {
                    "seat": held.seat.code,
                    "firm": held.lease.firm.short_name,
                    "lease": held.lease.number,
                    "range": _fmt_range(held.start, held.end),
                }
            )
        else:
            parts.append(_("%(seat)s 在 %(range)s 已被占用") % {"seat": held.seat.code, "range": _fmt_range(held.start, held.end)})
    shown = "；".join(parts[:MAX_NAMED_SEATS])
    if len(parts) > MAX_NAMED_SEATS:
        shown += _("；另有 %(n)d 处冲突") % {"n": len(parts) - MAX_NAMED_SEATS}
    return ValidationError(
        _("席位冲突，未做任何更改：%(detail)s。请改选其他席位或调整日期。") % {"detail": shown}, code="seat_conflict"
    )


def _check_range(start: datetime.date, end: datetime.date, *, field: str = "end") -> None:
    if start is None or end is None:
        raise ValidationError({field: _("请填写开始日期和结束日期。")})
    if start >= end:
        raise ValidationError(
            {field: _("结束日期 %(end)s 必须晚于开始日期 %(start)s（结束日当天不再占用）。") % {"start": start, "end": end}}
        )


def _lock_lease(lease: Lease) -> Lease:
    # OF self: lock the lease row only, not its firm's (which select_related joins), so that writes under
    # different leases of one firm do not wait for each other.
    return Lease.objects.select_for_update(of=("self",)).select_related("firm").get(pk=lease.pk)


def _lock_seats(seat_ids: Sequence[int]) -> list[Seat]:
    return list(
        Seat.objects.select_for_update().filter(pk__in_ids=seat_ids).order_by("pk").only("id", "code", "condition")
    )


def _check_lease_takes(lease: Lease, start: datetime.date, end: datetime.date, *, closed: str, field=None) -> None:
    """Refuse holdings under a lease that is no longer open, or outside its period (`closed` names the action)."""
    if lease.status not in (LeaseStatus.DRAFT, LeaseStatus.ACTIVE):
        raise ValidationError(closed % {"lease": lease.number, "status": lease.get_status_display()})
    if start < lease.start or end > lease.end:
        message = _("分配期间 %(range)s 超出租约 %(lease)s 的期限 %(lease_range)s；请缩短分配期间或先续签租约。") % {
            "range": _fmt_range(start, end),
            "lease": lease.number,
            "lease_range": _fmt_range(lease.start, lease.end),
        }
        raise ValidationError({field: message} if field else message)


def _history_user(obj, by):
    if by is not None:
        obj._history_user = by
    return obj


# --- leases -------------------------------------------------------------------------------------


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
    status: str = LeaseStatus.ACTIVE,
    note: str = "",
    seats: Sequence[Seat] = (),
    by=None,
    reveal_holders: bool = True,
) -> Lease:
    """Create a lease for a firm and, if seats are given, allocate them for the whole lease period."""
    firm = Firm.objects.select_for_update().get(pk=firm.pk)
    if firm.status == FirmStatus.EXITED:
        raise ValidationError({"firm": _("企业 %(firm)s 已退出园区，不能新签租约；请先恢复其状态。") % {"firm": firm}})
    if status not in (LeaseStatus.DRAFT, LeaseStatus.ACTIVE):
        raise ValidationError({"status": _("新租约的状态只能是草稿或生效。")})
    _check_range(start, end)
    lease = Lease(
        firm=firm,
        number=number.strip() or _next_lease_number(firm, start),
        start=start,
        end=end,
        rent_terms=rent_terms,
        monthly_rate=monthly_rate,
        policy_basis=policy_basis,
        status=status,
        note=note,
    )
    if rent_terms == RentTerms.FREE_POLICY and Decimal(monthly_rate or 0) != 0:
        raise ValidationError({"monthly_rate": _("政策免租的租约月租应为 0；如需收费请改为补贴或市场租金。")})
    lease.full_clean()
    _history_user(lease, by).save()
    if seats:
        seats_allocate(lease=lease, seats=seats, by=by, reveal_holders=reveal_holders)
    return lease


@allocation_write
def seats_allocate(
    *,
    lease: Lease,
    seats: Sequence[Seat],
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    by=None,
    reveal_holders: bool = True,
) -> list[LeaseSeat]:
    """Hold many seats under one lease for [start, end) (default: the lease's period). All or nothing.

    Runs a fixed number of queries whatever the number of seats.
    """
    lease = _lock_lease(lease)
    start = start or lease.start
    end = end or lease.end
    _check_range(start, end)
    _check_lease_takes(lease, start, end, closed=_("租约 %(lease)s 状态为“%(status)s”，不能再分配席位；请新建或续签租约。"))
    seat_ids = sorted({seat.pk for seat in seats})
    if not seat_ids:
        raise ValidationError(_("没有选择任何席位；请至少选择一个席位。"))
    locked = _lock_seats(seat_ids)
    if len(locked) != len(seat_ids):
        raise ValidationError(_("有 %(n)d 个所选席位不存在（可能已被删除）；请刷新后重选。") % {"n": len(seat_ids) - len(locked)})
    out_of_service = [s.code for s in locked if s.condition != SeatCondition.IN_SERVICE]
    if out_of_service:
        raise ValidationError(
            _("席位 %(seats)s 处于停用状态，不能分配；请先恢复启用或改选其他席位。") % {"seats": _list_codes(out_of_service)}
        )
    conflicts = list(
        LeaseSeat.objects.filter(seat_id__in_ids=seat_ids)
        .overlapping(start, end)
        .select_related("seat", "lease__firm")
        .order_by("seat__code", "start")
    )
    if conflicts:
        raise _conflict_error(conflicts, reveal_holders=reveal_holders)
    rows = [LeaseSeat(lease=lease, seat_id=seat_id, start=start, end=end) for seat_id in seat_ids]
    # Lease and seats were checked above under lock; skip the FK and constraint queries. The rows differ
    # only in seat_id (excluded), so validating one validates them all.
    rows[0].full_clean(exclude=["lease", "seat"], validate_unique=False, validate_constraints=False)
    rows = LeaseSeat.objects.bulk_create(rows)
    ids = [row.pk for row in rows]
    if None in ids:  # a backend that does not return ids from a bulk INSERT
        held = LeaseSeat.objects.filter(lease=lease, seat_id__in_ids=seat_ids, start=start).order_by("seat_id")
        rows = list(held)
        ids = [row.pk for row in rows]
    _insert_history_from_rows(ids, "+", by=by, reason="allocate")
    return rows


def _lock_seat_ids(seat_ids: Sequence[int]) -> None:
    """Lock the seats' rows (as _lock_seats) without building a Seat per row, for callers that only need the lock."""
    list(Seat.objects.select_for_update().filter(pk__in_ids=seat_ids).order_by("pk").values_list("pk", flat=True))


def _holding_spans(holdings) -> list[tuple[int, datetime.date, datetime.date]]:
    """Return (pk, start, end) of a LeaseSeat queryset, ordered by pk: all _end_holdings needs."""
    return list(holdings.order_by("pk").values_list("pk", "start", "end"))


def _end_holdings(holdings: Sequence[tuple], on: datetime.date, *, by, reason: str) -> int:
    """Shorten (pk, start, end) holdings to end on `on`; remove those not started by then (history keeps both)."""
    shorten = [pk for pk, start, end in holdings if start < on < end]
    remove = [pk for pk, start, end in holdings if start >= on]
    if shorten:
        # Every shortened row gets the same end: one UPDATE ... WHERE id IN (...) instead of
        # bulk_update's CASE WHEN per row; then the "~" history rows copied from the updated rows.
        LeaseSeat.objects.filter(pk__in_ids=shorten).update(end=on)
        _insert_history_from_rows(shorten, "~", by=by, reason=reason)
    if remove:
        _insert_history_from_rows(remove, "-", by=by, reason=reason)
        # QuerySet.delete() would send post_delete per row (one history INSERT each); the history
        # rows are written in bulk above, so delete in one statement. Nothing references LeaseSeat.
        doomed = LeaseSeat.objects.filter(pk__in_ids=remove)
        doomed._raw_delete(doomed.db)
    return len(shorten) + len(remove)


def _insert_history_from_rows(ids: Sequence[int], history_type: str, *, by, reason: str) -> None:
    """Write LeaseSeat history rows for `ids` in one INSERT ... SELECT from the rows themselves.

    The rows are what simple_history's bulk_history_create would write (same fields, one history_date for the
    batch), without building a model instance per row in Python. The statement is spelt from the models' meta;
    the ids are matched as in field__in_ids (one array parameter on PostgreSQL).
    """
    History = LeaseSeat.history.model
    quote = connection.ops.quote_name
    fields = LeaseSeat._meta.concrete_fields
    targets = [History._meta.get_field(f.attname).column for f in fields]
    targets += [History._meta.get_field(n).column for n in ("history_date", "history_type", "history_user", "history_change_reason")]
    pk = quote(LeaseSeat._meta.pk.column)
    match, match_params = ids_match(pk, ids, connection.vendor)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(History._meta.db_table)} ({', '.join(quote(c) for c in targets)}) "
            f"SELECT {', '.join(quote(f.column) for f in fields)}, %s, %s, %s, %s "
            f"FROM {quote(LeaseSeat._meta.db_table)} WHERE {match}",
            [now, history_type, getattr(by, "pk", None), reason, *match_params],
        )


def _release(*, holdings, seats: Sequence[Seat], on: datetime.date, by, nothing_held: str) -> int:
    """End the given seats' holdings among `holdings` from `on`, under the seats' locks."""
    seat_ids = sorted({seat.pk for seat in seats})
    if not seat_ids:
        raise ValidationError(_("没有选择任何席位；请至少选择一个席位。"))
    if on is None:
        raise ValidationError({"on": _("请填写释放日期。")})
    _lock_seat_ids(seat_ids)
    spans = _holding_spans(holdings.filter(seat_id__in_ids=seat_ids, end__gt=on))
    if not spans:
        raise ValidationError(nothing_held)
    return _end_holdings(spans, on, by=by, reason="release")


@allocation_write
def seats_release(*, lease: Lease, seats: Sequence[Seat], on: datetime.date, by=None) -> int:
    """End the given seats' holdings under a lease from `on` (the seat is free that day). Returns holdings changed."""
    lease = _lock_lease(lease)
    nothing_held = _("租约 %(lease)s 在 %(on)s 及以后没有占用所选席位，无需释放；请检查所选席位和日期。") % {
        "lease": lease.number,
        "on": on,
    }
    return _release(holdings=LeaseSeat.objects.filter(lease=lease), seats=seats, on=on, by=by, nothing_held=nothing_held)


@allocation_write
def seats_release_any(*, seats: Sequence[Seat], on: datetime.date, by=None) -> int:
    """End every holding of the given seats from `on`, whatever lease holds them (the planner's release)."""
    nothing_held = _("所选席位在 %(on)s 及以后没有被占用，无需释放。") % {"on": on}
    return _release(holdings=LeaseSeat.objects.all(), seats=seats, on=on, by=by, nothing_held=nothing_held)


@allocation_write
def lease_terminate(*, lease: Lease, on: datetime.date, reason: str = "", by=None) -> Lease:
    """Terminate a lease from `on`: its holdings are shortened to end that day; the contract end stays in history."""
    lease = _lock_lease(lease)
    if lease.status == LeaseStatus.TERMINATED:
        raise ValidationError(_("租约 %(lease)s 已于 %(on)s 终止。") % {"lease": lease.number, "on": lease.terminated_on})
    if on is None:
        raise ValidationError({"on": _("请填写终止日期。")})
    if on > lease.end:
        raise ValidationError(
            {"on": _("终止日期 %(on)s 晚于租约止租日 %(end)s；到期租约无需终止。") % {"on": on, "end": lease.end}}
        )
    holdings = _holding_spans(LeaseSeat.objects.filter(lease=lease, end__gt=on))
    _end_holdings(holdings, on, by=by, reason="terminate")
    lease.status = LeaseStatus.TERMINATED
    lease.terminated_on = on
    lease.termination_reason = reason[:200]
    lease.full_clean()
    _history_user(lease, by).save()
    return lease


@allocation_write
def lease_renew(*, lease: Lease, new_end: datetime.date, by=None, reveal_holders: bool = True) -> Lease:
    """Extend a lease to `new_end`, and with it every holding that ran to the old end. All or nothing."""
    lease = _lock_lease(lease)
    if lease.status not in (LeaseStatus.ACTIVE, LeaseStatus.DRAFT):
        raise ValidationError(
            _("租约 %(lease)s 状态为“%(status)s”，不能续签；请新建租约。")
            % {"lease": lease.number, "status": lease.get_status_display()}
        )
    if new_end is None or new_end <= lease.end:
        raise ValidationError(
            {"end": _("续签后的止租日必须晚于当前止租日 %(end)s。") % {"end": lease.end}}
        )
    old_end = lease.end
    holdings = list(LeaseSeat.objects.filter(lease=lease, end=old_end).order_by("pk"))
    seat_ids = sorted({h.seat_id for h in holdings})
    if seat_ids:
        _lock_seats(seat_ids)
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


# --- seats' physical condition -----------------------------------------------------------------


@allocation_write
def seats_set_condition(*, seats: Sequence[Seat], condition: str, by=None, note: str = "") -> int:
    """Mark seats in service or out of service. Leased seats keep their holdings; the planner shows both."""
    if condition not in SeatCondition.values:
        raise ValidationError({"condition": _("未知的席位状态“%(c)s”。") % {"c": condition}})
    seat_ids = sorted({seat.pk for seat in seats})
    if not seat_ids:
        raise ValidationError(_("没有选择任何席位；请至少选择一个席位。"))
    locked = [s for s in Seat.objects.select_for_update().filter(pk__in_ids=seat_ids).order_by("pk") if s.condition != condition]
    for seat in locked:
        seat.condition = condition
        if note:
            seat.note = note[:200]
    if locked:
        bulk_update_with_history(locked, Seat, ["condition", "note"], default_user=by, default_change_reason=condition)
    return len(locked)


# --- zone-D capacity reservations ----------------------------------------------------------------


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
    by=None,
) -> CapacityReservation:
    """Reserve capacity for a firm in a zone-D phase; the phase's total may not pass its planned capacity."""
    phase = Phase.objects.select_for_update().get(pk=phase.pk)
    reservation = CapacityReservation(firm=firm, phase=phase, seats=seats, wanted_from=wanted_from, note=note)
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
    by=None,
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
def reservation_cancel(*, reservation: CapacityReservation, by=None, note: str = "") -> CapacityReservation:
    """Cancel an active reservation, freeing its share of the phase's capacity."""
    reservation = CapacityReservation.objects.select_for_update().get(pk=reservation.pk)
    if reservation.status != ReservationStatus.ACTIVE:
        raise ValidationError(_("只能取消有效的预留；该预留状态为“%(s)s”。") % {"s": reservation.get_status_display()})
    reservation.status = ReservationStatus.CANCELLED
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
    by=None,
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
    if len(seat_ids) == reservation.seats:
        reservation.status = ReservationStatus.CONVERTED
    else:
        reservation.seats -= len(seat_ids)
    reservation.lease = lease
    _history_user(reservation, by).save()
    return lease


# --- seat requests ------------------------------------------------------------------------------


@allocation_write
def seat_request_create(
    *,
    firm: Firm,
    seats: int,
    wanted_from: datetime.date,
    reason: str,
    zone_preference: Zone | None = None,
    by=None,
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
    by=None,
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
    by=None,
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
def seat_request_withdraw(*, request: SeatRequest, by=None) -> SeatRequest:
    """Withdraw an open request (by the firm that made it)."""
    request = SeatRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != SeatRequestStatus.OPEN:
        raise ValidationError(_("该申请已处理（%(s)s），不能撤回。") % {"s": request.get_status_display()})
    request.status = SeatRequestStatus.WITHDRAWN
    _history_user(request, by).save()
    return request


# --- headcount ----------------------------------------------------------------------------------


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


@allocation_write
def headcount_report_submit(
    *, firm: Firm, month: datetime.date, headcount: int, note: str = "", by=None
) -> HeadcountReport:
    """Submit a firm's headcount for a month; a second submission for the month corrects the first (history keeps it)."""
    if month is None:
        raise ValidationError({"month": _("请填写月份。")})
    month = _month_start(month)
    if month > _month_start(timezone.localdate()):
        raise ValidationError({"month": _("不能填报未来月份 %(m)s；请选择本月或以前的月份。") % {"m": month.strftime("%Y-%m")}})
    if not isinstance(headcount, int) or isinstance(headcount, bool):
        raise ValidationError({"headcount": _("在岗人数必须是整数。")})
    if headcount < 0:
        raise ValidationError({"headcount": _("在岗人数不能为负数（收到 %(n)s）。") % {"n": headcount}})
    report = HeadcountReport.objects.select_for_update().filter(firm=firm, month=month).first()
    if report is None:
        report = HeadcountReport(firm=firm, month=month)
    report.headcount = headcount
    report.note = note
    report.submitted_by = by
    report.full_clean(validate_unique=False)
    _history_user(report, by).save()
    return report


# --- edits made in the admin's change forms ------------------------------------------------------


@allocation_write
def lease_update(
    *,
    lease: Lease,
    number: str | None = None,
    rent_terms: str | None = None,
    monthly_rate: Decimal | int | None = None,
    policy_basis: str | None = None,
    note: str | None = None,
    status: str | None = None,
    by=None,
) -> Lease:
    """Change a lease's contract details (number, rent terms, rate, policy basis, note; draft -> active).

    Dates and seats are not changed here: lease_renew, lease_terminate and the seats_* services do that.
    """
    lease = _lock_lease(lease)
    for name, value in (
        ("number", number), ("rent_terms", rent_terms), ("monthly_rate", monthly_rate),
        ("policy_basis", policy_basis), ("note", note),
    ):
        if value is not None:
            setattr(lease, name, value.strip() if isinstance(value, str) else value)
    if status is not None and status != lease.status:
        if (lease.status, status) != (LeaseStatus.DRAFT, LeaseStatus.ACTIVE):
            raise ValidationError(
                {"status": _("租约状态只能由草稿改为生效；终止请用“终止租约”，续期请用“续签租约”。")}
            )
        lease.status = status
    if lease.rent_terms == RentTerms.FREE_POLICY and Decimal(lease.monthly_rate or 0) != 0:
        raise ValidationError({"monthly_rate": _("政策免租的租约月租应为 0；如需收费请改为补贴或市场租金。")})
    lease.full_clean()
    _history_user(lease, by).save()
    return lease


@allocation_write
def lease_seat_change(
    *, holding: LeaseSeat, start: datetime.date, end: datetime.date, by=None, reveal_holders: bool = True
) -> LeaseSeat:
    """Move one holding's dates to [start, end), inside its lease's period and clear of other holdings of the seat."""
    holding = LeaseSeat.objects.select_for_update().get(pk=holding.pk)
    lease = _lock_lease(holding.lease)
    _check_range(start, end)
    _check_lease_takes(
        lease, start, end, closed=_("租约 %(lease)s 状态为“%(status)s”，不能再调整席位；请新建或续签租约。"), field="end"
    )
    _lock_seats([holding.seat_id])
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
def lease_seat_remove(*, holding: LeaseSeat, by=None) -> None:
    """Remove one holding entered by mistake; history keeps the row. To end a holding early use seats_release."""
    holding = LeaseSeat.objects.select_for_update().get(pk=holding.pk)
    _lock_lease(holding.lease)
    _history_user(holding, by).delete()
