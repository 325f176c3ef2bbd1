"""Shared fixtures: roles, a small floor, and the switches that turn PostgreSQL-only and
browser-only skips into failures in CI."""
import os

import pytest
from django.db import connection

from tests import factories


@pytest.fixture
def postgres_only(db):
    """Skip on SQLite, or fail when PARKOPS_REQUIRE_POSTGRES=1 (CI's PostgreSQL run)."""
    if connection.vendor != "postgresql":
        if os.environ.get("PARKOPS_REQUIRE_POSTGRES") == "1":
            pytest.fail("PARKOPS_REQUIRE_POSTGRES=1 but the test database is not PostgreSQL")
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://... to run it")


@pytest.fixture
def staff(db):
    return factories.staff_user("staff")


@pytest.fixture
def bureau_admin(db):
    return factories.staff_user("bureau", bureau=True)


@pytest.fixture
def floor(db):
    """A floor of 40 seats in zone C."""
    zone = factories.ZoneFactory(code="C", name="C区")
    building = factories.BuildingFactory(zone=zone, code="C-1")
    return factories.make_floor(40, building=building, level=3, cols=10)


@pytest.fixture
def firm(db):
    return factories.FirmFactory(name="平安金服（测试）有限公司", short_name="平安金服")


@pytest.fixture
def other_firm(db):
    return factories.FirmFactory(name="迈睿中国（测试）有限公司", short_name="迈睿中国")


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


@pytest.fixture
def browser_page(live_server):
    """A Playwright page in Debian's headless chromium, against pytest-django's live_server.

    Skips without chromium, or fails when PARKOPS_REQUIRE_BROWSER=1 (CI installs chromium).
    Use page.goto(live_server.url + path).
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


def browser_login(page, live_server, username, password="pw-Parkops-2026"):
    """Log in through the real login form."""
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
