"""The benchmark command (python -m bench): time the main pages and the allocation services on synthetic parks
of given sizes.

Each size gets its own throwaway database (a SQLite file, or a PostgreSQL database <NAME>_<size> when
DATABASE_URL is PostgreSQL), created, filled, measured and dropped. See bench.benchmarking.
It is a Django management command class that no app installs: bench/__main__.py runs it (as would
``call_command(Command(), ...)``), so the shipped settings know nothing of it.
"""
import json
import shutil
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from . import benchmark_sql
from . import benchmarking as bench
from . import history as history_scenario
from .synthetic_park import generate_park


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
        parser.add_argument("--history", type=int, default=0, metavar="MONTHS",
                            help="after the measurements, add MONTHS of monthly changes on every seat and time the "
                                 "one-day pages before and after (bench/history.py; default 0: skip)")

    def handle(self, *args, seats, runs, json_path, profile, import_rows=20000, history=0, **options):
        self.import_rows = import_rows
        self.history = history
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
            records = [bench.measure_page(page, park, clients, runs) for page in benchmark_sql.PAGES]
            records += bench.measure_services(park, runs)
            self.stdout.write(bench.format_table(records))
            for line in bench.over_floor_lines(records) + bench.locked_floor_lines(records):
                self.stdout.write(line)
            self.stdout.write(bench.measure_history_writes(runs))
            if self.import_rows:
                self.stdout.write(bench.measure_firm_import(self.import_rows))
            for page in (p for p in benchmark_sql.PAGES if p.url_name in profile):
                self.stdout.write(f"\n-- profile of {page.url_name} at {size:,} seats\n")
                self.stdout.write(bench.profile_page(page, park, clients))
            if self.history:
                self.stdout.write(history_scenario.run(park, clients, runs, self.history, conn))
        return records

    def report_scaling(self, records: list) -> None:
        lines = bench.scaling_lines(records)
        if lines:
            self.stdout.write("\n== scaling (median at the largest size / at 7,000 seats)")
            self.stdout.write("\n".join(lines))
        self.stdout.write("\n== targets (issue 7)")
        self.stdout.write("\n".join(bench.target_lines(records)))
