"""Bounded report pages (issue 21, item 3): occupancy and expiry show a page of rows, say how many there are,
total every row in their footers, and export every row; their query counts do not grow with the rows."""
import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from parkops.reports.views import ExpiryView, OccupancyView
from tests import factories

PER_PAGE = 3


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of 3 rows, so that a handful of firms spans several pages."""
    monkeypatch.setattr(OccupancyView, "table_pagination", {"per_page": PER_PAGE})
    monkeypatch.setattr(ExpiryView, "table_pagination", {"per_page": PER_PAGE})


def firms_with_seats(n: int):
    """n firms; firm i holds i + 1 seats from a year ago to 20 + i days from today (so each expires within 90 days)."""
    today = timezone.localdate()
    floor = factories.make_floor(n * (n + 1) // 2 + 5)
    seats = list(floor.seats.order_by("pk"))
    at = 0
    for i in range(n):
        firm = factories.FirmFactory(short_name=f"企业{i:02d}")
        factories.make_lease(firm, seats=seats[at:at + i + 1], start=today - datetime.timedelta(days=365),
                             end=today + datetime.timedelta(days=20 + i))
        at += i + 1
    return n * (n + 1) // 2


def footer(table, name):
    return next(c for c in table.columns if c.name == name).footer


def test_occupancy_by_firm_is_paginated_and_totals_every_row(client, staff, small_pages):
    held = firms_with_seats(7)
    client.force_login(staff)
    url = reverse("reports:occupancy")
    pages = [client.get(url, {"group": "firm", "page": p}) for p in (1, 2, 3)]
    tables = [r.context["table"] for r in pages]
    assert [len(t.page.object_list) for t in tables] == [3, 3, 1]
    shown = [row.record.firm.short_name for t in tables for row in t.page.object_list]
    assert sorted(shown) == [f"企业{i:02d}" for i in range(7)]  # every firm on exactly one page
    for response, table in zip(pages, tables):
        assert table.paginator.count == 7
        assert footer(table, "leased") == held  # the whole park's seats, on every page
        html = response.content.decode()
        assert "共 7 条" in html and f'<td class="num">{held}</td>' in html
    assert "本页显示第 1–3 条" in pages[0].content.decode() and "?group=firm&amp;page=2" in pages[0].content.decode()


def test_occupancy_by_zone_totals_and_export_every_row(client, staff, small_pages):
    firms_with_seats(7)
    client.force_login(staff)
    response = client.get(reverse("reports:occupancy"), {"group": "firm", "_export": "csv"})
    body = response.content.decode("utf-8") if not response.streaming else b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 1 + 7  # the header and every firm, not the page's 3
    zone = client.get(reverse("reports:occupancy"), {"group": "floor"}).context["table"]
    assert footer(zone, "seats") == sum(r.seats for r in zone.data) == 7 * 8 // 2 + 5


def test_expiry_tables_are_paginated_and_total_every_firm(client, staff, small_pages):
    held = firms_with_seats(7)
    client.force_login(staff)
    response = client.get(reverse("reports:expiry"), {"f-page": 3, "l-page": 2})
    by_firm, leases = response.context["tables"]
    assert len(by_firm.page.object_list) == 1 and by_firm.paginator.count == 7
    assert len(leases.page.object_list) == 3 and leases.paginator.count == 7
    assert footer(by_firm, "seats_90") == held and footer(by_firm, "leases_90") == 7
    html = response.content.decode()
    assert html.count("共 7 条") == 2


@pytest.mark.parametrize("n_firms", [4, 12])
@pytest.mark.parametrize("params", [
    {"group": "firm"}, {"group": "firm", "page": 2}, {"group": "line"}, {"group": "firm", "_export": "csv"},
    {"group": "firm", "_export": "xlsx"},
])
def test_occupancy_queries_do_not_grow_with_rows(client, staff, small_pages, django_assert_max_num_queries, n_firms, params):
    firms_with_seats(n_firms)
    client.force_login(staff)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("reports:occupancy"), params)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200


@pytest.mark.parametrize("n_firms", [4, 12])
def test_expiry_queries_do_not_grow_with_rows(client, staff, small_pages, django_assert_max_num_queries, n_firms):
    firms_with_seats(n_firms)
    client.force_login(staff)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("reports:expiry"), {"l-page": 2}).status_code == 200
