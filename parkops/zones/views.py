"""views of the zones app."""
from django.utils import timezone
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from parkops.core.access import StaffRequiredMixin
from parkops.core.exports import SafeExportMixin
from parkops.leases.selectors import seats_with_holder

from .filtersets import SeatFilterSet
from .tables import SeatTable


class SeatListView(StaffRequiredMixin, SafeExportMixin, SingleTableMixin, FilterView):
    """All seats of the park with today's holder; filterable, sortable, exportable."""

    table_class = SeatTable
    filterset_class = SeatFilterSet
    template_name = "zones/seat_list.html"
    paginate_by = 50
    export_name = "seats"

    def get_queryset(self):
        return seats_with_holder(timezone.localdate())
