"""Filters of the staff list pages: seats, firms, leases, headcount reports and the seat request queue."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkops.core.dates import ParkDateFilter, ParkDateFromToRangeFilter
from parkops.firms.choices import FirmStatus
from parkops.firms.models import BusinessLine, Firm
from parkops.firms.pickers import FirmFilter
from parkops.leases.choices import LeaseState, RentTerms, SeatRequestStatus, expiry_horizon
from parkops.leases.models import HeadcountReport, Lease, LeaseSeat, SeatRequest
from parkops.zones.choices import SeatCondition, SeatKind
from parkops.zones.models import Building, Floor, Seat, Zone


class SeatState:
    FREE, LEASED, OUT_OF_SERVICE = "free", "leased", "out_of_service"
    CHOICES = ((FREE, _("空闲")), (LEASED, _("已租")), (OUT_OF_SERVICE, _("停用")))


class SeatFilterSet(django_filters.FilterSet):
    """Filters staff use on the seat list: place, kind, condition, today's state, holder, expiring soon."""

    code = django_filters.CharFilter(lookup_expr="icontains", label=_("席位编号"))
    zone = django_filters.ModelChoiceFilter(
        field_name="floor__building__zone", queryset=Zone.objects.all(), label=_("区域")
    )
    building = django_filters.ModelChoiceFilter(
        field_name="floor__building", queryset=Building.objects.all(), label=_("楼栋")
    )
    floor = django_filters.ModelChoiceFilter(
        field_name="floor", queryset=Floor.objects.select_related("building"), label=_("楼层")
    )
    kind = django_filters.ChoiceFilter(choices=SeatKind.choices, label=_("类型"))
    condition = django_filters.ChoiceFilter(choices=SeatCondition.choices, method="filter_condition", label=_("今日物理状态"))
    state = django_filters.ChoiceFilter(choices=SeatState.CHOICES, method="filter_state", label=_("今日状态"))
    firm = FirmFilter(method="filter_firm", label=_("使用企业"))
    business_line = django_filters.ModelChoiceFilter(
        queryset=BusinessLine.objects.all(), method="filter_line", label=_("使用企业业态")
    )
    expiring_within = django_filters.NumberFilter(
        method="filter_expiring", label=_("N 天内到期"), min_value=1, max_value=3650
    )

    class Meta:
        model = Seat
        fields = ()

    def _held_today(self):
        return LeaseSeat.objects.on(timezone.localdate())

    def filter_condition(self, queryset, name, value):
        # `oos` is today's condition, annotated by seats_with_holder from the dated outages.
        return queryset.filter(oos=value == SeatCondition.OUT_OF_SERVICE)

    def filter_state(self, queryset, name, value):
        held = Q(pk__in=self._held_today().values("seat"))
        if value == SeatState.LEASED:
            return queryset.filter(held)
        if value == SeatState.FREE:
            return queryset.filter(~held, oos=False)
        return queryset.filter(~held, oos=True)

    def filter_firm(self, queryset, name, value):
        return queryset.filter(pk__in=self._held_today().filter(lease__firm=value).values("seat"))

    def filter_line(self, queryset, name, value):
        return queryset.filter(pk__in=self._held_today().filter(lease__firm__business_lines=value).values("seat"))

    def filter_expiring(self, queryset, name, value):
        horizon = expiry_horizon(timezone.localdate(), days=int(value))
        return queryset.filter(pk__in=self._held_today().filter(end__lte=horizon).values("seat"))


class FirmFilterSet(django_filters.FilterSet):
    """Filters staff use on the firm list: name, status, business line, flags, zone where it holds seats today."""

    q = django_filters.CharFilter(method="filter_q", label=_("名称"))
    status = django_filters.ChoiceFilter(choices=FirmStatus.choices, label=_("状态"))
    business_line = django_filters.ModelChoiceFilter(
        field_name="business_lines", queryset=BusinessLine.objects.all(), label=_("业态")
    )
    is_top_ranked = django_filters.BooleanFilter(label=_("五百强/行业百强"))
    is_internship_base = django_filters.BooleanFilter(label=_("就业见习基地"))
    zone = django_filters.ModelChoiceFilter(queryset=Zone.objects.all(), method="filter_zone", label=_("今日在租区域"))
    signed_after = ParkDateFilter(field_name="signed_on", lookup_expr="gte", label=_("签约日期起"))
    signed_before = ParkDateFilter(field_name="signed_on", lookup_expr="lte", label=_("签约日期止"))

    class Meta:
        model = Firm
        fields = ()

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value) | Q(name_en__icontains=value))

    def filter_zone(self, queryset, name, value):
        held = LeaseSeat.objects.on(timezone.localdate()).filter(seat__floor__building__zone=value)
        return queryset.filter(pk__in=held.values("lease__firm"))


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
