"""Every write that touches allocation goes through this package.

One module per subject: leases (create, terminate, renew, the admin's edits), holdings (allocate, release,
a seat's existence and condition), reservations, requests, headcount; common holds what they share (the
transaction wrapper, the locks, the checks and error texts). Import the package, not its modules:
``from parkops.leases import services; services.lease_create(...)``.

Functions are keyword-only and named ``<entity>_<action>``. Each runs in one
transaction, validates with ``full_clean`` (or an equivalent check that needs
no query per row on the bulk paths), raises ``ValidationError`` with a message
that names the seats, dates and fix, and leaves a django-simple-history record,
bulk paths included, carrying the acting user: every service takes it as the required keyword ``by``
(``by=None`` only where no person acts: the park loader, the benchmark, the load test).

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

from django.core.exceptions import ValidationError

from .common import Allocation, SkippedSeat
from .headcount import HEADCOUNT_MONTHS_BACK, HEADCOUNT_PER_SEAT_LIMIT, headcount_doubts, headcount_report_submit
from .holdings import seat_set_existence, seats_allocate, seats_release, seats_release_any, seats_set_condition
from .leases import lease_create, lease_renew, lease_seat_change, lease_seat_remove, lease_terminate, lease_update
from .requests import seat_request_allocate, seat_request_create, seat_request_decide, seat_request_withdraw
from .reservations import reservation_cancel, reservation_change, reservation_convert, reservation_create

__all__ = [
    "Allocation", "SkippedSeat", "ValidationError",
    "HEADCOUNT_MONTHS_BACK", "HEADCOUNT_PER_SEAT_LIMIT", "headcount_doubts", "headcount_report_submit",
    "seat_set_existence", "seats_allocate", "seats_release", "seats_release_any", "seats_set_condition",
    "lease_create", "lease_renew", "lease_seat_change", "lease_seat_remove", "lease_terminate", "lease_update",
    "seat_request_allocate", "seat_request_create", "seat_request_decide", "seat_request_withdraw",
    "reservation_cancel", "reservation_change", "reservation_convert", "reservation_create",
]
