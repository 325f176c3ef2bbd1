"""filtersets of the firms app."""
import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkops.core.dates import ParkDateFilter
from parkops.leases.models import LeaseSeat
from parkops.zones.models import Zone

from .choices import FirmStatus
from .models import BusinessLine, Firm


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
