"""Bounded portal pages (issue 21, item 3): each list shows a page, says how many rows there are and how to see
the rest; the overview shows its latest rows with the count and a link; exports stream every row."""
import csv
import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from parkops.leases import services
from parkops.portal import views
from tests import factories

PER_PAGE = 3


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(views.TenantExportView, "table_pagination", {"per_page": PER_PAGE})
    monkeypatch.setattr(views, "PAGE_SIZE", PER_PAGE)
    monkeypatch.setattr(views, "HEADCOUNT_PAGE", PER_PAGE)
    monkeypatch.setattr(views, "HOME_ROWS", PER_PAGE)


def body(response) -> bytes:
    assert response.streaming  # exports stream, whatever their size
    return b"".join(response.streaming_content)


def add_rows(world, n: int):
    """n more leases (one seat each), seat requests, headcount months and members for world.firm."""
    for i in range(n):
        services.lease_create(firm=world.firm, start=world.today, end=world.today + datetime.timedelta(days=30 + i),
                              seats=[world.seats[20 + i]], number=f"NJ-MORE-{i:02d}", by=None)
        services.seat_request_create(firm=world.firm, seats=i + 1, wanted_from=world.today, reason=f"批次{i}", by=None)
        services.headcount_report_submit(firm=world.firm, month=datetime.date(2020 + i // 12, 1 + i % 12, 1),
                                         headcount=i + 1, confirmation_reason="测试数据", by=None)
        factories.tenant_user(world.firm, f"pingan-{i}")


def test_seat_page_is_paginated_and_its_exports_hold_every_seat(client, world, small_pages):
    client.force_login(world.admin)
    url = reverse("portal:export_seats")
    pages = [client.get(url, {"page": p}) for p in (1, 2, 3, 4)]
    codes = [row.record.seat.code for r in pages for row in r.context["table"].page.object_list]
    assert codes == sorted(s.code for s in world.seats[:10])  # 3 + 3 + 3 + 1, each once, in order
    html = pages[0].content.decode()
    assert "共 10 条" in html and "本页显示第 1–3 条" in html and "?page=2" in html
    assert "format=csv" in html and "format=xlsx" in html  # and how to have them all
    text = body(client.get(url, {"format": "csv", "page": 2})).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert [r[0] for r in rows[1:]] == sorted(s.code for s in world.seats[:10])
    sheet = openpyxl.load_workbook(io.BytesIO(body(client.get(url, {"format": "xlsx"}))), read_only=True).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [r[0] for r in rows[1:]]


def test_lease_export_escapes_formulae_in_both_formats(client, world, small_pages):
    client.force_login(world.admin)
    url = reverse("portal:export_leases")
    text = body(client.get(url, {"format": "csv"})).decode("utf-8")
    assert """'=HYPERLINK(""http://evil.example"",""x"")""" in text
    sheet = openpyxl.load_workbook(io.BytesIO(body(client.get(url, {"format": "xlsx"}))), read_only=True).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells and not any(c.startswith("=") for c in cells)


def test_portal_lists_are_paginated(client, world, small_pages):
    add_rows(world, 5)
    client.force_login(world.admin)
    for name, total in (("portal:export_leases", 6), ("portal:seat_request", 6), ("portal:headcount", 6),
                        ("portal:members", 7)):
        pages = -(-total // PER_PAGE)
        first, last = client.get(reverse(name)), client.get(reverse(name), {"page": pages})
        assert first.context["table"].paginator.count == total, name
        assert len(first.context["table"].page.object_list) == PER_PAGE
        assert len(last.context["table"].page.object_list) == total - PER_PAGE * (pages - 1), name
        assert f"共 {total} 条" in first.content.decode(), name


def test_headcount_page_shows_corrections_of_its_own_rows(client, world, small_pages):
    services.headcount_report_submit(firm=world.firm, month=world.headcount.month, headcount=13,
                                     confirmation_reason="测试数据", by=None)
    client.force_login(world.admin)
    html = client.get(reverse("portal:headcount")).content.decode()
    assert "<s>12</s>" in html


def test_home_shows_the_latest_rows_with_the_count_and_a_link(client, world, small_pages):
    client.force_login(world.admin)
    html = client.get(reverse("portal:home")).content.decode()
    assert "份租约，此处显示" not in html  # one lease, one request: nothing left out, nothing said
    add_rows(world, 5)
    response = client.get(reverse("portal:home"))
    html = response.content.decode()
    assert len(response.context["lease_rows"]) == PER_PAGE and len(response.context["seat_requests"]) == PER_PAGE
    assert "共 6 份租约，此处显示到期日最晚的 3 份。" in html and reverse("portal:export_leases") in html
    assert "共 6 项申请，此处显示最近的 3 项。" in html
    shown = [r.lease.number for r in response.context["lease_rows"]]
    assert shown == ["NJ-OWN-001", "NJ-MORE-04", "NJ-MORE-03"]  # latest end first


@pytest.mark.parametrize("extra", [0, 8])
@pytest.mark.parametrize("name, params, queries", [
    ("portal:home", {}, 9),
    ("portal:export_seats", {}, 6), ("portal:export_seats", {"page": 2}, 6),
    ("portal:export_seats", {"format": "csv"}, 5), ("portal:export_seats", {"format": "xlsx"}, 5),
    ("portal:export_leases", {}, 6), ("portal:export_leases", {"format": "xlsx"}, 5),
    ("portal:seat_request", {"page": 2}, 7), ("portal:headcount", {}, 7), ("portal:members", {}, 6),
])
def test_query_counts_do_not_grow_with_rows(client, world, small_pages, django_assert_max_num_queries, extra, name, params, queries):
    add_rows(world, extra)
    client.force_login(world.admin)
    if "format" in params and connection.vendor == "postgresql":
        queries += 2  # the export's SET / RESET cursor_tuple_fraction around its cursor (core.exports.whole_result_plan)
    with django_assert_max_num_queries(queries):
        response = client.get(reverse(name), params)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
