"""filtersets of the zones app."""
import datetime

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkops.firms.models import BusinessLine
from parkops.firms.pickers import FirmFilter
from parkops.leases.models import LeaseSeat

from .choices import SeatCondition, SeatKind
from .models import Building, Floor, Seat, Zone


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
        horizon = timezone.localdate() + datetime.timedelta(days=int(value))
        return queryset.filter(pk__in=self._held_today().filter(end__lte=horizon).values("seat"))
