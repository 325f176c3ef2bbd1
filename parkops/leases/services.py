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

Lock order, for every service that touches holdings: first the lease(s), in id
order; then the seats, in id order; only then are holdings read (and written).
A firm row, where one is locked, comes before its leases. Because everyone
climbs the same ladder no two services can deadlock on each other, and because
holdings are read under the seats' locks, no service writes back a holding it
read before another committed a change to it (a release undone by a renew).
seats_release_any, which may touch several leases, finds them with an unlocked
read, locks them and then the seats, and starts again if a lease came in between.
"""
from __future__ import annotations

import datetime
import random
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from parkops.core.lookups import ids_match
from parkops.firms.choices import FirmStatus
from parkops.firms.models import Firm
from parkops.zones.choices import SeatCondition
from parkops.zones.models import Phase, Seat, SeatOutage, Zone

from .choices import LeaseStage, RentTerms, ReservationStatus, SeatRequestStatus
from .models import CapacityReservation, HeadcountReport, Lease, LeaseSeat, SeatRequest, standing_on
from .selectors import free_seats

DEADLOCK_RETRIES = 5
RELOCK_RETRIES = 20
MAX_NAMED_SEATS = 12

_stats_lock = threading.Lock()
stats = {"deadlocks_retried": 0, "relocks": 0}


class _Relock(Exception):
    """Raised when an unlocked read of what to lock went stale before the locks were held; roll back and retry."""


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


def _conflict_part(held: LeaseSeat, *, reveal_holders: bool) -> str:
    """Say who holds a seat when (the firm and lease only for staff)."""
    if reveal_holders:
        return _("%(seat)s 已由 %(firm)s（合同 %(lease)s）占用 %(range)s") % {
            "seat": held.seat.code,
            "firm": held.lease.firm.short_name,
            "lease": held.lease.number,
            "range": _fmt_range(held.start, held.end),
        }
    return _("%(seat)s 在 %(range)s 已被占用") % {"seat": held.seat.code, "range": _fmt_range(held.start, held.end)}


def _conflict_error(conflicts: Iterable[LeaseSeat], *, reveal_holders: bool) -> ValidationError:
    """Build one message naming every seat and date range in conflict (the holder only for staff)."""
    parts = [_conflict_part(held, reveal_holders=reveal_holders) for held in conflicts]
    shown = "；".join(parts[:MAX_NAMED_SEATS])
    if len(parts) > MAX_NAMED_SEATS:
        shown += _("；另有 %(n)d 处冲突") % {"n": len(parts) - MAX_NAMED_SEATS}
    return ValidationError(
        _("席位冲突，未做任何更改：%(detail)s。请改选其他席位或调整日期。") % {"detail": shown}, code="seat_conflict"
    )


@dataclass(frozen=True)
class SkippedSeat:
    """A seat seats_allocate(skip_taken=True) left out, and why (a sentence naming the holder only to staff)."""

    seat_id: int
    code: str
    reason: str


class Allocation(list):
    """What seats_allocate made: the new holdings (the list itself, as before) and the seats it skipped."""

    def __init__(self, rows: Iterable[LeaseSeat] = (), skipped: Iterable[SkippedSeat] = ()):
        super().__init__(rows)
        self.skipped = list(skipped)

    @property
    def allocated(self) -> list[LeaseSeat]:
        return list(self)


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


def _lock_seats(seat_ids: Sequence[int], span: tuple[datetime.date, datetime.date] | None = None) -> list[Seat]:
    """Lock the seats in id order; with `span`, each carries ``down``: whether an outage meets [start, end)."""
    seats = Seat.objects.select_for_update().filter(pk__in_ids=seat_ids).order_by("pk")
    if span is not None:
        seats = seats.annotate(down=Exists(SeatOutage.objects.filter(seat=OuterRef("pk")).overlapping(*span)))
    return list(seats.only("id", "code", "available_from", "retired_on"))


def _check_lease_takes(lease: Lease, start: datetime.date, end: datetime.date, *, closed: str, field=None) -> None:
    """Refuse holdings under a lease that is no longer open, or outside its period (`closed` names the action).

    Open is Lease.is_open (LeaseQuerySet.open): a terminated lease takes no more seats, on any day. The period
    is [start, end): a holding inside it falls on days whose state is draft, active or expiring, never ended.
    """
    if not lease.is_open:
        raise ValidationError(closed % {"lease": lease.number, "on": lease.terminated_on})
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
    stage: str = LeaseStage.SIGNED,
    note: str = "",
    seats: Sequence[Seat] = (),
    by=None,
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
def seats_allocate(
    *,
    lease: Lease,
    seats: Sequence[Seat],
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    by=None,
    reveal_holders: bool = True,
    skip_taken: bool = False,
) -> Allocation:
    """Hold many seats under one lease for [start, end) (default: the lease's period).

    All or nothing by default. With skip_taken=True the seats that cannot be held (held by another lease in the
    period, out of service, no longer there) are left out and listed in the result's `skipped`, with the reason;
    if none is left, it is refused. Runs a fixed number of queries whatever the number of seats.
    """
    lease = _lock_lease(lease)
    start = start or lease.start
    end = end or lease.end
    _check_range(start, end)
    _check_lease_takes(lease, start, end, closed=_("租约 %(lease)s 已于 %(on)s 终止，不能再分配席位；请新建租约。"))
    seat_ids = sorted({seat.pk for seat in seats})
    if not seat_ids:
        raise ValidationError(_("没有选择任何席位；请至少选择一个席位。"))
    locked = _lock_seats(seat_ids, (start, end))
    skipped: list[SkippedSeat] = []
    if len(locked) != len(seat_ids):
        if not skip_taken:
            raise ValidationError(_("有 %(n)d 个所选席位不存在（可能已被删除）；请刷新后重选。") % {"n": len(seat_ids) - len(locked)})
        given = {seat.pk: getattr(seat, "code", "") for seat in seats}
        gone = sorted(set(seat_ids) - {s.pk for s in locked})
        for pk in gone:
            code = given.get(pk) or f"#{pk}"
            skipped.append(SkippedSeat(pk, code, _("%(seat)s 已不存在（可能已被删除）") % {"seat": code}))
    if skip_taken:
        unusable = _unusable_seats(locked, start, end)
        skipped += [SkippedSeat(s.pk, s.code, unusable[s.pk]) for s in locked if s.pk in unusable]
        locked = [s for s in locked if s.pk not in unusable]
    else:
        _check_seats_usable(locked, start, end)
    seat_ids = [s.pk for s in locked]
    conflicts = list(
        LeaseSeat.objects.filter(seat_id__in_ids=seat_ids)
        .overlapping(start, end)
        .select_related("seat", "lease__firm")
        .order_by("seat__code", "start")
    ) if seat_ids else []
    if conflicts and not skip_taken:
        raise _conflict_error(conflicts, reveal_holders=reveal_holders)
    if conflicts:
        reasons: dict[int, list[str]] = {}
        codes = {held.seat_id: held.seat.code for held in conflicts}
        for held in conflicts:
            reasons.setdefault(held.seat_id, []).append(_conflict_part(held, reveal_holders=reveal_holders))
        skipped += [SkippedSeat(pk, codes[pk], "；".join(r)) for pk, r in reasons.items()]
        skipped = sorted(skipped, key=lambda s: s.code)
        seat_ids = [pk for pk in seat_ids if pk not in reasons]
    if not seat_ids:
        raise ValidationError(
            _("所选席位都不能分配，未做任何更改：%(why)s。请改选其他席位或调整日期。")
            % {"why": "；".join(s.reason for s in skipped[:MAX_NAMED_SEATS])},
            code="nothing_free",
        )
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
    return Allocation(rows, skipped)


def _lock_seat_ids(seat_ids: Sequence[int]) -> None:
    """Lock the seats' rows (as _lock_seats) without building a Seat per row, for callers that only need the lock."""
    list(Seat.objects.select_for_update().filter(pk__in_ids=seat_ids).order_by("pk").values_list("pk", flat=True))


def _lock_seats_held(holdings) -> None:
    """Lock, in id order, the seats of a LeaseSeat queryset's rows, in one statement."""
    list(Seat.objects.select_for_update().filter(pk__in=holdings.values("seat_id")).order_by("pk").values_list("pk", flat=True))


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


def _release_ids(seats: Sequence[Seat], on: datetime.date) -> list[int]:
    """Return the seat ids to release, sorted, or refuse an empty selection or a missing date."""
    seat_ids = sorted({seat.pk for seat in seats})
    if not seat_ids:
        raise ValidationError(_("没有选择任何席位；请至少选择一个席位。"))
    if on is None:
        raise ValidationError({"on": _("请填写释放日期。")})
    return seat_ids


@allocation_write
def seats_release(
    *, lease: Lease, seats: Sequence[Seat], on: datetime.date, by=None, confirm_remove_future: bool = False
) -> int:
    """End the given seats' holdings under a lease from `on` (the seat is free that day). Returns holdings changed.

    Holdings that start on or after `on` would be removed outright: that is refused, listing them, unless
    `confirm_remove_future` is true. Holdings that started before `on` are shortened to end on it.
    """
    seat_ids = _release_ids(seats, on)
    lease = _lock_lease(lease)
    _lock_seat_ids(seat_ids)
    spans = _holding_spans(LeaseSeat.objects.filter(lease=lease, seat_id__in_ids=seat_ids, end__gt=on))
    if not spans:
        raise ValidationError(
            _("租约 %(lease)s 在 %(on)s 及以后没有占用所选席位，无需释放；请检查所选席位和日期。") % {"lease": lease.number, "on": on}
        )
    _refuse_unconfirmed_removal(spans, on, confirmed=confirm_remove_future)
    return _end_holdings(spans, on, by=by, reason="release")


@allocation_write
def seats_release_any(
    *, seats: Sequence[Seat], on: datetime.date, by=None, confirm_remove_future: bool = False
) -> int:
    """End every holding of the given seats from `on`, whatever lease holds them (the planner's release).

    As seats_release, holdings that start on or after `on` are removed only with `confirm_remove_future`.
    """
    seat_ids = _release_ids(seats, on)
    for _attempt in range(RELOCK_RETRIES):
        try:
            with transaction.atomic():
                spans = _lock_holders_then_seats(seat_ids, on)
                if not spans:
                    raise ValidationError(_("所选席位在 %(on)s 及以后没有被占用，无需释放。") % {"on": on})
                _refuse_unconfirmed_removal(spans, on, confirmed=confirm_remove_future)
                return _end_holdings(spans, on, by=by, reason="release")
        except _Relock:
            with _stats_lock:
                stats["relocks"] += 1
            continue  # the savepoint's rollback released this attempt's locks
    raise OperationalError("seats_release_any: the leases holding the seats kept changing; nothing was released, please retry")


def _refuse_unconfirmed_removal(spans: Sequence[tuple], on: datetime.date, *, confirmed: bool) -> None:
    """Refuse, listing seat, lease and start, to remove holdings that start on or after `on`, unless confirmed."""
    future = [pk for pk, start, _end in spans if start >= on]
    if not future or confirmed:
        return
    rows = list(
        LeaseSeat.objects.filter(pk__in_ids=future)
        .order_by("seat__code", "start")
        .values_list("seat__code", "lease__number", "start")
    )
    listed = "；".join(
        _("%(seat)s（合同 %(lease)s，自 %(start)s 起）") % {"seat": code, "lease": number, "start": start.isoformat()}
        for code, number, start in rows[:MAX_NAMED_SEATS]
    )
    if len(rows) > MAX_NAMED_SEATS:
        listed += _("；另有 %(n)d 处") % {"n": len(rows) - MAX_NAMED_SEATS}
    raise ValidationError(
        _(
            "以下 %(n)d 处占用在释放日期 %(on)s 当天或之后才开始，释放会将其整条撤销：%(list)s。未做任何更改。"
            "如确认撤销，请勾选“确认撤销尚未开始的占用”后再执行；如只想缩短占用，请把释放日期改到其开始日期之后。"
        )
        % {"n": len(rows), "on": on.isoformat(), "list": listed},
        code="future_holdings",
    )


def _lock_holders_then_seats(seat_ids: Sequence[int], on: datetime.date) -> list[tuple]:
    """Lock the leases holding the seats after `on` (id order), then the seats (id order); return the holdings.

    The leases are found by an unlocked read. Once the seats are locked no holding of them can change, so the
    holdings read then are final; if one belongs to a lease not locked (allocated in between), raise _Relock:
    locking it now would take a lease after seats, against every other service's order.
    """
    holders = LeaseSeat.objects.filter(seat_id__in_ids=seat_ids, end__gt=on)
    lease_ids = sorted(set(holders.values_list("lease_id", flat=True)))
    if lease_ids:
        list(Lease.objects.select_for_update().filter(pk__in_ids=lease_ids).order_by("pk").values_list("pk", flat=True))
    _lock_seat_ids(seat_ids)
    rows = list(holders.order_by("pk").values_list("pk", "start", "end", "lease_id"))
    if not {lease_id for *_span, lease_id in rows} <= set(lease_ids):
        raise _Relock
    return [(pk, start, end) for pk, start, end, _lease in rows]


@allocation_write
def lease_terminate(*, lease: Lease, on: datetime.date, reason: str = "", by=None) -> Lease:
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
def lease_renew(*, lease: Lease, new_end: datetime.date, by=None, reveal_holders: bool = True) -> Lease:
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


# --- seats' existence and physical condition --------------------------------------------------------


def _existence_text(seat: Seat) -> str:
    if seat.retired_on:
        return _("%(code)s（%(start)s 起启用，%(end)s 起撤除）") % {"code": seat.code, "start": seat.available_from, "end": seat.retired_on}
    return _("%(code)s（%(start)s 起启用）") % {"code": seat.code, "start": seat.available_from}


def _check_seats_usable(locked: Sequence[Seat], start: datetime.date, end: datetime.date) -> None:
    """Refuse seats that do not exist on every day of [start, end) or are out of service on any of them.

    `locked` comes from _lock_seats(ids, (start, end)), which read both with the lock: no query here.
    """
    absent = [s for s in locked if s.available_from > start or (s.retired_on is not None and s.retired_on < end)]
    if absent:
        raise ValidationError(
            _("席位 %(seats)s 在 %(range)s 内并非每天都存在，不能占用；请改选其他席位或调整日期。")
            % {"seats": "、".join(_existence_text(s) for s in absent[:MAX_NAMED_SEATS]), "range": _fmt_range(start, end)},
            code="seat_absent",
        )
    out = sorted(s.code for s in locked if s.down)
    if out:
        raise ValidationError(
            _("席位 %(seats)s 在 %(range)s 内有停用期，不能分配；请先恢复启用或改选其他席位。")
            % {"seats": _list_codes(out), "range": _fmt_range(start, end)},
            code="seat_out_of_service",
        )


def _unusable_seats(locked: Sequence[Seat], start: datetime.date, end: datetime.date) -> dict[int, str]:
    """Return, per seat id, why a seat cannot be held over [start, end): absent on some day, or out of service.

    The skipping form of _check_seats_usable (seats_allocate with skip_taken); no query.
    """
    reasons = {}
    for s in locked:
        if s.available_from > start or (s.retired_on is not None and s.retired_on < end):
            reasons[s.pk] = _("%(seat)s 在该期间并非每天都存在") % {"seat": _existence_text(s)}
        elif s.down:
            reasons[s.pk] = _("%(seat)s 在该期间有停用期") % {"seat": s.code}
    return reasons


@allocation_write
def seat_set_existence(*, seat: Seat, available_from: datetime.date, retired_on: datetime.date | None, by) -> Seat:
    """Change the range [available_from, retired_on) a seat exists over; refused while a holding lies outside it."""
    _lock_seat_ids([seat.pk])
    seat = Seat.objects.get(pk=seat.pk)
    seat.available_from, seat.retired_on = available_from, retired_on
    seat.full_clean(validate_unique=False)
    outside = Q(start__lt=available_from)
    if retired_on is not None:
        outside |= Q(end__gt=retired_on)
    stranded = list(LeaseSeat.objects.filter(outside, seat=seat).select_related("seat", "lease__firm").order_by("start"))
    if stranded:
        raise ValidationError(
            _("席位 %(seat)s 的占用 %(detail)s 不在新的存在期内；请先释放或调整这些占用。")
            % {
                "seat": seat.code,
                "detail": "；".join(
                    _("%(firm)s（合同 %(lease)s）%(range)s") % {"firm": h.lease.firm.short_name, "lease": h.lease.number, "range": _fmt_range(h.start, h.end)}
                    for h in stranded[:MAX_NAMED_SEATS]
                ),
            }
        )
    _history_user(seat, by).save(update_fields=["available_from", "retired_on", "modified"])
    return seat


def _held_from(seat_ids: Sequence[int], on: datetime.date) -> list[LeaseSeat]:
    return list(
        LeaseSeat.objects.filter(seat_id__in_ids=seat_ids, end__gt=on).select_related("seat", "lease__firm").order_by("seat__code", "start")
    )


def _held_error(held: Sequence[LeaseSeat], on: datetime.date) -> ValidationError:
    parts = [
        _("%(seat)s 由 %(firm)s（合同 %(lease)s）占用 %(range)s")
        % {"seat": h.seat.code, "firm": h.lease.firm.short_name, "lease": h.lease.number, "range": _fmt_range(h.start, h.end)}
        for h in held[:MAX_NAMED_SEATS]
    ]
    if len(held) > MAX_NAMED_SEATS:
        parts.append(_("另有 %(n)d 处占用") % {"n": len(held) - MAX_NAMED_SEATS})
    return ValidationError(
        _("席位在 %(on)s 及以后仍被占用，未做任何更改：%(detail)s。请先释放这些席位，或勾选“同时结束占用”。")
        % {"on": on, "detail": "；".join(parts)},
        code="seat_held",
    )


@allocation_write
def seats_set_condition(
    *, seats: Sequence[Seat], condition: str, on: datetime.date, by, note: str = "", end_holdings: bool = False
) -> int:
    """Mark seats out of service, or back in service, from the day `on`. Returns the seats whose outages changed.

    Out of service from `on`: an outage in force that day is left open-ended, otherwise one opens on `on`; later
    outages merge into it. Refused while a seat is held on or after `on` (naming the lease), unless
    `end_holdings`: then those holdings end on `on` as a release would, with history.
    In service from `on`: outages in force that day end on `on`; outages that start later are removed.
    """
    if condition not in SeatCondition.values:
        raise ValidationError({"condition": _("未知的席位状态“%(c)s”。") % {"c": condition}})
    if on is None:
        raise ValidationError({"on": _("请填写生效日期：席位状态从这一天起改变。")})
    seat_ids = sorted({seat.pk for seat in seats})
    if not seat_ids:
        raise ValidationError(_("没有选择任何席位；请至少选择一个席位。"))
    for _attempt in range(RELOCK_RETRIES):
        try:
            with transaction.atomic():
                return _set_condition_locked(seat_ids, condition, on, by=by, note=note, end_holdings=end_holdings)
        except _Relock:
            continue  # the savepoint's rollback released this attempt's locks
    raise OperationalError("seats_set_condition: the leases holding the seats kept changing; nothing was changed, please retry")


def _set_condition_locked(seat_ids, condition: str, on: datetime.date, *, by, note: str, end_holdings: bool) -> int:
    """seats_set_condition's body, under the one lock order: the leases holding the seats, then the seats."""
    _lock_holders_then_seats(seat_ids, on)
    outages = list(SeatOutage.objects.filter(seat_id__in_ids=seat_ids).filter(Q(end__isnull=True) | Q(end__gt=on)).order_by("seat_id", "start"))
    if condition == SeatCondition.OUT_OF_SERVICE:
        held = _held_from(seat_ids, on)
        if held and not end_holdings:
            raise _held_error(held, on)
        if held:
            _end_holdings(_holding_spans(LeaseSeat.objects.filter(pk__in_ids=[h.pk for h in held])), on, by=by, reason="release")
        return _open_outages(seat_ids, outages, on, by=by, reason=note[:200])
    return _close_outages(outages, on, by=by)


def _open_outages(seat_ids: Sequence[int], outages: Sequence[SeatOutage], on: datetime.date, *, by, reason: str) -> int:
    """Make every seat out of service from `on` on, one open-ended outage each."""
    by_seat: dict[int, list[SeatOutage]] = {}
    for outage in outages:
        by_seat.setdefault(outage.seat_id, []).append(outage)
    new, opened, merged, changed = [], [], [], set()
    for seat_id in seat_ids:
        mine = by_seat.get(seat_id, [])
        current = next((o for o in mine if o.start <= on), None)
        later = [o for o in mine if o is not current]
        if current is not None and current.end is None and not later:
            continue
        changed.add(seat_id)
        merged.extend(later)
        if current is None:
            new.append(SeatOutage(seat_id=seat_id, start=on, reason=reason))
        elif current.end is not None:
            current.end = None
            opened.append(current)
    if merged:
        for outage in merged:
            _history_user(outage, by).delete()
    if opened:
        bulk_update_with_history(opened, SeatOutage, ["end"], default_user=by, default_change_reason="out_of_service")
    if new:
        bulk_create_with_history(new, SeatOutage, default_user=by, default_change_reason="out_of_service")
    return len(changed)


def _close_outages(outages: Sequence[SeatOutage], on: datetime.date, *, by) -> int:
    """End the outages in force on `on` that day; remove those that start later."""
    ended = [o for o in outages if o.start < on]
    for outage in ended:
        outage.end = on
    removed = [o for o in outages if o.start >= on]
    if ended:
        bulk_update_with_history(ended, SeatOutage, ["end"], default_user=by, default_change_reason="in_service")
    for outage in removed:
        _history_user(outage, by).delete()
    return len({o.seat_id for o in outages})


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
    reserved_on: datetime.date | None = None,
    by=None,
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


HEADCOUNT_PER_SEAT_LIMIT = 2  # a report above this many people per seat needs a confirmation with a reason
HEADCOUNT_MONTHS_BACK = 12  # ... and so does a report for a month further back than this


def _add_months(day: datetime.date, n: int) -> datetime.date:
    months = day.year * 12 + day.month - 1 + n
    return datetime.date(months // 12, months % 12 + 1, 1)


def headcount_doubts(*, firm: Firm, month: datetime.date, headcount: int) -> list[str]:
    """Return why a report needs confirming (each sentence names the figure and the limit), or [] when plausible.

    The seats are those the firm held at any time in the month (distinct seats whose holding meets the month):
    never fewer than it held on any one day, so a firm that grew during the month is not flagged. One query.
    """
    doubts = []
    seats = (
        LeaseSeat.objects.filter(lease__firm=firm)
        .overlapping(month, _add_months(month, 1))
        .values("seat_id")
        .distinct()
        .count()
    )
    limit = HEADCOUNT_PER_SEAT_LIMIT * seats
    if headcount > limit:
        doubts.append(
            _("在岗人数 %(n)s 人超过 %(month)s 所租席位 %(seats)s 席的 %(k)s 倍（上限 %(limit)s 人）。")
            % {"n": headcount, "month": month.strftime("%Y-%m"), "seats": seats, "k": HEADCOUNT_PER_SEAT_LIMIT, "limit": limit}
        )
    earliest = _add_months(_month_start(timezone.localdate()), -HEADCOUNT_MONTHS_BACK)
    if month < earliest:
        doubts.append(
            _("月份 %(month)s 早于 %(k)s 个月前（不经确认最早可填 %(earliest)s）。")
            % {"month": month.strftime("%Y-%m"), "k": HEADCOUNT_MONTHS_BACK, "earliest": earliest.strftime("%Y-%m")}
        )
    return doubts


@allocation_write
def headcount_report_submit(
    *, firm: Firm, month: datetime.date, headcount: int, note: str = "", confirmation_reason: str = "", by=None
) -> HeadcountReport:
    """Submit a firm's headcount for a month; a second submission for the month corrects the first (history keeps it).

    A report above twice the firm's seats, or for a month more than 12 months back, is refused unless
    `confirmation_reason` says why the figure is right; the reason is stored on the report and staff screens flag it.
    """
    if month is None:
        raise ValidationError({"month": _("请填写月份。")})
    month = _month_start(month)
    if month > _month_start(timezone.localdate()):
        raise ValidationError({"month": _("不能填报未来月份 %(m)s；请选择本月或以前的月份。") % {"m": month.strftime("%Y-%m")}})
    if not isinstance(headcount, int) or isinstance(headcount, bool):
        raise ValidationError({"headcount": _("在岗人数必须是整数。")})
    if headcount < 0:
        raise ValidationError({"headcount": _("在岗人数不能为负数（收到 %(n)s）。") % {"n": headcount}})
    # The firm's lock serialises its submissions: the first for a month creates it, and each later one (waiting
    # here) then finds it and corrects it, instead of failing on the unique constraint.
    firm = Firm.objects.select_for_update().get(pk=firm.pk)
    doubts = headcount_doubts(firm=firm, month=month, headcount=headcount)
    confirmation_reason = (confirmation_reason or "").strip()
    if doubts and not confirmation_reason:
        raise ValidationError(
            {
                "confirmation_reason": ValidationError(
                    "".join(doubts) + _("如数字无误，请勾选确认并填写原因后再提交。"), code="needs_confirmation"
                )
            }
        )
    report = HeadcountReport.objects.filter(firm=firm, month=month).first()
    if report is None:
        report = HeadcountReport(firm=firm, month=month)
    report.headcount = headcount
    report.note = note
    report.confirmation_reason = confirmation_reason[:200] if doubts else ""
    report.submitted_by = by
    report.full_clean(validate_unique=False, validate_constraints=False)
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
    stage: str | None = None,
    by=None,
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
    *, holding: LeaseSeat, start: datetime.date, end: datetime.date, by=None, reveal_holders: bool = True
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
def lease_seat_remove(*, holding: LeaseSeat, by=None) -> None:
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
