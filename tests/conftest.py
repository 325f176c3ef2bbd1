"""Shared fixtures: roles, a small floor, the real park served to a browser, and the switches that turn PostgreSQL-only and
browser-only skips into failures in CI."""
import datetime
import io
import os
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import pytest_django.fixtures as _pytest_django_fixtures
from django.conf import settings
from django.db import connection
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.test.utils import override_settings
from django.utils import timezone, translation

from tests import factories


# Modules whose tests share a module-scoped fixture (the real park served to a browser, a loaded park, a benchmark
# run): under pytest-xdist (make test: -n auto --dist loadgroup) each runs whole on one worker, so that fixture is
# built once and its tests see one another's steps. Every other test goes to whichever worker is free.
KEEP_TOGETHER = {
    "tests/bench/test_benchmark.py",
    "tests/bench/test_catalogue.py",
    "tests/seed/test_load_park.py",
    "tests/planner/test_browser.py",
    "tests/planner/test_staff_day.py",
}


# The longest units of work, handed out first so that no worker starts one of them while the other has run dry
# (measured with --durations: each takes 10 s or more of one worker); the rest follow in collection order.
SLOW_FIRST = (
    "tests/planner/test_browser.py",
    "tests/core/test_hostile_input.py",
    "tests/core/test_csp_browser.py",
    "tests/portal/test_isolation.py",
    "tests/planner/test_staff_day.py",
    "tests/bench/test_benchmark.py",
    "tests/bench/test_catalogue.py",
    "tests/seed/test_load_park.py",
    "tests/planner/test_queries.py",
    "tests/portal/test_browser.py",
    "tests/reports/test_views.py",
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Refuse a module that uses a module-scoped fixture but is missing from KEEP_TOGETHER (its tests would be
    spread over workers, each building the fixture again and missing the others' steps).

    Then put the SLOW_FIRST modules first, in that order, each module's tests in their own order (a stable sort);
    the xdist scheduler (loadscopereorder) sorts units by their number of tests, and ties keep this order. Tests
    do not depend on their order: a flush puts the role groups back (role_groups_after_flush)."""
    rank = {module: i for i, module in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        defs = info.name2fixturedefs.values() if info else ()
        module = item.nodeid.split("::", 1)[0]
        if module not in KEEP_TOGETHER and any(d[-1].scope == "module" for d in defs if d):
            raise pytest.UsageError(f"{module} uses a module-scoped fixture: add it to KEEP_TOGETHER in tests/conftest.py")


@receiver(post_migrate, dispatch_uid="tests.role_groups_after_flush")
def role_groups_after_flush(sender, **kwargs):
    """Put the role groups back whenever the database is flushed, as the data migrations made them.

    A transactional test (live_server, django_db(transaction=True)) ends with Django's flush, which empties every
    table, the groups made by parkops.core's data migrations included, and then sends post_migrate for each app.
    Without this, a later test on the same worker that needs the groups (staff users, group permissions) would
    pass or fail by the order xdist hands tests out. The groups need every app's permissions, so this runs on the
    last app's signal (after auth's own receiver has recreated the permissions).
    """
    from django.apps import apps

    if kwargs.get("plan") is not None:
        return  # migrate (building the test database): the data migrations themselves must make the groups
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender is last:
        factories.create_role_groups()


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` with KEEP_TOGETHER as the groups: each of those modules is one unit of work, every other
    test a unit of its own. (pytest-xdist's own loadgroup renames items to group them, which pytest 9 ignores.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            module = nodeid.split("::", 1)[0]
            return module if module in KEEP_TOGETHER else nodeid

    return ModuleFixtureScheduling(config, log)


@pytest.fixture(autouse=True)
def default_language():
    """Start each test in the site's default language (zh-hans), whichever test ran before it on this worker: a
    request through the test client leaves the language it picked active in the thread (LocaleMiddleware activates
    one and never deactivates it)."""
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def postgres_only(db):
    """Skip on SQLite, or fail when PARKOPS_REQUIRE_POSTGRES=1 (CI's PostgreSQL run)."""
    if connection.vendor != "postgresql":
        if os.environ.get("PARKOPS_REQUIRE_POSTGRES") == "1":
            pytest.fail("PARKOPS_REQUIRE_POSTGRES=1 but the test database is not PostgreSQL")
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://... to run it")


class StayLoggedIn:
    """Keep a test client logged in as one user (or anonymous: None) through a sweep of many requests.

    It logs in once with force_login. After each request it looks into the session (a database query) only when the
    session cookie changed, which is what logging out, a password change or a failed session check all do (each
    flushes or cycles the session), and logs back in if the session lost the user.
    """

    def __init__(self, client, user):
        self.client, self.user = client, user
        self.login()

    def _cookie(self):
        cookie = self.client.cookies.get(settings.SESSION_COOKIE_NAME)
        return cookie.value if cookie else None

    def login(self):
        if self.user is not None:
            self.client.force_login(self.user)
        self.key = self._cookie()

    def check(self):
        """Call after each request: log back in if that request ended the session."""
        if self.user is None or self._cookie() == self.key:
            return
        if "_auth_user_id" not in self.client.session:
            self.login()
        else:
            self.key = self._cookie()


@pytest.fixture
def staff(db):
    return factories.staff_user("staff")


@pytest.fixture
def bureau_admin(db):
    return factories.staff_user("bureau", bureau=True)


@pytest.fixture
def floor(db):
    """A floor of 40 seats in zone C."""
    return factories.zone_c_floor()


@pytest.fixture
def firm(db):
    return factories.pingan()


@pytest.fixture
def other_firm(db):
    return factories.majorel()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium_page():
    """Yield a Playwright page in Debian's headless chromium (zh-CN, 1400×900).

    Skips without chromium, or fails when PARKOPS_REQUIRE_BROWSER=1 (CI installs chromium).
    """
    if not os.path.exists(CHROMIUM):
        if os.environ.get("PARKOPS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"PARKOPS_REQUIRE_BROWSER=1 but {CHROMIUM} is missing: apt-get install chromium")
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


@pytest.fixture
def browser_page(live_server):
    """A Playwright page in Debian's headless chromium, against pytest-django's live_server.

    Skips without chromium, or fails when PARKOPS_REQUIRE_BROWSER=1 (CI installs chromium).
    Use page.goto(live_server.url + path).
    """
    with chromium_page() as page:
        yield page


# --- the real park, for browser tests -------------------------------------------------------------


@dataclass
class RealPark:
    """The real park (manage.py load_park + demo_users, as `make demo`), served by a live server.

    `url` is the server's address; `today` the day it was loaded (its relative dates count from it).
    Demo logins: the `*_PASSWORD`s of parkops.seed.management.commands.demo_users.
    """

    url: str
    today: datetime.date


def _real_park_needs_the_test_database(original):
    """pytest-django creates the test database only for tests that ask for `db`, `transactional_db`, `live_server`
    or carry a django_db mark; a session of real-park tests alone asks for none (they must not flush after each
    test), so count `real_park` as asking for the default database too."""

    def databases_for_test(test):
        databases, serialized = original(test)
        if "real_park" in getattr(test, "fixturenames", ()) and "default" not in databases:
            return ("default", *databases), serialized
        return databases, serialized

    return databases_for_test


_pytest_django_fixtures._get_databases_for_test = _real_park_needs_the_test_database(
    _pytest_django_fixtures._get_databases_for_test
)


@pytest.fixture(scope="module")
def real_park(django_db_setup, django_db_blocker):
    """Load the real park once for a test module and serve it; wipe the database again afterwards.

    Unlike `live_server` (whose transactional_db flushes after every test), the park stays committed for
    the whole module, so each test sees what the earlier ones did in it (a staff's day, step by step).
    Tests read and write the database through the `real_park_db` fixture (or the `real_park_page` one).
    """
    from django.core.management import call_command
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)  # what an earlier transactional test left (groups come back)
        call_command("load_park", stdout=io.StringIO())
        with override_settings(DEBUG=True):
            call_command("demo_users", stdout=io.StringIO())
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
    try:
        yield RealPark(url=server.url, today=timezone.localdate())
    finally:
        with django_db_blocker.unblock():
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def real_park_db(real_park, django_db_blocker):
    """Open the database to the test (and to the server thread) for one test on the real park."""
    with django_db_blocker.unblock():
        yield real_park


@pytest.fixture
def real_park_page(real_park_db):
    """A chromium page against the real park's server; console errors and page errors are collected
    in page.console_errors (a list of strings) for tests to assert on."""
    with chromium_page() as page:
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(f"{page.url}: {m.text}"))
        page.on("pageerror", lambda exc: page.console_errors.append(f"{page.url}: {exc}"))
        yield page


def browser_login(page, live_server, username, password="pw-Parkops-2026"):
    """Log in through the real login form."""
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
