"""Table exports (CSV, XLSX) with spreadsheet formulae neutralised, streamed whatever their size.

Use SafeExportMixin in list views instead of django_tables2.export.ExportMixin: every cell passes through
parkops.core.csvsafe.neutralise, and both formats stream (StreamingHttpResponse), so the first bytes leave at
once and memory holds one chunk (issue 21, item 3). The rows come from iter_table_values: for a queryset-backed
table straight from values_list() (or from the queryset in chunks, iterator()); for a table over a list (the
report pages) from the table's own export values. CSV is UTF-8 with a BOM for Excel; XLSX is written by
parkops.core.xlsxstream (openpyxl, even write-only, took 39 s for 100,000 rows and sends nothing before the end).
An export is never paginated (SafeExportMixin.get_table_pagination).
"""
import csv
import datetime
import io
from contextlib import contextmanager

from django.db import connections
from django.http import StreamingHttpResponse
from django.utils.encoding import force_str
from django_tables2 import Column, DateColumn
from django_tables2.data import TableQuerysetData
from django_tables2.export import ExportMixin, TableExport
from django_tables2.rows import BoundRow

from .csvsafe import neutralise, neutralise_row
from .xlsxstream import stream_xlsx

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

STREAM_CHUNK = 2000
NUMERIC_FIELDS = {
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "DecimalField", "FloatField",
}


class LabelColumn(Column):
    """A column of codes shown, and exported, as their labels: ``labels(code)`` gives the text.

    For a code that is an annotation (which has no get_FOO_display), e.g. a lease's derived state.
    """

    def __init__(self, *args, labels, **kwargs):
        super().__init__(*args, **kwargs)
        self.labels = labels

    def render(self, value):
        return self.labels(value)

    def value(self, value):
        return self.labels(value)


def export_columns(table, exclude_columns=()):
    """Return the bound columns an export writes, as TableExport would."""
    return [
        column
        for column in table.columns.iterall()
        if not (column.column.exclude_from_export or column.name in exclude_columns)
    ]


def _slow_getter(name):
    return lambda row, record: row.get_cell_value(name)


def cell_getter(table, bound_column):
    """Return f(row, record) giving the column's export value, as BoundRow.get_cell_value would.

    get_cell_value inspects signatures and, for DateColumn, renders a template for every cell:
    at 30,000 rows that is most of the export's time. Plain Column and DateColumn cells with
    no render_/value_ override on the table are resolved directly; anything else takes the
    library's own path.
    """
    name, column = bound_column.name, bound_column.column
    if hasattr(table, f"render_{name}") or hasattr(table, f"value_{name}") or type(column) not in (Column, DateColumn):
        return _slow_getter(name)
    accessor = bound_column.accessor
    field = accessor.get_field(table.data.model)
    choices = None
    if field is not None and field.name == accessor.bits[-1] and getattr(field, "choices", None):
        choices = {k: force_str(v) for k, v in field.flatchoices}

    def get(row, record):
        value = accessor.resolve(record, quiet=True)
        if isinstance(column, DateColumn):
            if isinstance(value, datetime.date):
                return value.isoformat()
            return bound_column.default if value is None else row.get_cell_value(name)
        if value in column.empty_values:
            return None
        return choices.get(value, value) if choices is not None else value

    return get


def _orm_field(model, bits):
    """Return the concrete, non-relation field at the end of forward relations `bits`, else None."""
    try:
        for bit in bits[:-1]:
            field = model._meta.get_field(bit)
            if not (field.concrete and (field.many_to_one or field.one_to_one)):
                return None
            model = field.related_model
        field = model._meta.get_field(bits[-1])
    except Exception:  # FieldDoesNotExist, or a non-model step: not for the fast path
        return None
    if not field.concrete or field.is_relation:
        return None
    return field


def _value_converter(table, bound_column, queryset):
    """Return (ORM path, f(value) or None) giving the column's export value from a values_list cell, or None.

    Only plain Column / DateColumn cells with no render_/value_ override whose accessor is a model
    field (through forward relations) or an annotation qualify; they yield what cell_getter does.
    f is None where the cell is exported as it comes (numbers: nothing to neutralise).
    """
    name, column = bound_column.name, bound_column.column
    if hasattr(table, f"render_{name}") or hasattr(table, f"value_{name}") or type(column) not in (Column, DateColumn, LabelColumn):
        return None
    bits = bound_column.accessor.bits
    annotation = queryset.query.annotations.get(bits[0]) if len(bits) == 1 else None
    if annotation is not None:
        field = annotation.output_field
    else:
        field = _orm_field(queryset.model, bits)
        if field is None:
            return None
    path = "__".join(bits)
    if isinstance(column, DateColumn):
        if field.get_internal_type() != "DateField":
            return None
        default = bound_column.default
        return path, lambda v: default if v is None else v.isoformat()
    empty = column.empty_values
    if isinstance(column, LabelColumn):
        return path, lambda v: None if v in empty else neutralise(force_str(column.labels(v)))
    if annotation is None and getattr(field, "choices", None):
        labels = {k: neutralise(force_str(v)) for k, v in field.flatchoices}
        return path, lambda v: None if v in empty else labels.get(v, v)
    if field.get_internal_type() in NUMERIC_FIELDS:
        return path, None
    if set(empty) <= {None, ""}:
        return path, _text_cell
    return path, lambda v: None if v in empty else neutralise(v)


def _text_cell(value):
    """A text cell: None for empty, quoted if a spreadsheet would read it as a formula."""
    return None if value is None or value == "" else neutralise(value)


@contextmanager
def whole_result_plan(using):
    """On PostgreSQL, plan iterator()'s server-side cursor for reading every row, as a plain query is.

    PostgreSQL plans a cursor for its first 10% of rows (cursor_tuple_fraction 0.1): for the seat
    export that picks nested loops and takes twice as long as the same query without a cursor.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET cursor_tuple_fraction = 1.0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET cursor_tuple_fraction")


def _fast_rows(table, columns, chunk_size):
    """Yield rows from values_list() of exactly the exported columns, or return None if a column needs a record."""
    queryset = table.data.data
    converters = [_value_converter(table, c, queryset) for c in columns]
    if any(c is None for c in converters):
        return None
    paths = [path for path, _ in converters]
    convert = [(i, func) for i, (_, func) in enumerate(converters) if func is not None]

    def rows():
        with whole_result_plan(queryset.db):
            for values in queryset.values_list(*paths).iterator(chunk_size=chunk_size):
                row = list(values)
                for i, func in convert:
                    row[i] = func(row[i])
                yield row

    return rows()


def iter_table_values(table, exclude_columns=(), chunk_size=STREAM_CHUNK):
    """Yield the header row, then each record's exported values, neutralised.

    When every exported column maps to a field or annotation, rows come straight from
    values_list() (no model instances or BoundRows: at 100,000 seats that is most of the
    time). Otherwise records come from the table's (ordered) queryset through
    iterator(chunk_size), so only one chunk is in memory at a time; prefetch_related still
    works per chunk.
    """
    if not isinstance(table.data, TableQuerysetData):
        # A table over a list (the report pages): its rows are in memory already; the library's values.
        for values in table.as_values(exclude_columns=exclude_columns):
            yield neutralise_row([force_str(v, strings_only=True) for v in values])
        return
    columns = export_columns(table, exclude_columns)
    yield neutralise_row([force_str(c.header, strings_only=True) for c in columns])
    fast = _fast_rows(table, columns, chunk_size)
    if fast is not None:
        yield from fast
        return
    getters = [cell_getter(table, c) for c in columns]
    with whole_result_plan(table.data.data.db):
        for record in table.data.data.iterator(chunk_size=chunk_size):
            row = BoundRow(record, table=table)
            yield neutralise_row([force_str(get(row, record), strings_only=True) for get in getters])


def stream_table_csv(table, filename, exclude_columns=()):
    """Return a StreamingHttpResponse writing the table as CSV (UTF-8 with BOM for Excel)."""
    def lines():
        # One chunk of text per STREAM_CHUNK rows: a chunk per line costs an encode and a write each.
        yield "\ufeff"
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for n, values in enumerate(iter_table_values(table, exclude_columns), start=1):
            writer.writerow(values)
            if n % STREAM_CHUNK == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def stream_table_xlsx(table, filename, exclude_columns=()):
    """Return a StreamingHttpResponse writing the table as an XLSX workbook of one sheet (parkops.core.xlsxstream)."""
    response = StreamingHttpResponse(stream_xlsx(iter_table_values(table, exclude_columns)), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class SafeExportMixin(ExportMixin):
    """ExportMixin exporting every row as CSV or XLSX, neutralised and streamed."""

    export_formats = ("csv", "xlsx")

    def get_table_pagination(self, table):
        """An export writes every row: no page, and no count query for one."""
        if self.request.GET.get(self.export_trigger_param, None) in self.export_formats:
            return False
        return super().get_table_pagination(table)

    def create_export(self, export_format):
        table = self.get_table(**self.get_table_kwargs())
        filename = self.get_export_filename(export_format)
        if export_format == TableExport.XLSX:
            return stream_table_xlsx(table, filename, self.exclude_columns)
        return stream_table_csv(table, filename, self.exclude_columns)
