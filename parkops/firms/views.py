"""views of the firms app."""
from django.utils import timezone

from parkops.core.lists import StaffListView
from parkops.leases.selectors import firms_with_figures

from .filtersets import FirmFilterSet
from .tables import FirmTable


class FirmListView(StaffListView):
    """All firms with seats leased today and latest headcount; filterable, sortable, exportable."""

    table_class = FirmTable
    filterset_class = FirmFilterSet
    template_name = "firms/firm_list.html"
    export_name = "firms"

    def get_queryset(self):
        return firms_with_figures(timezone.localdate())
