"""The firm list: filters, sorting, access, and formula-safe CSV / XLSX exports."""
import csv
import io

import openpyxl
import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from parkops.firms.choices import FirmStatus
from tests import factories

EVIL = ['=HYPERLINK("http://x","y")', "+1+2", "-3-4", "@SUM(A1)"]


@pytest.fixture
def evil_firms(db):
    return [factories.FirmFactory(name=f"{n} 有限公司", short_name=n) for n in EVIL]


def test_firm_list_is_staff_only(client, firm):
    url = reverse("registers:firm_list")
    assert client.get(url).status_code == 302
    client.force_login(factories.tenant_user(firm))
    assert client.get(url).status_code == 404


def test_firm_list_filters_by_status_and_line(client, staff, firm, other_firm):
    line = factories.BusinessLineFactory(code="call", name="呼叫中心")
    firm.business_lines.add(line)
    other_firm.status = FirmStatus.NEGOTIATING
    other_firm.save()
    client.force_login(staff)
    names = lambda params: [r.record.short_name for r in client.get(reverse("registers:firm_list"), params).context["table"].page.object_list]  # noqa: E731
    assert names({}) == ["平安金服", "迈睿中国"]
    assert names({"status": "negotiating"}) == ["迈睿中国"]
    assert names({"business_line": line.pk}) == ["平安金服"]
    assert names({"q": "迈睿"}) == ["迈睿中国"]
    assert names({"sort": "-short_name"}) == ["迈睿中国", "平安金服"]


def test_firm_list_shows_seats_leased_today(client, staff, firm, floor):
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    factories.make_lease(firm, seats=list(floor.seats.all()[:5]), start=today - datetime.timedelta(days=10), end=today + datetime.timedelta(days=10))
    client.force_login(staff)
    zone = floor.building.zone
    rows = client.get(reverse("registers:firm_list"), {"zone": zone.pk}).context["table"].page.object_list
    assert [(r.record.short_name, r.record.leased) for r in rows] == [("平安金服", 5)]


def test_csv_export_streams_and_neutralises(client, staff, evil_firms):
    client.force_login(staff)
    response = client.get(reverse("registers:firm_list"), {"_export": "csv"})
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    short_names = {r[0] for r in rows[1:]}
    assert short_names == {"'" + n for n in EVIL}
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_xlsx_export_neutralises(client, staff, evil_firms):
    client.force_login(staff)
    response = client.get(reverse("registers:firm_list"), {"_export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [c for row in sheet.iter_rows(min_row=2, values_only=True) for c in row if isinstance(c, str)]
    assert {"'" + n for n in EVIL} <= set(values)
    assert all(not v.startswith(("=", "+", "-", "@")) for v in values)
    # openpyxl reads a formula cell's data_type as "f": none here.
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
