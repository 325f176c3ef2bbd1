"""The benchmark (python -m bench) at a tiny size: the JSON it writes has one record per page and size, in the agreed
shape, and a page whose URL name does not resolve is reported as missing. Times are not asserted."""
import io
import json
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.urls import NoReverseMatch, reverse
import pytest

from bench import benchmark_sql
from bench.benchmarking import page_label
from bench.command import Command
from bench.pages import Page
from bench.synthetic_park import Park

KEYS = {"size", "page", "median_ms", "max_ms", "queries", "bytes", "floor_ms", "ratio", "status", "locked_floor_ms", "locked_ratio",
        "empty_page_ms", "empty_page_ratio", "after_write_ms", "after_write_ratio", "first_byte_ms"}
SERVICES = ["services.seats_allocate", "services.seats_release"]
ABSENT = Page("absent", "planner:no_such_page_for_the_benchmark_test", floor_sql=lambda p: ("SELECT 1", []))


def _resolves(page: Page) -> bool:
    try:
        reverse(page.url_name, args=page.args(Park(size=1, today=None, floor_id=1, building_id=1)))
    except NoReverseMatch:
        return False
    return True


@pytest.fixture(scope="module")
def bench_json(tmp_path_factory, django_db_blocker):
    """Run the command once at two tiny sizes, one run each, on benchmark_sql's pages (--pages; the whole
    catalogue is run once in test_catalogue.py) and one page that does not exist.

    Return the JSON records and the printed output. The command makes and drops its own databases, so this
    needs no test database, only leave to connect.
    """
    out, stdout = tmp_path_factory.mktemp("bench") / "bench.json", io.StringIO()
    name_before = connections["default"].settings_dict["NAME"]
    chosen = ",".join(page_label(p).replace("[", "[[]") for p in [*benchmark_sql.PAGES, ABSENT]) + ",services.*"
    with pytest.MonkeyPatch.context() as patch, django_db_blocker.unblock():
        patch.setattr(benchmark_sql, "PAGES", [*benchmark_sql.PAGES, ABSENT])
        call_command(Command(), seats="300,450", runs=1, json_path=str(out), stdout=stdout, import_rows=300,
                     pages=chosen)
    assert connections["default"].settings_dict["NAME"] == name_before
    return json.loads(out.read_text()), stdout.getvalue()


def test_one_record_per_page_and_size_with_the_agreed_keys(bench_json):
    records, _ = bench_json
    pages = [page_label(p) for p in benchmark_sql.PAGES] + [ABSENT.url_name] + SERVICES
    assert [(r["size"], r["page"]) for r in records] == [(size, page) for size in (300, 450) for page in pages]
    assert all(set(r) == KEYS for r in records)


def test_missing_pages_are_reported_and_the_rest_measured(bench_json):
    records, _ = bench_json
    resolving = {page_label(p): _resolves(p) for p in [*benchmark_sql.PAGES, ABSENT]}
    assert resolving[ABSENT.url_name] is False
    for r in records:
        if r["page"] in SERVICES or resolving[r["page"]]:
            assert r["status"] == "ok", r
            assert r["median_ms"] > 0 and r["max_ms"] >= r["median_ms"] and r["queries"] > 0
            assert r["floor_ms"] > 0 and r["ratio"] > 0
        else:
            assert r["status"] == "missing"
            assert r["median_ms"] is None and r["queries"] is None and r["ratio"] is None


def test_release_is_also_measured_against_its_floor_with_locks(bench_json):
    records, output = bench_json
    for r in records:
        if r["page"] == "services.seats_release":
            assert r["locked_floor_ms"] > 0
            assert r["locked_ratio"] == round(r["median_ms"] / r["locked_floor_ms"], 2)
        else:
            assert r["locked_floor_ms"] is None and r["locked_ratio"] is None
    assert "services.seats_release: floor with the locks" in output


def test_pages_are_also_compared_with_an_empty_page_of_the_site(bench_json):
    records, _ = bench_json
    for r in records:
        if r["status"] == "ok" and r["page"] not in SERVICES:
            assert r["empty_page_ms"] > 0 and r["empty_page_ratio"] > 0
        else:
            assert r["empty_page_ms"] is None and r["empty_page_ratio"] is None


def test_pages_report_response_bytes(bench_json):
    records, _ = bench_json
    for r in records:
        if r["status"] == "ok" and r["page"] not in SERVICES:
            assert r["bytes"] > 0, r


def test_output_has_a_table_per_size_and_a_scaling_line_per_page(bench_json):
    _, output = bench_json
    assert "== 300 seats on" in output and "== 450 seats on" in output
    assert "generated in" in output
    assert "services.seats_allocate: " in output.split("== scaling")[1]
    assert f"{ABSENT.url_name}: not measured at both sizes" in output


def test_bad_sizes_are_refused_with_the_fix():
    with pytest.raises(CommandError, match="e.g. 7000,35000,100000"):
        call_command(Command(), seats="7k", stdout=io.StringIO())


def test_output_times_the_firm_import_dry_run(bench_json):
    _, output = bench_json
    lines = [line for line in output.splitlines() if line.startswith("import.firms dry run: 300 rows in")]
    assert len(lines) == 2, output
    assert all("rows/s" in line and "ROWS REFUSED" not in line for line in lines)


def test_python_m_bench_sets_django_up_and_refuses_bad_sizes_with_the_fix():
    """`make bench` runs `python -m bench`: it sets DJANGO_SETTINGS_MODULE and django up itself."""
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "bench-test", "ALLOWED_HOSTS": "localhost"}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--seats", "7k"], cwd=Path(__file__).resolve().parents[2], env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1, done
    assert "e.g. 7000,35000,100000" in done.stderr


def test_output_compares_the_holdings_history_statement_with_simple_history(bench_json):
    """The services write bulk holdings history with their own INSERT ... SELECT; the benchmark says why."""
    _, output = bench_json
    lines = [line for line in output.splitlines() if line.startswith("history writes for ")]
    assert len(lines) == 2, output
    assert all("INSERT ... SELECT" in line and "bulk_history_create" in line and line.endswith("x)") for line in lines)
