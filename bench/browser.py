"""python -m bench.browser [--seats 5000] [--select 500] [--runs 5] [--json FILE]

Click-to-screen time of the floor planner in a real browser (not a timed test; issue 21, item 5). Builds a
throwaway park (a SQLite file in a temporary folder, or the empty database --database-url names)
with one floor of --seats seats, 40 % of it leased to eight firms, serves it from a thread, opens the planner in
headless chromium (playwright, /usr/bin/chromium), selects --select free seats (a click and a shift-click), and
for each run allocates them to a firm and then releases them. Each time is measured in the page from the
submit button's click until every changed cell shows its new state (leased, then free) in an animation frame:
the server's work, the transfer and the browser's swap together. Prints the median and the worst per action.

The same run as `python -m bench --browser ...` (bench.__main__ hands over to main() before setting Django up).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import threading

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench-Parkops-2026"
FIRMS = 8

# Runs in the page: click submit, then poll each animation frame until the first and last selected cells show
# `state`; resolves with the milliseconds from the click to that frame, from the click to the response's last byte
# (the request's resource timing), and the bytes transferred.
MEASURE_JS = """
([first, last, state]) => new Promise((resolve, reject) => {
  const cell = code => document.querySelector(`#pl-grid i[data-seat-code="${code}"]`);
  const button = document.querySelector("#pl-action button[type=submit]");
  const started = performance.now();
  const marks = {};
  ["htmx:beforeSwap", "htmx:afterSwap"].forEach(name => document.body.addEventListener(name, () => { marks[name] = performance.now() - started; }, { once: true }));
  button.click();
  const check = () => {
    const a = cell(first), b = cell(last);
    if (a && b && a.dataset.state === state && b.dataset.state === state) {
      const done = performance.now();
      const post = performance.getEntriesByType("resource").filter(e => e.name.includes("/action/")).pop();
      console.log(JSON.stringify(marks));
      resolve([done - started, post ? post.responseEnd - started : null, post ? post.transferSize : null]);
    }
    else if (performance.now() - started > 30000) reject(new Error("cells did not change within 30 s"));
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})
"""


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__.split("\n\n")[1])
    parser.add_argument("--seats", type=int, default=5000, help="seats on the floor (default 5000)")
    parser.add_argument("--select", type=int, default=500, help="seats selected and allocated, then released (default 500)")
    parser.add_argument("--runs", type=int, default=5, help="allocate/release rounds, each on a new block of free seats (default 5)")
    parser.add_argument("--json", dest="json_path", help="write the times to this JSON file")
    parser.add_argument("--database-url", dest="database_url",
                        help="a throwaway database to build the park in (default: a SQLite file in a temporary folder; "
                             "DATABASE_URL is not read, so the benchmark never writes into the configured database)")
    args = parser.parse_args(argv)
    free = args.seats - int(args.seats * 0.4)
    if args.select * args.runs > free:
        parser.error(f"--select × --runs ({args.select * args.runs}) is more than the floor's {free} free seats")
    return args


def setup_django(workdir: str, database_url: str | None = None) -> None:
    """Configure Django on a fresh database: DEBUG on only while settings load (static files from the finders,
    plain http), off while measuring."""
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{os.path.join(workdir, 'browser.sqlite3')}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkops.settings")
    os.environ["DEBUG"] = "1"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    settings.DEBUG = False


def build_floor(n_seats: int):
    """Return (floor, firm to allocate to, staff user name, today): one floor of n seats on a 50-column grid, the
    first 40 % leased to eight firms through the services."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from parkops.core.access import PARK_STAFF
    from parkops.firms.models import Firm
    from parkops.leases import services
    from parkops.zones.models import Building, Floor, Seat, Zone

    today = timezone.localdate()
    with transaction.atomic():
        zone = Zone.objects.create(code="C", name="C区", declared_seats=n_seats, gross_area_m2=20000)
        building = Building.objects.create(zone=zone, code="C-9", name="C-9栋")
        cols = 50
        floor = Floor.objects.create(building=building, level=3, grid_rows=-(-n_seats // cols), grid_cols=cols)
        Seat.objects.bulk_create(
            Seat(floor=floor, code=f"C-9-3F-{i + 1:05d}", row=i // cols, col=i % cols, available_from=datetime.date(2020, 1, 1))
            for i in range(n_seats)
        )
        seats = list(floor.seats.order_by("row", "col"))
        leased = int(n_seats * 0.4)
        block = leased // FIRMS
        firms = [Firm.objects.create(name=f"基准企业{i}有限公司", short_name=f"基准企业{i}") for i in range(FIRMS + 1)]
        for i, firm in enumerate(firms[:FIRMS]):
            services.lease_create(firm=firm, start=today - datetime.timedelta(days=90), end=today + datetime.timedelta(days=600),
                                  seats=seats[i * block:(i + 1) * block], by=None)
        user = get_user_model().objects.create_user("bench-staff", password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=PARK_STAFF))
    return floor, firms[-1], seats, leased, today


def serve():
    """Start a threaded WSGI server (static files included) on a free port; return (url, server)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(StaticFilesHandler(WSGIHandler()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def measure(url: str, floor, firm, seats, leased: int, today, select: int, runs: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the server thread's ORM calls beside playwright's loop
    times = {f"{a}{part}": [] for a in ("allocate", "release") for part in ("", " response", " bytes")}
    page_url = f"{url}/planner/floor/{floor.pk}/?on={today.isoformat()}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900}).new_page()
        page.set_default_timeout(60000)
        if os.environ.get("BENCH_BROWSER_CONSOLE"):
            page.on("console", lambda m: print("   console:", m.text))
        page.goto(f"{url}/accounts/login/")
        page.fill("input[name=username]", "bench-staff")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(page_url)
        for run in range(runs):
            block = seats[leased + run * select: leased + (run + 1) * select]
            first, last = block[0].code, block[-1].code
            # Allocate: a click and a shift-click select the block; a new lease for the firm from 30 days back.
            _select(page, first, last, select)
            page.check("input[name=action][value=allocate]")
            page.evaluate("([id, name]) => { const f = document.getElementById('pl-action'); f.elements.firm.value = id;"
                          " f.elements.firm_q.value = name; }", [str(firm.pk), firm.short_name])
            page.fill("input[name=start]", (today - datetime.timedelta(days=30)).isoformat())
            page.fill("input[name=end]", (today + datetime.timedelta(days=365)).isoformat())
            _record(times, "allocate", page.evaluate(MEASURE_JS, [first, last, "leased"]))
            page.wait_for_load_state("networkidle")
            # Release the same block from today: free on the day the planner shows.
            _select(page, first, last, select)
            page.check("input[name=action][value=release]")
            page.fill("input[name=release_on]", today.isoformat())
            _record(times, "release", page.evaluate(MEASURE_JS, [first, last, "free"]))
            page.wait_for_load_state("networkidle")
            print(f"run {run + 1}: " + ", ".join(
                f"{a} {times[a][-1]:.0f} ms (response {times[a + ' response'][-1]:.0f} ms, {times[a + ' bytes'][-1]:,} bytes)"
                for a in ("allocate", "release")), flush=True)
        browser.close()
    return times


def _record(times: dict, action: str, measured: list) -> None:
    screen, response, size = measured
    times[action].append(screen)
    times[f"{action} response"].append(response or 0)
    times[f"{action} bytes"].append(size or 0)


def _select(page, first: str, last: str, n: int) -> None:
    page.click(f'#pl-grid i[data-seat-code="{first}"]')
    page.click(f'#pl-grid i[data-seat-code="{last}"]', modifiers=["Shift"])
    count = page.text_content("#pl-count")
    if count != str(n):
        raise SystemExit(f"selected {count} seats, expected {n}")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"needs chromium at {CHROMIUM} (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="parkops_browser_") as workdir:
        setup_django(workdir, args.database_url)
        floor, firm, seats, leased, today = build_floor(args.seats)
        url, server = serve()
        try:
            times = measure(url, floor, firm, seats, leased, today, args.select, args.runs)
        finally:
            server.shutdown()
    print(f"\n== click to screen, {args.select} of {args.seats:,} seats, {args.runs} runs (target ≤ 200 ms)")
    for action in ("allocate", "release"):
        values, response = times[action], times[f"{action} response"]
        print(f"{action:9} median {statistics.median(values):6.0f} ms   max {max(values):6.0f} ms   "
              f"(of which until the response's last byte: median {statistics.median(response):.0f} ms; "
              f"{statistics.median(times[action + ' bytes']):,.0f} bytes transferred)")
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as out:
            json.dump({"seats": args.seats, "select": args.select, **times}, out, indent=2)


if __name__ == "__main__":
    main()
