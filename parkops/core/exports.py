"""Table exports (CSV, XLSX) with spreadsheet formulae neutralised.

django-tables2's ExportMixin builds a TableExport; SafeTableExport passes every
cell through parkops.core.csvsafe.neutralise first. Use SafeExportMixin in list
views instead of django_tables2.export.ExportMixin.
"""
from django_tables2.export import ExportMixin, TableExport

from .csvsafe import neutralise


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


class SafeExportMixin(ExportMixin):
    """ExportMixin that exports through SafeTableExport, as CSV or XLSX."""

    export_class = SafeTableExport
    export_formats = ("csv", "xlsx")
