"""The load generator: HTTP users against gunicorn on 127.0.0.1, and allocators that call the
allocation service directly against the same database, in a process of their own (there is no
HTTP allocation endpoint this script can rely on).

Everything is bounded: a shared budget of HTTP requests and a deadline.
"""
from __future__ import annotations

import datetime
import http.client
import random
import re
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HOST = "127.0.0.1"


@dataclass
class Sample:
    """One HTTP request: when it started (seconds into the run), what it asked, what came back."""

    t: float
    kind: str
    path: str
    status: int | None
    seconds: float
    error: str = ""
    clean: bool = True


class Budget:
    """A fixed number of request tickets and a deadline, shared by all the HTTP users."""

    def __init__(self, requests: int, seconds: float):
        self.total = requests
        self.left = requests
        self.started = time.monotonic()
        self.deadline = self.started + seconds
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.left <= 0 or time.monotonic() >= self.deadline or self.stop.is_set():
                return False
            self.left -= 1
            return True

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def progress(self) -> float:
        """Return how far the run is, as the larger of the share of requests and of time used."""
        by_count = (self.total - self.left) / self.total
        by_time = self.elapsed() / (self.deadline - self.started)
        return max(by_count, by_time)

    def over(self) -> bool:
        return self.stop.is_set() or self.left <= 0 or time.monotonic() >= self.deadline


class Browser:
    """A minimal HTTP client with a cookie jar; one new connection per request (gunicorn's sync
    workers close each connection anyway)."""

    def __init__(self, port: int, started: float):
        self.port = port
        self.started = started
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None, timeout: float = 20) -> tuple[int, str]:
        headers = {"Host": f"{HOST}:{self.port}", "Accept-Language": "zh-hans"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, text
        finally:
            conn.close()

    def login(self, username: str, password: str) -> bool:
        status, text = self.request("GET", "/accounts/login/")
        token = CSRF_INPUT.search(text)
        if status != 200 or not token:
            return False
        form = {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1), "next": "/"}
        status, _ = self.request("POST", "/accounts/login/", form)
        return status == 302 and "sessionid" in self.cookies

    def timed_get(self, kind: str, path: str) -> Sample:
        t0 = time.monotonic()
        try:
            status, text = self.request("GET", path)
        except (OSError, http.client.HTTPException) as exc:
            return Sample(t0 - self.started, kind, path, None, time.monotonic() - t0, error=type(exc).__name__)
        sample = Sample(t0 - self.started, kind, path, status, time.monotonic() - t0)
        if status >= 500:
            # A clean failure is one of our own error pages (or /healthz's "unavailable" JSON),
            # with no traceback in it.
            ours = '"status": "unavailable"' in text if path == "/healthz" else "data-error-page" in text
            sample.clean = ours and "Traceback" not in text
        return sample


class Recorder:
    """Thread-safe list of HTTP samples, and the allocation attempts handed back at the end."""

    def __init__(self):
        self.samples: list[Sample] = []
        self.attempts: list[Attempt] = []
        self.http_attempts: list[Attempt] = []
        self.deadlocks = 0  # set by run_load from pg_stat_database, measured outside the services
        self._lock = threading.Lock()

    def add(self, sample: Sample):
        with self._lock:
            self.samples.append(sample)


def http_user(kind: str, browser: Browser, paths: list[str], budget: Budget, recorder: Recorder):
    """Browse the given pages in random order until the budget or the deadline runs out."""
    rng = random.Random(hash((kind, id(browser))))
    while budget.take():
        recorder.add(browser.timed_get(kind, rng.choice(paths)))


def health_monitor(browser: Browser, budget: Budget, recorder: Recorder, every: float = 0.5):
    """Probe /healthz twice a second, outside the request budget, to see outages and recovery."""
    while not budget.over():
        recorder.add(browser.timed_get("healthz", "/healthz"))
        time.sleep(every)


def http_allocator(browser: Browser, plan: dict, budget: Budget, recorder: Recorder, seed: int):
    """Allocate the hot seats through the planner's floor action, as staff do in the browser,
    with the same deliberate collisions; 302 is success, 422 a refusal with nothing changed."""
    rng = random.Random(1000 + seed)
    year = datetime.date(2026, 1, 1)
    while budget.take():
        start = year + datetime.timedelta(days=30 * rng.randrange(0, 9))
        end = start + datetime.timedelta(days=rng.choice((30, 60, 90)))
        picks = sorted(rng.sample(range(len(plan["seat_ids"])), rng.randint(1, 3)))
        lease_id = rng.choice(plan["lease_ids"])
        attempt = Attempt(budget.elapsed(), lease_id, tuple(sorted(plan["seat_ids"][i] for i in picks)), start, end)
        form = {
            "action": "allocate", "seats": ",".join(plan["seat_codes"][i] for i in picks),
            "firm": plan["firm_of"][lease_id], "lease": lease_id, "start": start.isoformat(), "end": end.isoformat(),
            "on": start.isoformat(), "csrfmiddlewaretoken": browser.cookies.get("csrftoken", ""),
        }
        t0 = time.monotonic()
        try:
            status, text = browser.request("POST", plan["path"], form)
        except (OSError, http.client.HTTPException) as exc:
            status, text, attempt.detail = None, "", type(exc).__name__
        sample = Sample(t0 - browser.started, "allocate", plan["path"], status, time.monotonic() - t0, error=attempt.detail)
        if status is not None and status >= 500:
            sample.clean = "data-error-page" in text and "Traceback" not in text
        recorder.add(sample)
        attempt.outcome = {302: "ok", 422: "conflict"}.get(status, "http_error")
        attempt.detail = attempt.detail or f"HTTP {status}"
        recorder.http_attempts.append(attempt)


@dataclass
class Attempt:
    """One call of services.seats_allocate by an allocator thread, and what came of it."""

    t: float
    lease_id: int
    seat_ids: tuple[int, ...]
    start: datetime.date
    end: datetime.date
    outcome: str = ""  # ok, conflict, db_error, other
    row_ids: list[int] = field(default_factory=list)
    detail: str = ""


class Clock:
    """Deadline and stop switch of the allocator process (the HTTP budget lives in the parent)."""

    def __init__(self, seconds: float, stop, epoch: float):
        self.deadline = time.monotonic() + seconds
        self.stop = stop
        self.epoch = epoch

    def over(self) -> bool:
        return self.stop.is_set() or time.monotonic() >= self.deadline

    def elapsed(self) -> float:
        return time.time() - self.epoch


def allocator_process(lease_ids, seat_ids, seconds, stop, results, epoch, threads=3):
    """Run allocator threads in a process of their own (so they do not slow the HTTP clients'
    clocks through the GIL); put the attempts on `results`."""
    import django

    django.setup()
    clock, attempts = Clock(seconds, stop, epoch), []
    workers = [threading.Thread(target=allocator, args=(seed, lease_ids, seat_ids, clock, attempts)) for seed in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put(attempts)


def allocator(seed: int, lease_ids: list[int], seat_ids: list[int], clock: Clock, attempts: list):
    """Allocate random small groups of the same few hot seats over overlapping ranges, on
    purpose, so that allocators collide; run until the clock says stop."""
    from django.core.exceptions import ValidationError
    from django.db import DatabaseError, close_old_connections

    from parkops.leases import services
    from parkops.leases.models import Lease
    from parkops.zones.models import Seat

    rng = random.Random(seed)
    year = datetime.date(2026, 1, 1)
    while not clock.over():
        close_old_connections()
        start = year + datetime.timedelta(days=30 * rng.randrange(0, 9))
        end = start + datetime.timedelta(days=rng.choice((30, 60, 90)))
        seats = tuple(sorted(rng.sample(seat_ids, rng.randint(1, 3))))
        attempt = Attempt(clock.elapsed(), rng.choice(lease_ids), seats, start, end)
        try:
            rows = services.seats_allocate(
                lease=Lease(pk=attempt.lease_id), seats=[Seat(pk=pk) for pk in seats], start=start, end=end, by=None
            )
            attempt.outcome, attempt.row_ids = "ok", [row.pk for row in rows]
        except ValidationError as exc:
            attempt.outcome, attempt.detail = "conflict", exc.messages[0][:80]
        except DatabaseError as exc:
            attempt.outcome, attempt.detail = "db_error", f"{type(exc).__name__}: {str(exc)[:80]}"
            _drop_connection()
            time.sleep(0.2)
        except Exception as exc:  # noqa: BLE001 - anything else is a finding to report, not to hide
            attempt.outcome, attempt.detail = "other", f"{type(exc).__name__}: {str(exc)[:120]}"
        attempts.append(attempt)
        time.sleep(rng.uniform(0.1, 0.3))  # about 10 calls a second from 3 threads: busy staff, not a flood


def _drop_connection():
    """Close this thread's broken connection so the next call opens a fresh one."""
    from django.db import connection

    try:
        connection.close()
    except Exception:  # noqa: BLE001 - closing a dead socket may fail; it is gone either way
        pass
