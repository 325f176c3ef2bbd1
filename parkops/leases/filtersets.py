"""filtersets of the leases app."""
import django_filters
from django.utils.translation import gettext_lazy as _

from parkops.firms.models import Firm
from parkops.zones.models import Zone

from .choices import SeatRequestStatus
from .models import SeatRequest

# --- seat requests (staff queue) -----------------------------------------------------------------


class SeatRequestFilterSet(django_filters.FilterSet):
    """Filter the seat request queue by status, firm, preferred zone and wanted date."""

    status = django_filters.ChoiceFilter(choices=SeatRequestStatus.choices, label=_("状态"), empty_label=_("全部"))
    firm = django_filters.ModelChoiceFilter(queryset=Firm.objects.all(), label=_("企业"))
    zone_preference = django_filters.ModelChoiceFilter(queryset=Zone.objects.all(), label=_("意向区域"))
    wanted_from = django_filters.DateFromToRangeFilter(
        label=_("期望起用日期"), widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"})
    )

    class Meta:
        model = SeatRequest
        fields = ["status", "firm", "zone_preference", "wanted_from"]
