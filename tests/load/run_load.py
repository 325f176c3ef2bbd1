#!/usr/bin/env python
"""Load and fault test: gunicorn (2 workers) on 127.0.0.1 against its own PostgreSQL database.

    .venv/bin/python tests/load/run_load.py [--requests 3000] [--seconds 90] [--faults all]

Creates the database parkops_load (dropped afterwards unless --keep-db), migrates, builds a small
park through the services, starts gunicorn, and drives it with staff users browsing the staff
screens, tenant users browsing the portal and allocators colliding on the same seats. Faults
(--faults all): one gunicorn worker is killed at 30% of the run and PostgreSQL is restarted
(pg_ctlcluster 15 main restart) at 60%. Afterwards it checks in the database that no seat is
double-booked and that every allocation is all there or not there at all, prints the figures
and exits non-zero when a check fails. Traffic goes only to 127.0.0.1 and is bounded in count
and time. Not collected by pytest (the file name does not start with test_).
"""
from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BASE_DIR))
PASSWORD = "pw-Parkops-2026"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="HTTP request budget (default 3000)")
    parser.add_argument("--seconds", type=float, default=90, help="time limit of the load phase (default 90)")
    parser.add_argument("--port", type=int, default=8105)
    parser.add_argument("--faults", choices=("all", "worker", "none"), default="all")
    parser.add_argument("--server", default=os.environ.get("LOAD_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--database", default="parkops_load")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--pg-cluster", default="15 main", help="version and name for pg_ctlcluster")
    return parser.parse_args()


def server_env(args) -> dict:
    """The environment of a production process, except plain http on 127.0.0.1."""
    return {
        **os.environ,
        "DATABASE_URL": f"{args.server}/{args.database}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "CONN_MAX_AGE": "60",
    }


def recreate_database(args):
    import psycopg2

    conn = psycopg2.connect(f"{args.server}/postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{args.database}"')
    conn.close()


def drop_database(args):
    import psycopg2

    conn = psycopg2.connect(f"{args.server}/postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    conn.close()


def manage(env, *command):
    subprocess.run([sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env, check=True)


# --- the park ------------------------------------------------------------------------------------


def build_park() -> dict:
    """Build zone C with 10 floors of 100 seats, 20 firms holding 30 seats each, and 4 empty leases
    for the allocators; return the ids the traffic needs."""
    import datetime

    from tests import factories

    staff = [factories.staff_user(f"staff{i}") for i in range(1, 5)]
    zone = factories.ZoneFactory(code="C", name="C区")
    building = factories.BuildingFactory(zone=zone, code="C-1")
    floors = [factories.make_floor(100, building=building, level=level, cols=20) for level in range(1, 11)]
    seats = [list(floor.seats.order_by("pk")) for floor in floors]
    held = [seat for floor_seats in seats[:6] for seat in floor_seats]
    firms = [factories.FirmFactory(short_name=f"企业{i:02d}") for i in range(20)]
    for i, firm in enumerate(firms):
        factories.make_lease(firm, seats=held[i * 30 : (i + 1) * 30], by=staff[0])
    tenants = [factories.tenant_user(firm, f"tenant{i}") for i, firm in enumerate(firms[:4])]
    extra = [
        factories.make_lease(firm, start=datetime.date(2026, 1, 1), end=datetime.date(2027, 1, 1))
        for firm in firms[12:20]
    ]
    return {
        "staff": [u.username for u in staff],
        "tenants": [u.username for u in tenants],
        "floor_ids": [f.pk for f in floors],
        "hot_seat_ids": [s.pk for s in seats[9][:40]],
        "hot_seat_codes": [s.code for s in seats[9][:40]],
        "spare_seat": (floors[8].pk, seats[8][0].code),
        "alloc_lease_ids": [lease.pk for lease in extra[4:]],
        "http_lease_firms": {lease.pk: lease.firm_id for lease in extra[:4]},
    }


def http_allocation_plan(port: int, park: dict) -> dict | None:
    """Return how to allocate through the planner's floor action, or None when this build has no
    such endpoint or it does not allocate (checked with one real allocation on a spare seat)."""
    from django.urls import NoReverseMatch, reverse

    from parkops.leases.models import LeaseSeat
    from tests.load.traffic import Browser

    try:
        spare_path = reverse("planner:floor_action", args=[park["spare_seat"][0]])
        path = reverse("planner:floor_action", args=[park["floor_ids"][9]])
    except NoReverseMatch:
        print("no planner:floor_action URL: allocations go through the service only")
        return None
    browser = Browser(port, time.monotonic())
    browser.login(park["staff"][0], PASSWORD)
    lease_id, firm_id = next(iter(park["http_lease_firms"].items()))
    form = {"action": "allocate", "seats": park["spare_seat"][1], "firm": firm_id, "lease": lease_id,
            "start": "2026-02-01", "end": "2026-03-01", "on": "2026-02-01",
            "csrfmiddlewaretoken": browser.cookies.get("csrftoken", "")}
    status, _ = browser.request("POST", spare_path, form)
    if status != 302 or not LeaseSeat.objects.filter(lease_id=lease_id, seat__code=park["spare_seat"][1]).exists():
        print(f"planner:floor_action did not allocate (HTTP {status}): allocations go through the service only")
        return None
    return {"path": path, "seat_ids": park["hot_seat_ids"], "seat_codes": park["hot_seat_codes"],
            "lease_ids": list(park["http_lease_firms"]), "firm_of": park["http_lease_firms"]}


# --- which pages exist ---------------------------------------------------------------------------

SKIP_WORDS = ("logout", "export", "delete", "password", "i18n", "healthz", "login", "set_language")


def walk_routes(patterns=None, prefix=""):
    """Yield (route, name) for every route-style URL pattern (regex ones are skipped)."""
    from django.urls import URLPattern, URLResolver, get_resolver
    from django.urls.resolvers import RoutePattern

    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if not isinstance(pattern.pattern, RoutePattern):
            continue
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.name or ""


def candidate_paths(park: dict) -> dict[str, list[str]]:
    """Return the GET pages to try for staff and for tenants: every page without parameters
    under the staff and portal apps, floor pages with a floor id, and a few admin lists."""
    import re

    staff, tenant = ["/", "/admin/", "/admin/zones/seat/", "/admin/leases/lease/", "/admin/leases/leaseseat/"], ["/"]
    floor = park["floor_ids"][len(park["floor_ids"]) // 2]
    for route, name in walk_routes():
        if route.startswith("admin/") or any(word in route + name for word in SKIP_WORDS):
            continue
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if params and not (len(params) == 1 and "floor" in route + name):
            continue
        path = "/" + re.sub(r"<[^>]+>", str(floor), route)
        (tenant if route.startswith("portal/") else staff).append(path)
    tenant.append("/accounts/password/")
    return {"staff": sorted(set(staff)), "tenant": sorted(set(tenant))}


def discover(port: int, started: float, park: dict) -> dict[str, list[str]]:
    """Keep the candidate pages that answer 200 to a logged-in user of that role."""
    from tests.load.traffic import Browser

    found = {}
    for role, user in (("staff", park["staff"][0]), ("tenant", park["tenants"][0])):
        browser = Browser(port, started)
        if not browser.login(user, PASSWORD):
            raise SystemExit(f"could not log in as {user}: check the server log")
        found[role] = [path for path in candidate_paths(park)[role] if browser.timed_get(role, path).status == 200]
        unloaded = [browser.timed_get(role, path).seconds for path in found[role] for _ in range(5)]
        print(f"unloaded {role} pages, one request at a time: p50 {sorted(unloaded)[len(unloaded) // 2] * 1000:.0f} ms")
    return found


# --- gunicorn and the faults ---------------------------------------------------------------------


def start_gunicorn(env, port: int, log: Path) -> subprocess.Popen:
    command = [
        str(BASE_DIR / ".venv/bin/gunicorn"), "parkops.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
        "--timeout", "30", "--graceful-timeout", "5", "--error-logfile", str(log),
        "--no-control-socket",
    ]
    return subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def workers(master: subprocess.Popen) -> list[int]:
    path = Path(f"/proc/{master.pid}/task/{master.pid}/children")
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def wait_healthy(port: int, seconds: float = 30) -> bool:
    from tests.load.traffic import Browser

    browser, end = Browser(port, time.monotonic()), time.monotonic() + seconds
    while time.monotonic() < end:
        if browser.timed_get("probe", "/healthz").status == 200:
            return True
        time.sleep(0.3)
    return False


def fault_plan(args, master, budget, events: list):
    """Kill one worker at 30% of the run; restart PostgreSQL at 60%."""
    plan = [(0.3, kill_worker)] if args.faults in ("all", "worker") else []
    if args.faults == "all":
        plan.append((0.6, restart_postgres))
    for at, fault in plan:
        while budget.progress() < at and not budget.over():
            time.sleep(0.1)
        if budget.over():
            return
        fault(args, master, budget, events)


def kill_worker(args, master, budget, events: list):
    """SIGKILL one of gunicorn's workers (the master should start another)."""
    victim = workers(master)[0]
    os.kill(victim, signal.SIGKILL)
    events.append({"fault": "kill_worker", "t": budget.elapsed(), "pid": victim})
    threading.Thread(target=watch_respawn, args=(master, victim, budget, events), daemon=True).start()


def restart_postgres(args, master, budget, events: list):
    """Restart the local PostgreSQL cluster (fast shutdown: every connection is cut)."""
    t0 = budget.elapsed()
    version, cluster = args.pg_cluster.split()
    done = subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart"], capture_output=True, text=True
    )
    events.append(
        {"fault": "restart_postgres", "t": t0, "t_end": budget.elapsed(), "rc": done.returncode, "stderr": done.stderr.strip()[-200:]}
    )


def watch_respawn(master, victim: int, budget, events: list):
    t0 = budget.elapsed()
    while budget.elapsed() - t0 < 30:
        pids = workers(master)
        if len(pids) == 2 and victim not in pids:
            events.append({"fault": "worker_respawned", "t": budget.elapsed(), "after": budget.elapsed() - t0})
            return
        time.sleep(0.1)


# --- the run -------------------------------------------------------------------------------------


def logged_in(args, users) -> list:
    from tests.load.traffic import Browser

    browsers = []
    for user in users:
        browser = Browser(args.port, time.monotonic())
        if not browser.login(user, PASSWORD):
            raise SystemExit(f"could not log in as {user}")
        browsers.append(browser)
    return browsers


def run_load(args, master, park, pages, plan) -> tuple:
    """Run 4 staff and 3 tenant browsers, 2 staff allocating through the planner (when it can),
    a health probe, the faults and, in another process, 3 allocator threads; return
    the recorder, the fault events and the seconds the run took."""
    import multiprocessing

    from tests.load.report import pg_deadlocks
    from tests.load.traffic import Browser, Budget, Recorder, allocator_process, health_monitor, http_allocator, http_user

    staff, tenants = logged_in(args, park["staff"]), logged_in(args, park["tenants"][:3])
    allocating = logged_in(args, park["staff"][:2]) if plan else []
    probe = Browser(args.port, time.monotonic())
    budget, recorder, events = Budget(args.requests, args.seconds), Recorder(), []
    for browser in (*staff, *tenants, *allocating, probe):
        browser.started = budget.started
    workers_ = [threading.Thread(target=http_user, args=("staff", b, pages["staff"], budget, recorder)) for b in staff]
    workers_ += [threading.Thread(target=http_user, args=("tenant", b, pages["tenant"], budget, recorder)) for b in tenants]
    workers_ += [
        threading.Thread(target=http_allocator, args=(b, plan, budget, recorder, i)) for i, b in enumerate(allocating)
    ]
    workers_.append(threading.Thread(target=health_monitor, args=(probe, budget, recorder)))
    faults = threading.Thread(target=fault_plan, args=(args, master, budget, events), daemon=True)
    spawn = multiprocessing.get_context("spawn")
    stop, results = spawn.Event(), spawn.Queue()
    epoch = time.time() - (time.monotonic() - budget.started)
    allocators = spawn.Process(
        target=allocator_process, args=(park["alloc_lease_ids"], park["hot_seat_ids"], args.seconds, stop, results, epoch)
    )
    deadlocks_before = pg_deadlocks()
    allocators.start()
    for thread in (*workers_, faults):
        thread.start()
    for thread in workers_:
        thread.join()
    budget.stop.set()
    stop.set()
    recorder.attempts = results.get(timeout=120)
    allocators.join(30)
    faults.join(60)
    recorder.deadlocks = pg_deadlocks() - deadlocks_before
    return recorder, events, budget.elapsed()


def main():
    args = parse_args()
    env = server_env(args)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CONN_MAX_AGE")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "parkops.settings"
    print(f"database {args.database}: recreate, migrate, collectstatic", flush=True)
    recreate_database(args)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    import django

    django.setup()
    from tests.load import report

    park = build_park()
    log = Path(f"/tmp/parkops_load_gunicorn_{args.port}.log")
    master = start_gunicorn(env, args.port, log)
    try:
        if not wait_healthy(args.port):
            raise SystemExit(f"gunicorn did not become healthy; see {log}")
        pages = discover(args.port, time.monotonic(), park)
        print("pages staff:", " ".join(pages["staff"]), "\npages tenant:", " ".join(pages["tenant"]), flush=True)
        plan = http_allocation_plan(args.port, park)
        max_before = report.max_leaseseat_id()
        print(f"load average before the run: {os.getloadavg()}", flush=True)
        recorder, events, elapsed = run_load(args, master, park, pages, plan)
        print(f"load average after the run: {os.getloadavg()}", flush=True)
        recovered = wait_healthy(args.port, 30)
    finally:
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(15)
        except subprocess.TimeoutExpired:
            master.kill()
    from django.db import close_old_connections, connection

    close_old_connections()
    connection.close()
    ok = report.print_report(args, recorder, events, elapsed, max_before, recovered)
    if not args.keep_db:
        connection.close()
        drop_database(args)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
