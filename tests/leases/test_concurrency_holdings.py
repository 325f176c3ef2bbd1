"""Real threads on PostgreSQL: two services that touch one lease's holdings, started at the same moment.

Every round runs two operations at once on a fresh lease and asserts that the final holdings (and the
lease's end and stage) are what one of the two serial orders leaves. Both serial outcomes are computed
first by running the same services one after the other on a lease of their own. Before the lock order
was fixed (lease(s) first, then seats in id order, holdings read only then), a release lost to a
concurrent renew or terminate in most rounds.
"""
import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from parkops.leases import services
from parkops.leases.models import Lease, LeaseSeat
from parkops.zones.models import Seat
from tests.factories import FirmFactory, make_floor

ROUNDS = 60
SEATS_PER_ROUND = 2
T = dt.date(2026, 1, 1)


def day(n: int) -> dt.date:
    return T + dt.timedelta(days=n)


def _setup(seats, pairing):
    """Make a lease for one round: [T, T+200) holding the round's first seat (both seats unless allocating)."""
    held = seats[:1] if pairing.startswith("allocate") or "another" in pairing else seats
    lease = services.lease_create(firm=FirmFactory(), start=T, end=day(200), seats=held, by=None)
    if "another" in pairing:
        lease.other = services.lease_create(firm=FirmFactory(), start=T, end=day(200), by=None)
    return lease


def _ops(pairing, lease, seats):
    """Return the two operations of a pairing, as callables."""
    release = lambda: services.seats_release_any(seats=seats, on=day(100), by=None)  # noqa: E731
    renew = lambda: services.lease_renew(lease=Lease(pk=lease.pk), new_end=day(290), by=None)  # noqa: E731
    terminate = lambda: services.lease_terminate(lease=Lease(pk=lease.pk), on=day(150), by=None)  # noqa: E731
    allocate = lambda: services.seats_allocate(lease=Lease(pk=lease.pk), seats=seats[1:], start=day(50), by=None)  # noqa: E731
    allocate_other = lambda: services.seats_allocate(lease=lease.other, seats=seats[1:], start=day(50), by=None)  # noqa: E731
    return {
        # the planner's release finds the seats' leases before locking them: here one comes in meanwhile
        "release/allocate under another lease": (release, allocate_other),
        "release/renew": (release, renew),
        "release/terminate": (release, terminate),
        "allocate/terminate": (allocate, terminate),
        "renew/terminate": (renew, terminate),
    }[pairing]


def _state(lease, seats):
    """Return the round's outcome with its own ids left out: holdings by seat position, the lease's dates and stage."""
    position = {s.pk: i for i, s in enumerate(seats)}
    holdings = sorted(
        (position[seat_id], start, end)
        for seat_id, start, end in LeaseSeat.objects.filter(seat__in=seats).values_list("seat_id", "start", "end")
    )
    lease = Lease.objects.get(pk=lease.pk)
    return tuple(holdings), lease.end, lease.stage, lease.terminated_on


def _run(op) -> str:
    try:
        op()
        return "ok"
    except ValidationError:
        return "refused"


def _serial_outcomes(pairing, seat_groups):
    outcomes = set()
    for order, seats in zip(((0, 1), (1, 0)), seat_groups):
        lease = _setup(seats, pairing)
        ops = _ops(pairing, lease, seats)
        for i in order:
            _run(ops[i])
        outcomes.add(_state(lease, seats))
    return outcomes


def _race(op, barrier, results, i):
    try:
        connection.ensure_connection()  # connect before the barrier, so both start their first query together
        barrier.wait(timeout=30)
        results[i] = _run(op)
    except Exception as exc:  # noqa: BLE001 - anything but a clean refusal is a finding
        results[i] = f"error:{type(exc).__name__}:{exc}"
    finally:
        connection.close()


@pytest.mark.parametrize(
    "pairing",
    ["release/renew", "release/terminate", "allocate/terminate", "renew/terminate", "release/allocate under another lease"],
)
@pytest.mark.django_db(transaction=True)
def test_two_writers_on_one_lease_end_as_some_serial_order(postgres_only, pairing, capsys):
    floor = make_floor(SEATS_PER_ROUND * (ROUNDS + 2), level=1, cols=20)
    all_seats = list(Seat.objects.filter(floor=floor).order_by("pk"))
    groups = [all_seats[i : i + SEATS_PER_ROUND] for i in range(0, len(all_seats), SEATS_PER_ROUND)]
    serial = _serial_outcomes(pairing, groups[:2])
    lost = []
    for round_no, seats in enumerate(groups[2:]):
        lease = _setup(seats, pairing)
        barrier, results = threading.Barrier(2), [None, None]
        threads = [threading.Thread(target=_race, args=(op, barrier, results, i)) for i, op in enumerate(_ops(pairing, lease, seats))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert all(r in ("ok", "refused") for r in results), f"round {round_no}: {results}"
        state = _state(lease, seats)
        if state not in serial:
            lost.append((round_no, results, state))
    with capsys.disabled():
        print(
            f"\n{pairing}: {len(lost)} of {ROUNDS} rounds ended in no serial order's state"
        )
    assert not lost, f"{len(lost)} of {ROUNDS} rounds match no serial order {serial}: first {lost[:3]}"
