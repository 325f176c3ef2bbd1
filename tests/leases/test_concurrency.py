"""Real threads on PostgreSQL: many staff allocate the same seat at the same moment."""
import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from parkops.leases import services
from parkops.leases.models import LeaseSeat
from parkops.zones.models import Seat
from tests.factories import FirmFactory, make_floor, make_lease

THREADS = 32
ROUNDS = 20


def pg_deadlocks() -> int:
    """PostgreSQL's count of deadlocks detected in this database (pg_stat_database), read from outside the services.

    A deadlock is a 40P01 the services retry, so the difference over a run is what they retried. The threads'
    backends report their counts when they close (each thread closes its connection).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_32_threads_allocating_one_seat_leave_exactly_one_holding(postgres_only, capsys):
    floor = make_floor(ROUNDS, level=1)
    seats = list(Seat.objects.filter(floor=floor).order_by("code"))
    leases = [make_lease(FirmFactory(), start=dt.date(2026, 1, 1), end=dt.date(2028, 1, 1)) for _ in range(THREADS)]
    deadlocks_before = pg_deadlocks()
    totals = {"winners": 0, "conflicts": 0, "errors": []}

    for round_no, seat in enumerate(seats):
        barrier = threading.Barrier(THREADS)
        outcomes: list[str] = []
        lock = threading.Lock()

        def allocate(i: int):
            try:
                barrier.wait(timeout=30)
                # every thread wants an overlapping range of the same seat
                services.seats_allocate(
                    lease=leases[i], seats=[seat], start=dt.date(2026, 1, 1) + dt.timedelta(days=i),
                    end=dt.date(2026, 6, 1) + dt.timedelta(days=i), by=None,
                )
                result = "won"
            except ValidationError as exc:
                result = "conflict" if exc.code in ("seat_conflict", "seat_taken") else f"other:{exc}"
            except Exception as exc:  # noqa: BLE001 - any other exception is what the test must catch
                result = f"error:{type(exc).__name__}:{exc}"
            finally:
                connection.close()
            with lock:
                outcomes.append(result)

        threads = [threading.Thread(target=allocate, args=(i,)) for i in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(outcomes) == THREADS, f"round {round_no}: a thread hung"
        assert outcomes.count("won") == 1, f"round {round_no}: {outcomes}"
        assert outcomes.count("conflict") == THREADS - 1, f"round {round_no}: {outcomes}"
        assert LeaseSeat.objects.filter(seat=seat).count() == 1
        totals["winners"] += outcomes.count("won")
        totals["conflicts"] += outcomes.count("conflict")

    deadlocks = pg_deadlocks() - deadlocks_before
    with capsys.disabled():
        print(
            f"\nconcurrency: {ROUNDS} rounds x {THREADS} threads: winners per round 1 "
            f"(total {totals['winners']}), clean conflicts {totals['conflicts']}, "
            f"deadlocks PostgreSQL detected (and the services retried) {deadlocks}, other errors 0"
        )
    assert LeaseSeat.objects.count() == ROUNDS
    # Every allocation write takes the allocation version's row first (core/versioning.py), so they queue on it
    # and cannot deadlock each other: a deadlock now means a lock taken out of that order.
    assert deadlocks == 0
