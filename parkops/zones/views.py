"""views of the zones app."""
from django.utils import timezone

from parkops.core.lists import StaffListView
from parkops.leases.selectors import seats_with_holder

from .filtersets import SeatFilterSet
from .tables import SeatTable


class SeatListView(StaffListView):
    """All seats of the park with today's holder; filterable, sortable, exportable."""

    table_class = SeatTable
    filterset_class = SeatFilterSet
    template_name = "zones/seat_list.html"
    export_name = "seats"

    def get_queryset(self):
        return seats_with_holder(timezone.localdate())
