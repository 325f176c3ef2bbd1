"""Figures and database checks after a load run: latency, errors, what each fault did, double
bookings, and whether every allocation is all there or not there at all."""
from __future__ import annotations

from collections import Counter, defaultdict


def max_leaseseat_id() -> int:
    from django.db.models import Max

    from parkops.leases.models import LeaseSeat

    return LeaseSeat.objects.aggregate(m=Max("pk"))["m"] or 0


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def ms(value: float) -> str:
    return f"{value * 1000:.0f} ms"


def double_bookings() -> int:
    """Count pairs of holdings of one seat whose [start, end) ranges overlap."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM leases_leaseseat a JOIN leases_leaseseat b
               ON a.seat_id = b.seat_id AND a.id < b.id AND a.start < b."end" AND b.start < a."end" """
        )
        return cursor.fetchone()[0]


def pg_deadlocks() -> int:
    """PostgreSQL's count of deadlocks detected in the load database (pg_stat_database): the load test reads it
    before and after the run instead of asking the services, which keep no counters."""
    from django.db import connection

    connection.close()  # a fresh connection: the faults may have restarted PostgreSQL since the last query
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def check_allocations(attempts, http_attempts, max_before: int) -> dict:
    """Match every holding created during the run to the allocation that made it.

    A successful service call's rows must all exist as returned; a successful planner POST's
    seats must all be held under its lease and dates. A call that failed with a database or
    HTTP error may have committed before the error reached the caller (the connection dropped at
    COMMIT): its rows must then be all there, else none. Any other new row is a ghost.
    """
    from parkops.leases.models import HistoricalLeaseSeat, LeaseSeat

    new = {row.pk: row for row in LeaseSeat.objects.filter(pk__gt=max_before)}
    claimed, counts = set(), Counter()
    for attempt in (a for a in attempts if a.outcome == "ok"):
        rows = [new.get(pk) for pk in attempt.row_ids]
        if None in rows or sorted(r.seat_id for r in rows) != list(attempt.seat_ids) or any(
            (r.lease_id, r.start, r.end) != (attempt.lease_id, attempt.start, attempt.end) for r in rows
        ):
            counts["missing_or_wrong"] += 1
        claimed.update(attempt.row_ids)
    by_call = defaultdict(dict)
    for pk, row in new.items():
        if pk not in claimed:
            by_call[(row.lease_id, row.start, row.end)][row.seat_id] = pk
    everything = [*attempts, *http_attempts]
    for attempt in (a for a in http_attempts if a.outcome == "ok"):
        present = _take(by_call, attempt, claimed)
        if len(present) != len(attempt.seat_ids):
            counts["missing_or_wrong"] += 1
    for attempt in (a for a in everything if a.outcome in ("db_error", "http_error")):
        present = _take(by_call, attempt, claimed)
        if present and len(present) < len(attempt.seat_ids):
            counts["partial"] += 1
        elif present:
            counts["committed_despite_error"] += 1
    history = set(HistoricalLeaseSeat.objects.filter(id__in=list(new), history_type="+").values_list("id", flat=True))
    return {
        "new_rows": len(new),
        "missing_or_wrong": counts["missing_or_wrong"],
        "partial": counts["partial"],
        "ghost_rows": len(set(new) - claimed),
        "committed_despite_error": counts["committed_despite_error"],
        "rows_without_history": len(set(new) - history),
    }


def _take(by_call, attempt, claimed: set) -> list[int]:
    """Claim the unclaimed rows that this attempt would have written; return their ids."""
    rows = by_call.get((attempt.lease_id, attempt.start, attempt.end), {})
    present = [rows.pop(seat) for seat in attempt.seat_ids if seat in rows]
    claimed.update(present)
    return present


def latency_line(samples) -> str:
    ok = [s.seconds for s in samples if s.status is not None and s.status < 400]
    return f"n={len(samples)} ok={len(ok)} p50={ms(percentile(ok, 0.5))} p95={ms(percentile(ok, 0.95))} max={ms(max(ok or [0]))}"


def outcome(sample) -> str:
    if sample.status is None:
        return f"transport:{sample.error}"
    return str(sample.status)


def window(samples, start: float, end: float):
    return [s for s in samples if start <= s.t < end]


def outage(samples, since: float) -> float:
    """Return seconds from the first failed /healthz probe after `since` to the next good one."""
    probes = [s for s in samples if s.kind == "healthz" and s.t >= since - 1]
    down = next((s.t for s in probes if s.status != 200), None)
    if down is None:
        return 0.0
    up = next((s.t for s in probes if s.t > down and s.status == 200), None)
    return (up if up is not None else probes[-1].t) - down


def print_faults(events, samples, elapsed: float) -> tuple[bool, list[str]]:
    """Print what happened around each fault; return (recovered, problems)."""
    problems = []
    recovered = True
    for event in events:
        print(f"  event {event}")
    for event in events:
        if event["fault"] == "kill_worker":
            # A request in flight on the killed worker started up to a couple of seconds before.
            during = [s for s in window(samples, event["t"] - 2, event["t"] + 5) if s.t + s.seconds >= event["t"]]
            print(f"  kill worker pid {event['pid']} at t={event['t']:.1f}s; requests ending in the next 5 s: "
                  f"{dict(Counter(map(outcome, during)))}")
            if not any(e["fault"] == "worker_respawned" for e in events):
                problems.append("the killed worker was not replaced")
        if event["fault"] == "restart_postgres":
            t0, t1 = event["t"], event["t_end"]
            during = window(samples, t0, t1 + 1)
            after = [s for s in samples if s.t >= t1 and s.status is not None and s.status < 400]
            first_ok = min((s.t for s in after), default=None)
            print(f"  restart PostgreSQL t={t0:.1f}s..{t1:.1f}s (rc {event['rc']}); during: {dict(Counter(map(outcome, during)))}")
            if first_ok is None:
                recovered = False
                problems.append("no successful request after the PostgreSQL restart")
            else:
                print(f"  first successful request {first_ok - t1:.2f} s after the restart finished")
            print(f"  /healthz not 200 for {outage(samples, t0):.1f} s")
            late = [s for s in samples if s.t > t1 + 5 and s.kind in ("staff", "tenant")]
            late_errors = [s for s in late if s.status is None or s.status >= 500]
            print(f"  from 5 s after the restart to the end: {len(late)} requests, {len(late_errors)} errors")
            if late_errors:
                problems.append(f"{len(late_errors)} errors more than 5 s after the PostgreSQL restart")
    return recovered, problems


def print_report(args, recorder, events, elapsed: float, max_before: int, healthy_after: bool) -> bool:
    samples = sorted(recorder.samples, key=lambda s: s.t)
    load = [s for s in samples if s.kind in ("staff", "tenant")]
    errors = [s for s in load if s.status is None or s.status >= 500]
    unclean = [s for s in samples if s.status is not None and s.status >= 500 and not s.clean]
    print("\n=== parkops load test ===")
    print(f"run: {elapsed:.1f} s, budget {args.requests} requests / {args.seconds:.0f} s, faults: {args.faults}")
    print(f"HTTP browsing (staff + tenant): {latency_line(load)}  throughput={len(load) / elapsed:.1f} req/s")
    for kind in ("staff", "tenant", "allocate", "healthz"):
        print(f"  {kind:7s} {latency_line([s for s in samples if s.kind == kind])}")
    print(f"  outcomes: {dict(Counter(map(outcome, load)))}")
    print(f"  errors (5xx or no response): {len(errors)}; 5xx pages that were not our clean error page: {len(unclean)}")
    slow = Counter(s.path for s in load if s.status == 200 and s.seconds > percentile([x.seconds for x in load], 0.95))
    print(f"  pages most often above p95: {slow.most_common(4)}")
    attempts = recorder.attempts
    print(f"allocations through the service: {len(attempts)} calls, {dict(Counter(a.outcome for a in attempts))}")
    http_attempts = recorder.http_attempts
    print(f"allocations through the planner (HTTP POST): {len(http_attempts)}, "
          f"{dict(Counter(a.outcome for a in http_attempts))} {dict(Counter(a.detail for a in http_attempts))}")
    other = [a.detail for a in attempts if a.outcome in ("other", "db_error")]
    if other:
        print(f"  errors seen by allocators: {Counter(other).most_common(3)}")
    print(f"  deadlocks PostgreSQL detected in the load database during the run, any process (the web workers' and the allocator's; the services retry each 40P01): {recorder.deadlocks}")
    recovered, problems = print_faults(events, samples, elapsed)
    checks = check_allocations(attempts, http_attempts, max_before)
    doubles = double_bookings()
    print(f"database: double bookings={doubles}; {checks}")
    print(f"/healthz after the run: {'200' if healthy_after else 'NOT healthy'}")
    problems += [f"{doubles} double bookings"] if doubles else []
    problems += [f"{k}={v}" for k, v in checks.items() if k in ("missing_or_wrong", "partial", "ghost_rows", "rows_without_history") and v]
    problems += [f"{len(unclean)} unclean 5xx pages"] if unclean else []
    problems += ["allocator raised unexpected errors"] if any(a.outcome == "other" for a in attempts) else []
    problems += ["not healthy after the run"] if not healthy_after else []
    print("RESULT:", "PASS" if not problems and recovered else "FAIL: " + "; ".join(problems))
    return not problems and recovered
