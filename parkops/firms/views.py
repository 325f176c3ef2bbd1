"""views of the firms app."""
from django.utils import timezone
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from parkops.core.access import StaffRequiredMixin
from parkops.core.exports import SafeExportMixin
from parkops.leases.selectors import firms_with_figures

from .filtersets import FirmFilterSet
from .tables import FirmTable


class FirmListView(StaffRequiredMixin, SafeExportMixin, SingleTableMixin, FilterView):
    """All firms with seats leased today and latest headcount; filterable, sortable, exportable."""

    table_class = FirmTable
    filterset_class = FirmFilterSet
    template_name = "firms/firm_list.html"
    paginate_by = 50
    export_name = "firms"

    def get_queryset(self):
        return firms_with_figures(timezone.localdate())
