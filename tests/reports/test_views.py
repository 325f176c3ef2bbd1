"""The report pages: access, the figures they show, exports, and a fixed number of queries at 7,000 and 30,000 seats."""
import io

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests import factories
from tests.factories import build_big_park

REPORTS = ["reports:dashboard", "reports:occupancy", "reports:trends", "reports:expiry", "reports:forecast"]


@pytest.mark.parametrize("name", REPORTS)
def test_reports_are_staff_only(client, db, firm, name):
    url = reverse(name)
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(factories.tenant_user(firm))
    assert client.get(url).status_code == 404  # tenant: does not exist


def test_home_is_the_dashboard_for_staff(client, park, zone_d, staff):
    client.force_login(staff)
    response = client.get("/")
    assert response.status_code == 200
    assert response.templates[0].name == "reports/dashboard.html"
    headline = response.context["headline"]
    assert headline.declared == 24 and headline.seats == 11 and headline.firms_operating == 3
    for name in REPORTS[1:]:
        assert reverse(name) in response.content.decode()


def cells(response):
    """Return the rendered table's rows as lists of cell texts."""
    table = response.context["table"]
    return [[str(row.get_cell_value(c.name)) for c in table.columns] for row in table.rows]


def test_occupancy_page_by_zone_on_a_date(client, park, staff):
    client.force_login(staff)
    response = client.get(reverse("reports:occupancy"), {"on": "2026-09-15", "group": "zone"})
    assert response.context["on"].isoformat() == "2026-09-15"
    # name, declared, seats, leased, free, out of service, rate
    assert [r[1:] for r in cells(response)] == [
        ["10", "4", "2", "1", "1", "50.0"],
        ["8", "3", "0", "2", "1", "0.0"],
        ["6", "4", "2", "2", "0", "50.0"],
    ]


def test_occupancy_page_by_firm_flags(client, park, staff):
    client.force_login(staff)
    response = client.get(reverse("reports:occupancy"), {"on": "2026-03-31", "group": "firm"})
    html = response.content.decode()
    assert "flag-bad\">超密度（&gt;100%）" in html and "flag-warn\">使用不足（&lt;60%）" in html
    rows = {r[0]: r for r in cells(response)}
    assert rows["甲"][1:3] == ["2", "3"] and rows["乙"][1:3] == ["3", "1"]


def test_occupancy_bad_date_falls_back_to_today_with_an_error(client, park, staff):
    client.force_login(staff)
    response = client.get(reverse("reports:occupancy"), {"on": "2026-02-30", "group": "nonsense"})
    assert response.status_code == 200
    assert response.context["form"].errors["on"]
    assert response.context["group"] == "zone"


def test_occupancy_export_xlsx_is_neutralised(client, park, staff):
    park.firm["甲"].short_name = '=HYPERLINK("http://x","y")'
    park.firm["甲"].save()
    client.force_login(staff)
    response = client.get(reverse("reports:occupancy"), {"on": "2026-04-01", "group": "firm", "_export": "xlsx"})
    assert response.streaming
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in names


def test_trends_page_states_the_rule_and_draws_svg(client, park, staff):
    client.force_login(staff)
    response = client.get(reverse("reports:trends"), {"on": "2026-12-15", "firm": park.firm["乙"].pk})
    html = response.content.decode()
    assert "最后一天" in html and "<svg" in html and "<script" not in html.split("<main>")[1].split("</main>")[0]
    assert response.context["firm"].firm == park.firm["乙"]
    zone_rows = dict((m.month.isoformat(), cells) for m, cells in response.context["zone_rows"])
    assert zone_rows["2026-03-01"] == [(3, 75.0), (2, 66.7), (3, 75.0)]
    assert zone_rows["2026-09-01"] == [(2, 50.0), (0, 0.0), (2, 50.0)]


def test_expiry_page(client, park, staff):
    client.force_login(staff)
    response = client.get(reverse("reports:expiry"), {"on": "2026-06-20"})
    firms, leases = response.context["tables"]
    assert [r.firm.short_name for r in firms.data] == ["乙", "甲"]
    assert [lease.number for lease in leases.data] == ["L1", "L3"]


def test_forecast_page_flags(client, zone_d, staff):
    client.force_login(staff)
    response = client.get(reverse("reports:forecast"), {"on": "2026-11-26"})
    html = response.content.decode()
    assert "预留超过容量" in html
    assert "交付晚于 1 项预留的期望日期（6 席）" in html
    assert html.count("<svg viewBox") == 2  # the two charts; their legends carry small swatch <svg>s


PAGES = [
    ("home", {}),
    ("reports:occupancy", {"group": "zone"}),
    ("reports:occupancy", {"group": "building"}),
    ("reports:occupancy", {"group": "floor"}),
    ("reports:occupancy", {"group": "firm"}),
    ("reports:occupancy", {"group": "line"}),
    ("reports:trends", {}),
    ("reports:expiry", {}),
    ("reports:forecast", {}),
    ("registers:seat_list", {}),
    ("registers:seat_list", {"state": "free", "zone": ""}),
    ("registers:firm_list", {}),
    ("registers:lease_list", {"expiring_within": "90"}),
    ("registers:headcount_list", {}),
]
# Measured: 12 home, 7 occupancy (5 by firm), 11 trends, 8 expiry, 9 forecast, 9-12 lists
# (session, user, groups, count, page, filter choices...), the same at both sizes.
MAX_QUERIES = 12


@pytest.mark.parametrize("n_seats", [7000, 30000])
def test_fixed_number_of_queries(client, staff, django_assert_max_num_queries, n_seats):
    assert build_big_park(n_seats) >= n_seats - 30
    client.force_login(staff)
    for name, params in PAGES:
        with django_assert_max_num_queries(MAX_QUERIES):
            response = client.get(reverse(name), params)
        assert response.status_code == 200, name


@pytest.fixture
def english(client):
    """Ask for English; afterwards put the default language back (LocaleMiddleware leaves it active in the thread)."""
    client.cookies["django_language"] = "en"
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.mark.parametrize("name", REPORTS)
def test_reports_render_in_english(client, english, zone_d, staff, name):
    client.force_login(staff)
    html = client.get(reverse(name)).content.decode()
    assert 'lang="en"' in html and "Zone D forecast" in html
    assert "出租率" not in html and "到期" not in html
