"""The dashboard and the occupancy report in a real browser, in Chinese (screenshots kept in tmp_path)."""
import pytest

from tests.conftest import browser_login


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_and_occupancy_in_chinese(browser_page, live_server, park, staff, tmp_path):
    page = browser_page
    browser_login(page, live_server, "staff")
    assert page.locator("h1").first.inner_text().startswith("园区概览")
    assert page.locator(".kpi").count() >= 6
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    page.click("text=占用情况报表")
    page.fill("input[name=on]", "2026-04-01")
    page.select_option("select[name=group]", "firm")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert "占用情况（按企业，截至 2026-04-01）" in page.locator("h1").inner_text()
    assert page.locator("td:has-text('超密度')").count() == 1  # 甲: 3 people on 2 seats
    page.screenshot(path=str(tmp_path / "occupancy.png"), full_page=True)
    assert (tmp_path / "occupancy.png").stat().st_size > 10_000
