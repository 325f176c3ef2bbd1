"""What every allocation service shares: the transaction wrapper, the locks in the one order, the checks and the error texts."""
from __future__ import annotations

import datetime
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from parkops.core import versioning
from parkops.zones.models import Seat, SeatOutage

from ..models import Lease, LeaseSeat


DEADLOCK_RETRIES = 5
RELOCK_RETRIES = 20
MAX_NAMED_SEATS = 12


class _Relock(Exception):
    """Raised when an unlocked read of what to lock went stale before the locks were held; roll back and retry."""


def _pgcode(exc: Exception) -> str | None:
    return getattr(exc.__cause__, "pgcode", None) or getattr(exc, "pgcode", None)


def _is_overlap(exc: IntegrityError) -> bool:
    """Return whether the database refused a double booking: PostgreSQL's exclusion violation (23P01), or
    SQLite's trigger of the same name (leases/migrations/0003)."""
    return _pgcode(exc) == "23P01" or "leaseseat_no_overlap" in str(exc)


def allocation_write(func):
    """Run the service in a transaction that first raises the allocation version; retry a PostgreSQL deadlock
    (40P01) a bounded number of times; report an exclusion violation (23P01, or SQLite's trigger) as a clean
    "seat taken" ValidationError.

    The bump is the transaction's first statement, so the version row is the first lock every allocation write
    takes, before any lease or seat lock (one order for all: core/versioning.py). It also makes the write's new
    figures visible at commit under a new version, never before; a rolled-back write leaves the version as it was.
    """

    @wraps(func)
    def wrapper(*args, **kwargs):
        # Only the outermost transaction can be retried: a nested one shares the caller's fate.
        connection = transaction.get_connection()
        attempts = DEADLOCK_RETRIES if not connection.in_atomic_block else 1
        # A service called by another service runs in the caller's transaction, which has bumped already
        # (outside the nested savepoint, so a rolled-back nested call does not undo it): one bump per write.
        depth = getattr(connection, "_allocation_write_depth", 0)
        for attempt in range(1, attempts + 1):
            try:
                with transaction.atomic():
                    if not depth:
                        versioning.bump()
                    connection._allocation_write_depth = depth + 1
                    try:
                        return func(*args, **kwargs)
                    finally:
                        connection._allocation_write_depth = depth
            except OperationalError as exc:
                if _pgcode(exc) == "40P01" and attempt < attempts:
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


def _lock_seat_ids(seat_ids: Sequence[int]) -> None:
    """Lock the seats' rows (as _lock_seats) without building a Seat per row, for callers that only need the lock."""
    list(Seat.objects.select_for_update().filter(pk__in_ids=seat_ids).order_by("pk").values_list("pk", flat=True))


def _lock_seats_held(holdings) -> None:
    """Lock, in id order, the seats of a LeaseSeat queryset's rows, in one statement."""
    list(Seat.objects.select_for_update().filter(pk__in=holdings.values("seat_id")).order_by("pk").values_list("pk", flat=True))


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
