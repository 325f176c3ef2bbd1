"""Admin of the supply side: zones, zone D's phases (with their capacity reservations), buildings, floors, seats.

Counted figures (seats, leased today, reserved) are annotations: each changelist runs a
fixed number of queries whatever the number of rows.
"""
from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from parkops.core.adminkit import ParkExportMixin, ParkImportExportMixin, ServiceWriteAdmin, count_of, sum_of
from parkops.leases import services
from parkops.leases.admin_forms import ReservationInline, save_reservation_formset
from parkops.leases.choices import ReservationStatus
from parkops.leases.models import CapacityReservation, LeaseSeat

from .choices import SeatCondition
from .models import Building, Floor, Phase, Seat, Zone
from .resources import SeatResource


def _leased_today(outer_field: str):
    return count_of(LeaseSeat.objects.on(timezone.localdate()), outer_field, "seat", distinct=True)


@admin.register(Zone)
class ZoneAdmin(ParkExportMixin, SimpleHistoryAdmin):
    """Zones with their declared planned seats beside the seats counted from rows."""

    list_display = ("code", "name", "status", "declared_seats", "seat_count", "leased_today", "gross_area_m2", "sort_order")
    list_filter = ("status",)
    search_fields = ("code", "name", "name_en")
    ordering = ("sort_order", "code")
    readonly_fields = ("seat_count", "leased_today", "created", "modified")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            n_seats=count_of(Seat.objects.all(), "floor__building__zone"),
            n_leased=_leased_today("seat__floor__building__zone"),
        )

    @admin.display(description=_("席位数（统计）"), ordering="n_seats")
    def seat_count(self, obj):
        return getattr(obj, "n_seats", None)

    @admin.display(description=_("今日已出租"), ordering="n_leased")
    def leased_today(self, obj):
        return getattr(obj, "n_leased", None)


@admin.register(Phase)
class PhaseAdmin(ParkExportMixin, ServiceWriteAdmin, SimpleHistoryAdmin):
    """Zone D's build phases; their capacity reservations are edited inline (through the services)."""

    list_display = ("__str__", "zone", "number", "status", "planned_capacity", "reserved", "expected_handover", "actual_handover")
    list_filter = ("status", "zone")
    search_fields = ("name", "zone__code", "zone__name")
    date_hierarchy = "expected_handover"
    ordering = ("zone__sort_order", "number")
    list_select_related = ("zone",)
    readonly_fields = ("reserved", "created", "modified")
    inlines = [ReservationInline]

    def get_queryset(self, request):
        active = CapacityReservation.objects.filter(status=ReservationStatus.ACTIVE)
        return super().get_queryset(request).annotate(n_reserved=sum_of(active, "phase", "seats"))

    @admin.display(description=_("已预留席位"), ordering="n_reserved")
    def reserved(self, obj):
        return getattr(obj, "n_reserved", None)

    def save_formset(self, request, form, formset, change):
        if formset.model is CapacityReservation:
            save_reservation_formset(request, formset, phase=form.instance)
        else:
            super().save_formset(request, form, formset, change)


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


@admin.register(Floor)
class FloorAdmin(ParkExportMixin, SimpleHistoryAdmin):
    """Floors with their counted seats and the seats leased today."""

    list_display = ("__str__", "code", "building", "level", "area_m2", "grid", "seat_count", "leased_today", "out_of_service")
    list_filter = ("building__zone", "building")
    search_fields = ("building__code", "building__name", "label")
    ordering = ("building__code", "level")
    list_select_related = ("building",)
    autocomplete_fields = ("building",)
    readonly_fields = ("code", "seat_count", "leased_today", "created", "modified")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            n_seats=count_of(Seat.objects.all(), "floor"),
            n_oos=count_of(Seat.objects.filter(condition=SeatCondition.OUT_OF_SERVICE), "floor"),
            n_leased=_leased_today("seat__floor"),
        )

    @admin.display(description=_("楼层编号"))
    def code(self, obj):
        return obj.code

    @admin.display(description=_("网格"))
    def grid(self, obj):
        return f"{obj.grid_rows}×{obj.grid_cols}"

    @admin.display(description=_("席位数"), ordering="n_seats")
    def seat_count(self, obj):
        return getattr(obj, "n_seats", None)

    @admin.display(description=_("今日已出租"), ordering="n_leased")
    def leased_today(self, obj):
        return getattr(obj, "n_leased", None)

    @admin.display(description=_("停用席位"), ordering="n_oos")
    def out_of_service(self, obj):
        return getattr(obj, "n_oos", None)


@admin.register(Seat)
class SeatAdmin(ParkImportExportMixin, ServiceWriteAdmin, SimpleHistoryAdmin):
    """Seats: who holds each today, import/export by floor code, condition changed through the services."""

    resource_classes = [SeatResource]
    list_display = ("code", "floor", "kind", "condition", "has_desk", "has_computer", "holder_today")
    list_filter = ("condition", "kind", "floor__building__zone", "has_computer")
    search_fields = ("code", "floor__building__code", "note")
    ordering = ("code",)
    list_select_related = ("floor__building",)
    autocomplete_fields = ("floor",)
    readonly_fields = ("holder_today", "created", "modified")
    list_per_page = 100
    actions = ["mark_out_of_service", "mark_in_service"]

    def get_queryset(self, request):
        today = LeaseSeat.objects.on(timezone.localdate()).filter(seat=OuterRef("pk"))
        return super().get_queryset(request).annotate(
            holder=Subquery(today.values("lease__firm__short_name")[:1]),
            holder_lease=Subquery(today.values("lease__number")[:1]),
        )

    @admin.display(description=_("今日使用企业"), ordering="holder")
    def holder_today(self, obj):
        holder = getattr(obj, "holder", None)
        return f"{holder}（{obj.holder_lease}）" if holder else "—"

    def save_model(self, request, obj, form, change):
        # The physical condition is allocation-relevant: it changes through the service, with history.
        condition = obj.condition
        if change and "condition" in form.changed_data:
            obj.condition = form.initial.get("condition", obj.condition)
        super().save_model(request, obj, form, change)
        if obj.condition != condition:
            services.seats_set_condition(seats=[obj], condition=condition, by=request.user)
            obj.condition = condition

    def _set_condition(self, request, queryset, condition):
        n = services.seats_set_condition(seats=list(queryset), condition=condition, by=request.user)
        self.message_user(request, _("已更新 %(n)d 个席位的状态。") % {"n": n})

    @admin.action(description=_("标记所选席位为停用"), permissions=["change"])
    def mark_out_of_service(self, request, queryset):
        self._set_condition(request, queryset, SeatCondition.OUT_OF_SERVICE)

    @admin.action(description=_("标记所选席位为可用"), permissions=["change"])
    def mark_in_service(self, request, queryset):
        self._set_condition(request, queryset, SeatCondition.IN_SERVICE)
