"""Table exports (CSV, XLSX) with spreadsheet formulae neutralised.

django-tables2's ExportMixin builds a TableExport; SafeTableExport passes every
cell through parkops.core.csvsafe.neutralise first. Use SafeExportMixin in list
views instead of django_tables2.export.ExportMixin.

CSV exports of a queryset-backed table stream: TableExport builds the whole
dataset in memory, so the CSV path walks ``queryset.iterator()`` in chunks and
writes each row as it goes (stream_table_csv). XLSX stays with TableExport.
"""
import csv

from django.http import StreamingHttpResponse
from django.utils.encoding import force_str
from django_tables2.data import TableQuerysetData
from django_tables2.export import ExportMixin, TableExport
from django_tables2.rows import BoundRow

from .csvsafe import neutralise, neutralise_row

STREAM_CHUNK = 2000


class SafeTableExport(TableExport):
    """A TableExport whose cells starting with = + - @ tab or CR are prefixed with a quote."""

    def table_to_dataset(self, table, exclude_columns, dataset_kwargs=None):
        dataset = super().table_to_dataset(table, exclude_columns, dataset_kwargs)
        headers = [neutralise(h) for h in dataset.headers] if dataset.headers else None
        rows = [[neutralise(cell) for cell in row] for row in dataset]
        dataset.wipe()
        if headers:
            dataset.headers = headers
        for row in rows:
            dataset.append(row)
        return dataset


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer inside a generator."""

    def write(self, value):
        return value


def export_columns(table, exclude_columns=()):
    """Return the bound columns an export writes, as TableExport would."""
    return [
        column
        for column in table.columns.iterall()
        if not (column.column.exclude_from_export or column.name in exclude_columns)
    ]


def iter_table_values(table, exclude_columns=(), chunk_size=STREAM_CHUNK):
    """Yield the header row, then each record's exported values, neutralised.

    Records come from the table's (ordered) queryset through iterator(chunk_size), so only
    one chunk is in memory at a time; prefetch_related still works per chunk.
    """
    columns = export_columns(table, exclude_columns)
    yield neutralise_row([force_str(c.header, strings_only=True) for c in columns])
    for record in table.data.data.iterator(chunk_size=chunk_size):
        row = BoundRow(record, table=table)
        yield neutralise_row([force_str(row.get_cell_value(c.name), strings_only=True) for c in columns])


def stream_table_csv(table, filename, exclude_columns=()):
    """Return a StreamingHttpResponse writing the table as CSV (UTF-8 with BOM for Excel)."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"
        for values in iter_table_values(table, exclude_columns):
            yield writer.writerow(values)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class SafeExportMixin(ExportMixin):
    """ExportMixin that exports through SafeTableExport, as CSV or XLSX; CSV of a queryset streams."""

    export_class = SafeTableExport
    export_formats = ("csv", "xlsx")

    def create_export(self, export_format):
        table = self.get_table(**self.get_table_kwargs())
        if export_format == TableExport.CSV and isinstance(table.data, TableQuerysetData):
            return stream_table_csv(table, self.get_export_filename(export_format), self.exclude_columns)
        exporter = self.export_class(
            export_format=export_format,
            table=table,
            exclude_columns=self.exclude_columns,
            dataset_kwargs=self.get_dataset_kwargs(),
        )
        return exporter.response(filename=self.get_export_filename(export_format))
