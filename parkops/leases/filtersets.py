"""filtersets of the leases app."""
import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkops.core.dates import ParkDateFilter, ParkDateFromToRangeFilter
from parkops.firms.models import BusinessLine
from parkops.firms.pickers import FirmFilter
from parkops.zones.models import Building, Floor, Zone

from .choices import LeaseState, RentTerms, SeatRequestStatus
from .models import HeadcountReport, Lease, LeaseSeat, SeatRequest

# --- lease and headcount lists (reports) -------------------------------------------------------


class LeaseFilterSet(django_filters.FilterSet):
    """Filters staff use on the lease list: firm, business line, place, status, terms, dates, expiring soon."""

    number = django_filters.CharFilter(lookup_expr="icontains", label=_("合同编号"))
    firm = FirmFilter(label=_("企业"))
    business_line = django_filters.ModelChoiceFilter(
        field_name="firm__business_lines", queryset=BusinessLine.objects.all(), label=_("业态")
    )
    zone = django_filters.ModelChoiceFilter(queryset=Zone.objects.all(), method="filter_place", label=_("区域"))
    building = django_filters.ModelChoiceFilter(queryset=Building.objects.all(), method="filter_place", label=_("楼栋"))
    floor = django_filters.ModelChoiceFilter(
        queryset=Floor.objects.select_related("building"), method="filter_place", label=_("楼层")
    )
    status = django_filters.ChoiceFilter(choices=LeaseState.choices, method="filter_state", label=_("状态"))
    rent_terms = django_filters.ChoiceFilter(choices=RentTerms.choices, label=_("租金条款"))
    start_from = ParkDateFilter(field_name="start", lookup_expr="gte", label=_("起租日起"))
    start_to = ParkDateFilter(field_name="start", lookup_expr="lte", label=_("起租日止"))
    end_from = ParkDateFilter(field_name="end", lookup_expr="gte", label=_("止租日起"))
    end_to = ParkDateFilter(field_name="end", lookup_expr="lte", label=_("止租日止"))
    expiring_within = django_filters.NumberFilter(
        method="filter_expiring", label=_("N 天内到期"), min_value=1, max_value=3650
    )

    class Meta:
        model = Lease
        fields = ()

    PLACE = {"zone": "seat__floor__building__zone", "building": "seat__floor__building", "floor": "seat__floor"}

    def filter_place(self, queryset, name, value):
        """Keep leases that ever held a seat in the zone, building or floor."""
        return queryset.filter(pk__in=LeaseSeat.objects.filter(**{self.PLACE[name]: value}).values("lease"))

    def filter_state(self, queryset, name, value):
        """Keep leases whose state today (derived from their dates, Lease.state_on) is the one chosen."""
        return queryset.in_state(value, timezone.localdate())

    def filter_expiring(self, queryset, name, value):
        """Keep leases in force today whose last day falls within the next N days (effective end is exclusive)."""
        return queryset.expiring(timezone.localdate(), days=int(value))


class HeadcountFilterSet(django_filters.FilterSet):
    """Filters on headcount reports: firm, business line, month range."""

    firm = FirmFilter(label=_("企业"))
    business_line = django_filters.ModelChoiceFilter(
        field_name="firm__business_lines", queryset=BusinessLine.objects.all(), label=_("业态")
    )
    month_from = ParkDateFilter(field_name="month", lookup_expr="gte", label=_("月份起"))
    month_to = ParkDateFilter(field_name="month", lookup_expr="lte", label=_("月份止"))
    flagged = django_filters.BooleanFilter(
        field_name="confirmation_reason", method="filter_flagged", label=_("需核实（超出合理范围、经确认）")
    )

    class Meta:
        model = HeadcountReport
        fields = ()

    def filter_flagged(self, queryset, name, value):
        return queryset.exclude(**{name: ""}) if value else queryset.filter(**{name: ""})


# --- end of lease and headcount lists ---------------------------------------------------------


# --- seat requests (staff queue) -----------------------------------------------------------------


class SeatRequestFilterSet(django_filters.FilterSet):
    """Filter the seat request queue by status, firm, preferred zone and wanted date."""

    status = django_filters.ChoiceFilter(choices=SeatRequestStatus.choices, label=_("状态"), empty_label=_("全部"))
    firm = FirmFilter(label=_("企业"))
    zone_preference = django_filters.ModelChoiceFilter(queryset=Zone.objects.all(), label=_("意向区域"))
    wanted_from = ParkDateFromToRangeFilter(
        label=_("期望起用日期"), widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"})
    )

    class Meta:
        model = SeatRequest
        fields = ["status", "firm", "zone_preference", "wanted_from"]
