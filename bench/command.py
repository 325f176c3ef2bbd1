"""The benchmark command (python -m bench): time the main pages and the allocation services on synthetic parks
of given sizes.

Each size gets its own throwaway database (a SQLite file, or a PostgreSQL database <NAME>_<size> when
DATABASE_URL is PostgreSQL), created, filled, measured and dropped. See bench.benchmarking.
It is a Django management command class that no app installs: bench/__main__.py runs it (as would
``call_command(Command(), ...)``), so the shipped settings know nothing of it.
"""
import fnmatch
import json
import shutil
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from . import catalogue, http_load
from . import benchmarking as bench
from . import history as history_scenario
from .synthetic_park import generate_park


HTTP_PAGES = ("planner:overview", "planner:zone_d", "planner:floor", "portal:home", "reports:occupancy")


def parse_sizes(value: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in value.split(",") if part.strip()]
    except ValueError:
        raise CommandError(f"--seats takes sizes separated by commas, e.g. 7000,35000,100000 (got {value!r}).")
    if not sizes or min(sizes) < 1:
        raise CommandError(f"--seats needs at least one positive size (got {value!r}).")
    return sizes


class Command(BaseCommand):
    help = "Build synthetic parks in throwaway databases and time the main pages and services against their floor."

    def add_arguments(self, parser):
        parser.add_argument("--seats", default="7000", help="park sizes, comma separated (default 7000)")
        parser.add_argument("--runs", type=int, default=7, help="timed runs per page after a warm-up (default 7)")
        parser.add_argument("--import-rows", dest="import_rows", type=int, default=20000,
                            help="rows of the firm CSV whose import dry run is timed at each size (default 20000; 0 skips)")
        parser.add_argument("--json", dest="json_path", help="write the records to this JSON file")
        parser.add_argument("--profile", action="append", default=[], metavar="URL_NAME",
                            help="also print cProfile's top functions for this page (repeatable)")
        parser.add_argument("--pages", default="",
                            help="measure only the pages whose record name matches one of these comma-separated "
                                 "patterns (fnmatch, e.g. 'planner:*,portal:home'); default every page")
        parser.add_argument("--http", action="store_true",
                            help="also serve each park with gunicorn (2 workers) on 127.0.0.1 and report requests/s and "
                                 "p50/p95 per page under 4 keep-alive clients, and the overview's with a write a second")
        parser.add_argument("--http-seconds", dest="http_seconds", type=float, default=5.0,
                            help="seconds of load per page in --http mode (default 5)")
        parser.add_argument("--http-pages", dest="http_pages", default=",".join(HTTP_PAGES),
                            help=f"pages loaded in --http mode, comma-separated patterns (default {','.join(HTTP_PAGES)})")
        parser.add_argument("--http-json", dest="http_json", help="write the --http records to this JSON file")
        parser.add_argument("--history", type=int, default=0, metavar="MONTHS",
                            help="after the measurements, add MONTHS of monthly changes on every seat and time the "
                                 "one-day pages before and after (bench/history.py; default 0: skip)")

    def handle(self, *args, seats, runs, json_path, profile, import_rows=20000, pages="", http=False,
               http_seconds=5.0, http_pages=None, http_json=None, history=0, **options):
        self.import_rows = import_rows
        self.history = history
        self.http, self.http_seconds, self.http_json = http, http_seconds, http_json
        self.http_patterns = [p.strip() for p in (http_pages or ",".join(HTTP_PAGES)).split(",") if p.strip()]
        self.http_records = []
        self.patterns = [p.strip() for p in pages.split(",") if p.strip()]
        sizes = parse_sizes(seats)
        if runs < 1:
            raise CommandError("--runs must be at least 1.")
        if settings.DEBUG:
            self.stdout.write("DEBUG is on in the settings: measuring with DEBUG forced off.")
        records = []
        workdir = bench.new_workdir()
        measuring = override_settings(
            DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], ROOT_URLCONF="bench.urls"
        )
        try:
            with measuring:
                for size in sizes:
                    records += self.measure_size(size, runs, workdir, profile)
                    # After each size, so that a long run cut short keeps what it measured.
                    self.write_json(json_path, records)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        self.report_scaling(records)
        if json_path:
            self.stdout.write(f"Wrote {len(records)} records to {json_path}")

    def write_json(self, json_path: str | None, records: list) -> None:
        if json_path:
            with open(json_path, "w", encoding="utf-8") as out:
                json.dump([r.as_dict() for r in records], out, indent=2)

    def measure_size(self, size: int, runs: int, workdir: str, profile: list[str]) -> list:
        with bench.throwaway_database(size, workdir) as conn:
            started = time.perf_counter()
            with transaction.atomic():
                park = generate_park(size, today=timezone.localdate())
            bench.analyze(conn)
            self.stdout.write(
                f"\n== {size:,} seats on {bench.describe_database(conn)}: generated in "
                f"{time.perf_counter() - started:.1f} s ({', '.join(f'{k} {v:,}' for k, v in park.counts.items())})"
                f"\n   seconds per step: {', '.join(f'{k} {v}' for k, v in park.timings.items())}"
            )
            clients = bench.make_clients(park)
            trivial = bench.trivial_ms(clients["staff"], runs)
            self.stdout.write(f"trivial view through the middleware: {trivial:.2f} ms; {runs} timed runs per row")
            bench.prepare_park(park)
            write = bench.allocation_writer(park)
            measured = self.selected_pages()
            records = [bench.measure_page(page, park, clients, runs, write) for page in measured]
            if any(self.selected(name) for name in bench.SERVICE_NAMES):
                records += bench.measure_services(park, runs)
            self.stdout.write(bench.format_table(records))
            for line in bench.over_floor_lines(records) + bench.locked_floor_lines(records):
                self.stdout.write(line)
            self.stdout.write(bench.measure_history_writes(runs))
            if self.import_rows:
                self.stdout.write(bench.measure_firm_import(self.import_rows))
            for page in (p for p in catalogue.pages() if p.url_name in profile or bench.page_label(p) in profile):
                self.stdout.write(f"\n-- profile of {page.url_name} at {size:,} seats\n")
                self.stdout.write(bench.profile_page(page, park, clients))
            if self.http:
                self.measure_http(park, conn, workdir, write)
            if self.history:
                self.stdout.write(history_scenario.run(park, clients, runs, self.history, conn))
        return records

    def measure_http(self, park, conn, workdir: str, write) -> None:
        pages = [(bench.page_label(p), p) for p in catalogue.pages()
                 if any(fnmatch.fnmatchcase(bench.page_label(p), pat) for pat in self.http_patterns)]
        urls = {label: bench.page_url(page, park) for label, page in pages}
        urls[http_load.WRITES_PAGE] = urls.get(http_load.WRITES_PAGE) or bench.page_url(
            next(p for p in catalogue.pages() if p.url_name == http_load.WRITES_PAGE), park)
        log = f"{workdir}/gunicorn_{park.size}.log"
        self.stdout.write(
            f"\n-- http: gunicorn ({http_load.WORKERS} workers) on {http_load.HOST}, {http_load.CLIENTS} keep-alive "
            f"clients, {self.http_seconds:g} s per page, {park.size:,} seats")
        records = http_load.measure_http(park, conn.settings_dict, pages, urls, self.http_seconds, write, log)
        for record in records:
            self.stdout.write(record.line())
        self.http_records += records
        if self.http_json:
            with open(self.http_json, "w", encoding="utf-8") as out:
                json.dump([r.as_dict() for r in self.http_records], out, indent=2)

    def selected(self, name: str) -> bool:
        return not self.patterns or any(fnmatch.fnmatchcase(name, p) for p in self.patterns)

    def selected_pages(self) -> list:
        return [page for page in catalogue.pages() if self.selected(bench.page_label(page))]

    def report_scaling(self, records: list) -> None:
        lines = bench.scaling_lines(records)
        if lines:
            self.stdout.write("\n== scaling (median at the largest size / at 7,000 seats)")
            self.stdout.write("\n".join(lines))
        self.stdout.write("\n== targets (issues 7 and 21)")
        self.stdout.write("\n".join(bench.target_lines(records)))
