"""Admin of the supply side that needs nothing of allocation: buildings (with their floors inline), and the
seat list filter and outage inline that the allocation admin builds on.

The admins of zones, phases, floors, seats and outages show holdings (leased today, who holds a seat, the phase's
reservations) and change seats through the allocation services, so they live in parkops/leases/admin_supply.py:
allocation sits above supply, and supply never imports it.
"""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from parkops.core.adminkit import ParkExportMixin, count_of

from .choices import SeatCondition
from .models import Building, Floor, Seat, SeatOutage


class FloorInline(admin.TabularInline):
    """Floors of a building."""

    model = Floor
    extra = 0
    fields = ("level", "label", "area_m2", "grid_rows", "grid_cols")
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("building")


@admin.register(Building)
class BuildingAdmin(ParkExportMixin, SimpleHistoryAdmin):
    """Buildings with their floors inline."""

    list_display = ("code", "name", "zone", "phase", "functional_area", "floors_above", "floor_count", "seat_count")
    list_filter = ("zone", "functional_area", "phase")
    search_fields = ("code", "name", "zone__code")
    ordering = ("zone__sort_order", "code")
    list_select_related = ("zone", "phase__zone")
    autocomplete_fields = ("phase",)
    readonly_fields = ("created", "modified")
    inlines = [FloorInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            n_floors=count_of(Floor.objects.all(), "building"),
            n_seats=count_of(Seat.objects.all(), "floor__building"),
        )

    @admin.display(description=_("楼层数（统计）"), ordering="n_floors")
    def floor_count(self, obj):
        return getattr(obj, "n_floors", None)

    @admin.display(description=_("席位数"), ordering="n_seats")
    def seat_count(self, obj):
        return getattr(obj, "n_seats", None)


class ConditionTodayFilter(admin.SimpleListFilter):
    """Filter seats by their physical condition today (derived from the dated outages)."""

    title = _("今日物理状态")
    parameter_name = "condition"

    def lookups(self, request, model_admin):
        return SeatCondition.choices

    def queryset(self, request, queryset):
        if self.value() == SeatCondition.OUT_OF_SERVICE:
            return queryset.filter(oos_today=True)
        if self.value() == SeatCondition.IN_SERVICE:
            return queryset.filter(oos_today=False)
        return queryset


class SeatOutageInline(admin.TabularInline):
    """A seat's dated out-of-service periods, read only: they change through the services (admin actions)."""

    model = SeatOutage
    fields = ("start", "end", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False
