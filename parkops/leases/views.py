"""views of the leases app."""
from django.utils import timezone
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from parkops.core.access import StaffRequiredMixin
from parkops.core.exports import SafeExportMixin

from . import selectors
from .filtersets import HeadcountFilterSet, LeaseFilterSet
from .models import HeadcountReport
from .tables import HeadcountTable, LeaseTable

# --- lease and headcount lists (reports) -------------------------------------------------------


class LeaseListView(StaffRequiredMixin, SafeExportMixin, SingleTableMixin, FilterView):
    """All leases with seats held today; filterable, sortable, exportable."""

    table_class = LeaseTable
    filterset_class = LeaseFilterSet
    template_name = "leases/lease_list.html"
    paginate_by = 50
    export_name = "leases"

    def get_queryset(self):
        return selectors.leases_with_seats(timezone.localdate())


class HeadcountListView(StaffRequiredMixin, SafeExportMixin, SingleTableMixin, FilterView):
    """Every firm's monthly headcount reports; filterable, sortable, exportable."""

    table_class = HeadcountTable
    filterset_class = HeadcountFilterSet
    template_name = "leases/headcount_list.html"
    paginate_by = 50
    export_name = "headcount"

    def get_queryset(self):
        return HeadcountReport.objects.select_related("firm", "submitted_by")


# --- end of lease and headcount lists ---------------------------------------------------------
