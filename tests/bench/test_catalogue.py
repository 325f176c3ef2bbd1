"""The benchmark's catalogue (bench/catalogue.py) covers every page of the site, and each of its pages answers
and is measured at a tiny size; the --http mode starts gunicorn, loads a page, reports and stops. Times are not
asserted."""
import io
import json

from django.core.management import call_command
from django.db import connections
from django.urls import URLPattern, URLResolver, get_resolver
import pytest

from bench import catalogue, http_load
from bench.benchmarking import page_label
from bench.command import Command


def _url_names(patterns, namespace: str = "") -> set[str]:
    names = set()
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= _url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names


SITE_NAMES = _url_names(get_resolver("parkops.urls").url_patterns)


def test_every_url_name_of_the_site_is_benchmarked_or_excluded_with_a_reason():
    measured = {p.url_name for p in catalogue.pages()}
    excluded_ns = {n for n in SITE_NAMES if n.split(":")[0] in catalogue.EXCLUDED_NAMESPACES and ":" in n}
    escaped = SITE_NAMES - measured - set(catalogue.EXCLUDED) - excluded_ns
    assert not escaped, f"add these pages to bench/catalogue.py, or to its EXCLUDED with a reason: {sorted(escaped)}"
    assert all(reason.strip() for reason in catalogue.EXCLUDED.values())


def test_the_lists_name_only_real_url_names_and_none_twice():
    """A stale entry would hide a renamed page; a page both measured and excluded says two things."""
    measured = {p.url_name for p in catalogue.pages()}
    assert measured <= SITE_NAMES
    assert set(catalogue.EXCLUDED) <= SITE_NAMES
    assert not measured & set(catalogue.EXCLUDED)
    labels = [page_label(p) for p in catalogue.pages()]
    assert len(labels) == len(set(labels))


def test_the_issue_pages_are_all_there():
    labels = {page_label(p) for p in catalogue.pages()}
    for group in ("zone", "building", "floor", "firm", "line"):
        assert f"reports:occupancy[{group} csv]" in labels and f"reports:occupancy[{group} xlsx]" in labels
    for name in ("home", "planner:overview", "planner:floor", "planner:building_stack", "planner:zone_d",
                 "reports:trends", "reports:expiry", "reports:forecast", "reports:occupancy[firm]", "portal:home"):
        assert name in labels
    for register in ("seat_list", "firm_list", "lease_list", "headcount_list", "seat_request_list"):
        assert f"registers:{register}[xlsx]" in labels


@pytest.fixture(scope="module")
def catalogue_run(tmp_path_factory, django_db_blocker):
    """Every page of the catalogue at one tiny size, one run each (no services, no import), with --http on one
    page for half a second. Returns the page records, the http records and the output."""
    folder = tmp_path_factory.mktemp("bench")
    out, http_out, stdout = folder / "bench.json", folder / "http.json", io.StringIO()
    name_before = connections["default"].settings_dict["NAME"]
    with django_db_blocker.unblock():
        call_command(Command(), seats="300", runs=1, json_path=str(out), stdout=stdout, import_rows=0,
                     pages="home,planner:*,registers:*,reports:*,portal:*,firms:*", http=True, http_seconds=0.5,
                     http_pages="portal:home", http_json=str(http_out))
    assert connections["default"].settings_dict["NAME"] == name_before
    return json.loads(out.read_text()), json.loads(http_out.read_text()), stdout.getvalue()


def test_every_page_answers_and_is_measured_against_its_floor(catalogue_run):
    records, _, _ = catalogue_run
    by_name = {r["page"]: r for r in records}
    assert set(by_name) == {page_label(p) for p in catalogue.pages()}
    for r in records:
        assert r["status"] == "ok", r
        assert r["median_ms"] > 0 and r["floor_ms"] > 0 and r["queries"] > 0, r


def test_park_wide_pages_are_also_timed_after_a_write_and_exports_to_their_first_byte(catalogue_run):
    records, _, _ = catalogue_run
    pages = {page_label(p): p for p in catalogue.pages()}
    for r in records:
        page = pages[r["page"]]
        assert (r["after_write_ms"] is not None) == page.park_wide, r
        assert (r["first_byte_ms"] is not None) == bool(page.export), r
        if page.park_wide:
            assert r["after_write_ratio"] == round(r["after_write_ms"] / r["floor_ms"], 2)
    assert {"planner:overview", "planner:zone_d", "reports:trends", "home"} <= {
        r["page"] for r in records if r["after_write_ms"]}


def test_http_mode_serves_the_page_under_gunicorn_and_reports_rates(catalogue_run):
    _, http_records, output = catalogue_run
    assert [(r["page"], bool(r["writes"])) for r in http_records] == [("portal:home", False), ("planner:overview", True)]
    for r in http_records:
        assert r["requests"] > 0 and r["errors"] == 0, r
        assert r["requests_per_s"] > 0 and r["p95_ms"] >= r["p50_ms"] > 0
    assert "-- http: gunicorn (2 workers) on 127.0.0.1" in output
    assert "allocation writes alongside" in output


def test_gunicorn_is_given_the_databases_url():
    assert http_load.database_url({"ENGINE": "django.db.backends.sqlite3", "NAME": "/tmp/x.sqlite3"}) == "sqlite:////tmp/x.sqlite3"
    pg = {"ENGINE": "django.db.backends.postgresql", "NAME": "parkops_7000", "USER": "postgres", "PASSWORD": "p@ss",
          "HOST": "127.0.0.1", "PORT": 5432}
    assert http_load.database_url(pg) == "postgres://postgres:p%40ss@127.0.0.1:5432/parkops_7000"
