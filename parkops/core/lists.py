"""The staff list pages' common base: staff only, filterable (django-filter), sortable and paginated
(django-tables2), exportable as neutralised CSV / XLSX (SafeExportMixin)."""
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from parkops.core.access import StaffRequiredMixin
from parkops.core.exports import SafeExportMixin


PAGE_SIZE = 50  # rows per page of every paginated list (registers, reports, portal)


class StaffListView(StaffRequiredMixin, SafeExportMixin, SingleTableMixin, FilterView):
    """Subclasses set table_class, filterset_class, template_name, export_name and get_queryset()."""

    paginate_by = PAGE_SIZE
