"""parkops.core.exports: the streaming CSV path writes exactly what django-tables2's own export would."""
import datetime
import io
from unittest import mock

import pytest
from django.test import RequestFactory
from django.utils import timezone
from django_tables2 import RequestConfig

from parkops.core.csvsafe import neutralise_row
from parkops.core.exports import _fast_rows, export_columns, iter_table_values
from parkops.leases import selectors, services
from parkops.leases.models import HeadcountReport
from parkops.registers.tables import FirmTable, HeadcountTable, LeaseTable, SeatTable
from parkops.zones.choices import SeatCondition
from parkops.zones.models import Seat
from tests import factories


@pytest.fixture
def data(floor, firm, other_firm):
    today = timezone.localdate()
    seats = list(floor.seats.order_by("code"))
    firm.business_lines.add(factories.BusinessLineFactory(code="c", name="呼叫中心"))
    firm.short_name = "-负数开头"
    firm.save()
    factories.make_lease(firm, seats=seats[:3], start=today - datetime.timedelta(days=5), end=today + datetime.timedelta(days=9))
    services.seats_set_condition(seats=[seats[-1]], condition=SeatCondition.OUT_OF_SERVICE, on=datetime.date(2020, 1, 1), by=None)
    services.headcount_report_submit(confirmation_reason="测试数据", firm=firm, month=today.replace(day=1), headcount=4, note="=1+1", by=None)


@pytest.mark.parametrize(
    "table_class, queryset",
    [
        (SeatTable, lambda: selectors.seats_with_holder(timezone.localdate())),
        (FirmTable, lambda: selectors.firms_with_figures(timezone.localdate())),
        (LeaseTable, lambda: selectors.leases_with_seats(timezone.localdate())),
        (HeadcountTable, lambda: HeadcountReport.objects.select_related("firm", "submitted_by")),
    ],
)
def test_streamed_values_match_the_library_export(data, table_class, queryset):
    table = table_class(queryset())
    RequestConfig(RequestFactory().get("/")).configure(table)
    expected = [neutralise_row([str(v) if v is not None else None for v in row]) for row in table.as_values()]
    got = [[str(v) if v is not None else None for v in row] for row in iter_table_values(table, chunk_size=7)]
    assert got == expected
    assert len(got) > 1


def test_streamed_values_are_neutralised(data):
    table = HeadcountTable(HeadcountReport.objects.select_related("firm"))
    rows = list(iter_table_values(table))
    assert rows[1][0] == "'-负数开头" and rows[1][-1] == "'=1+1"


def test_seat_table_export_reads_values_not_records(data):
    """The seat export comes from values_list() of its columns: no Seat instances are built."""
    table = SeatTable(selectors.seats_with_holder(timezone.localdate()).order_by("code"))
    columns = export_columns(table)
    assert _fast_rows(table, columns, 100) is not None
    with mock.patch.object(Seat, "from_db", side_effect=AssertionError("a Seat record was built")):
        rows = list(iter_table_values(table))
    assert len(rows) == 41


def test_a_column_with_a_render_method_takes_the_record_path(data):
    class RenderedSeatTable(SeatTable):
        def value_code(self, value):
            return f"#{value}"

    table = RenderedSeatTable(selectors.seats_with_holder(timezone.localdate()).order_by("code"))
    assert _fast_rows(table, export_columns(table), 100) is None
    assert list(iter_table_values(table))[1][0].startswith("#")


def test_export_plans_for_every_row_then_restores_the_setting(postgres_only, data):
    from django.db import connection

    def fraction():
        with connection.cursor() as cursor:
            cursor.execute("SHOW cursor_tuple_fraction")
            return cursor.fetchone()[0]

    rows = iter_table_values(SeatTable(selectors.seats_with_holder(timezone.localdate()).order_by("code")))
    next(rows), next(rows)
    assert fraction() == "1"
    list(rows)
    assert fraction() == "0.1"


def test_text_cells_blank_only_none_and_empty_strings():
    from parkops.core.exports import _text_cell

    assert _text_cell(None) is None and _text_cell("") is None
    assert _text_cell(0) == 0 and _text_cell(False) is False
    for prefix in ("=", "+", "-", "@", "\t", "\r"):
        assert _text_cell(prefix + "SUM(A1)") == "'" + prefix + "SUM(A1)"
    assert _text_cell("平安金服") == "平安金服"


def test_streamed_xlsx_keeps_every_cell_in_its_column_and_type():
    import decimal
    import openpyxl as xl

    from parkops.core.xlsxstream import stream_xlsx

    rows = [["code", "n", "ok", "rate", "note"]]
    rows += [[f"S-{i:04d}", i, i % 2 == 0, decimal.Decimal("1.50"), None if i % 3 else "a & <b> \x01"] for i in range(2500)]
    read = []

    def source():
        for row in rows:
            read.append(1)
            yield row

    stream = stream_xlsx(source(), chunk=1000)
    pieces = [next(stream)]
    assert pieces[0].startswith(b"PK") and not read  # the first bytes leave before any row is read
    pieces += list(stream)
    sheet = xl.load_workbook(io.BytesIO(b"".join(pieces)), read_only=True).active
    got = list(sheet.iter_rows(values_only=True))
    assert len(got) == 2501 and got[0] == ("code", "n", "ok", "rate", "note")
    assert got[1] == ("S-0000", 0, True, 1.5, "a & <b> \N{REPLACEMENT CHARACTER}")
    assert got[2] == ("S-0001", 1, False, 1.5, None)  # an empty cell keeps the next ones in place
