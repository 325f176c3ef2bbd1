"""The benchmark's --http mode: the site under gunicorn (2 workers) on 127.0.0.1, driven by a bounded load.

gunicorn serves parkops.wsgi with the production settings (DEBUG off, SECRET_KEY from the environment, HTTPS
behind a TLS-terminating proxy: SECURE_PROXY_SSL_HEADER, the clients send X-Forwarded-Proto: https), pointed
at the benchmark's throwaway database. Staff and the tenant are signed in by Django's login() in this process
(sessions are rows in that database, so the workers read them as any login's). Per page, CLIENTS threads
each keep one HTTP/1.1 connection alive and GET the page back to back for `seconds`; the report is requests
per second and the p50 / p95 latency. The same is then run on the overview with one allocation write a second
(through the services, from this process's main thread) alongside.
"""
from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.test import Client

CLIENTS = 4
WORKERS = 2
HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parents[1]
# The pages the issue sets --http goals for (requests/s at 100,000 seats), and the goal with writes alongside.
GOALS = {"planner:overview": 150, "planner:zone_d": 150, "planner:floor": 100, "portal:home": 100}
WRITES_GOAL = 50
WRITES_PAGE = "planner:overview"


@dataclass
class HttpRecord:
    size: int
    page: str
    requests: int
    errors: int
    seconds: float
    requests_per_s: float
    p50_ms: float | None
    p95_ms: float | None
    writes: int = 0  # allocation writes made alongside

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        goal = GOALS.get(self.page) if not self.writes else WRITES_GOAL
        verdict = "" if goal is None else f"  goal >= {goal}/s {'ok' if self.requests_per_s >= goal else 'MISSED'}"
        writes = f", {self.writes} allocation writes alongside" if self.writes else ""
        return (f"{self.page:<28} {self.requests_per_s:8.1f} req/s  p50 {_ms(self.p50_ms)}  p95 {_ms(self.p95_ms)}"
                f"  ({self.requests} requests, {self.errors} errors in {self.seconds:.1f} s{writes}){verdict}")


def _ms(value) -> str:
    return f"{value:7.1f} ms" if value is not None else "      -"


def database_url(settings_dict: dict) -> str:
    """Return a DATABASE_URL (dj-database-url's form) for a connection's settings."""
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    user = quote(settings_dict.get("USER") or "")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{settings_dict['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(settings_dict: dict, log_path: str, workers: int = WORKERS):
    """Run gunicorn on a free port of 127.0.0.1 against the database of settings_dict; yield the port."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(settings_dict),
        "DEBUG": "",
        # This process's key (from the environment, as the workers' is): the sessions signed in here must verify there.
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": HOST,
        "SECURE_PROXY_SSL_HEADER": "1",
        "DJANGO_SETTINGS_MODULE": "parkops.settings",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{HOST}:{port}",
               "--access-logfile", "-", "--log-level", "warning", "parkops.wsgi:application"]
    with open(log_path, "ab") as log:
        # Production settings serve hashed static files from the manifest, as `make serve` does after collectstatic
        # (run with the workers' environment, so it writes the manifest they read): without it every page answers
        # 500, and a fresh checkout has no staticfiles/ yet.
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=REPO, env=env,
                       stdout=subprocess.DEVNULL, stderr=log, check=True)
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        _wait_ready(port, process, log_path)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(port: int, process, log_path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log_path}:\n{Path(log_path).read_text()[-2000:]}")
        try:
            status, _ = _get(http.client.HTTPConnection(HOST, port, timeout=5), "/healthz", {})
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s; see {log_path}")


def session_cookie(user) -> str:
    """Sign a user in (django.contrib.auth.login, through the test client) and return the Cookie header."""
    client = Client()
    client.force_login(user, backend="parkops.core.auth.ParkModelBackend")
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


def _get(conn: http.client.HTTPConnection, url: str, headers: dict) -> tuple[int, int]:
    conn.request("GET", url, headers=headers)
    response = conn.getresponse()
    body = response.read()
    return response.status, len(body)


def drive(port: int, url: str, cookie: str, seconds: float, clients: int = CLIENTS) -> tuple[list[float], int, float]:
    """GET url from `clients` threads, each on one keep-alive connection, for `seconds`; return the ms of each
    answered request (status 200), the number of errors and the seconds until the last answer (a request
    started before the deadline is waited for)."""
    headers = {"Cookie": cookie, "X-Forwarded-Proto": "https", "Host": HOST, "Accept-Encoding": "identity"}
    times: list[float] = []
    errors = [0]
    first_error = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine, bad = [], 0
        while time.monotonic() < deadline:
            start = time.perf_counter()
            try:
                status, _ = _get(conn, url, headers)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                bad += 1
                continue
            if status == 200:
                mine.append((time.perf_counter() - start) * 1000)
            else:
                bad += 1
                first_error[:] = first_error or [f"http {status}"]
        conn.close()
        with lock:
            times.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if first_error:
        print(f"{url}: {errors[0]} errors, the first {first_error[0]}", file=sys.stderr)
    return times, errors[0], time.monotonic() - started


def _record(size: int, page: str, times: list[float], errors: int, seconds: float, writes: int = 0) -> HttpRecord:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))] if ordered else None
    return HttpRecord(
        size=size, page=page, requests=len(times), errors=errors, seconds=seconds,
        requests_per_s=round(len(times) / seconds, 1) if seconds else 0.0, p50_ms=round(statistics.median(ordered), 1) if ordered else None,
        p95_ms=round(p95, 1) if p95 is not None else None, writes=writes,
    )


def measure_http(park, settings_dict: dict, pages: list, urls: dict, seconds: float, write, log_path: str,
                 writes_page: str = WRITES_PAGE) -> list[HttpRecord]:
    """Serve the park with gunicorn and load each page in turn; then the writes_page with one write a second.

    urls maps a page's record name to its URL (pages whose URL did not resolve are left out).
    """
    cookies = {"staff": session_cookie(park.staff), "tenant": session_cookie(park.tenant)}
    records = []
    with gunicorn(settings_dict, log_path) as port:
        for label, page in pages:
            url = urls.get(label)
            if url is None:
                continue
            cookie = cookies["tenant" if page.as_tenant else "staff"]
            drive(port, url, cookie, min(1.0, seconds))  # warm-up: both workers, their caches and connections
            times, errors, elapsed = drive(port, url, cookie, seconds)
            records.append(_record(park.size, label, times, errors, round(elapsed, 2)))
        writes_url = urls.get(writes_page)
        if writes_url:
            records.append(_with_writes(park.size, port, writes_page, writes_url, cookies["staff"], seconds, write))
    return records


def _with_writes(size, port, label, url, cookie, seconds, write) -> HttpRecord:
    """Load one page while this thread makes one allocation write a second (the clients are other threads)."""
    result = {}
    loader = threading.Thread(target=lambda: result.update(out=drive(port, url, cookie, seconds)))
    writes = 0
    started = time.monotonic()
    loader.start()
    while loader.is_alive():
        write()
        writes += 1
        loader.join(timeout=max(0.0, started + writes - time.monotonic()))
    times, errors, elapsed = result["out"]
    return _record(size, label, times, errors, round(elapsed, 2), writes=writes)
