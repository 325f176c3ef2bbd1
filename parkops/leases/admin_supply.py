"""Admin of the supply models as allocation sees them: zones, zone D's phases (with their capacity
reservations inline), floors, seats and their outages, with the holdings counted today beside them.

They live here, not in parkops/zones/admin.py, because they read holdings and write through the allocation
services (a seat's condition, its existence dates, an outage): allocation sits above supply. Counted figures
are annotations: each changelist runs a fixed number of queries whatever the number of rows.
"""
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from parkops.core.adminkit import ParkExportMixin, ParkImportExportMixin, ServiceWriteAdmin, count_of, sum_of
from parkops.zones.admin import ConditionTodayFilter, SeatOutageInline
from parkops.zones.choices import SeatCondition
from parkops.zones.models import Floor, Phase, Seat, SeatOutage, Zone, out_of_service_on
from parkops.zones.resources import SeatResource

from . import services
from .admin_forms import ReservationInline, save_reservation_formset
from .choices import ReservationStatus
from .models import CapacityReservation, LeaseSeat


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
            n_seats=count_of(Seat.objects.existing_on(timezone.localdate()), "floor"),
            n_oos=count_of(Seat.objects.existing_on(timezone.localdate()).filter(out_of_service_on(timezone.localdate())), "floor"),
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


@admin.register(SeatOutage)
class SeatOutageAdmin(ParkExportMixin, ServiceWriteAdmin, SimpleHistoryAdmin):
    """Seats' dated out-of-service periods. Adding one marks its seat out of service from its start through the
    service (refused while the seat is held then or later); existing rows are read only: end them with the seat
    list's 标记所选席位为可用 or the planner's 恢复启用."""

    list_display = ("seat", "start", "end", "reason")
    list_filter = ("seat__floor__building__zone",)
    search_fields = ("seat__code", "reason")
    list_select_related = ("seat",)
    autocomplete_fields = ("seat",)
    fields = ("seat", "start", "reason")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.seats_set_condition(
            seats=[obj.seat], condition=SeatCondition.OUT_OF_SERVICE, on=obj.start, note=obj.reason, by=request.user
        )
        obj.pk = SeatOutage.objects.on(obj.start).filter(seat=obj.seat).values_list("pk", flat=True).first()


@admin.register(Seat)
class SeatAdmin(ParkImportExportMixin, ServiceWriteAdmin, SimpleHistoryAdmin):
    """Seats: who holds each today, import/export by floor code, condition changed through the services."""

    resource_classes = [SeatResource]
    inlines = [SeatOutageInline]
    list_display = ("code", "floor", "kind", "condition_today", "available_from", "retired_on", "has_desk", "has_computer", "holder_today")
    list_filter = (ConditionTodayFilter, "kind", "floor__building__zone", "has_computer")
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
            oos_today=out_of_service_on(timezone.localdate()),
        )

    @admin.display(description=_("今日物理状态"), ordering="oos_today")
    def condition_today(self, obj):
        if not obj.exists_on(timezone.localdate()):
            return _("未启用或已撤除")
        return SeatCondition.OUT_OF_SERVICE.label if getattr(obj, "oos_today", False) else SeatCondition.IN_SERVICE.label

    @admin.display(description=_("今日使用企业"), ordering="holder")
    def holder_today(self, obj):
        holder = getattr(obj, "holder", None)
        return f"{holder}（{obj.holder_lease}）" if holder else "—"

    def save_model(self, request, obj, form, change):
        # When a seat exists is allocation-relevant: a change that would strand a holding is refused by the service.
        dates = {"available_from": obj.available_from, "retired_on": obj.retired_on}
        if change and {"available_from", "retired_on"} & set(form.changed_data):
            obj.available_from = form.initial.get("available_from", obj.available_from)
            obj.retired_on = form.initial.get("retired_on", obj.retired_on)
            super().save_model(request, obj, form, change)
            services.seat_set_existence(seat=obj, by=request.user, **dates)
            obj.available_from, obj.retired_on = dates["available_from"], dates["retired_on"]
        else:
            super().save_model(request, obj, form, change)

    def _set_condition(self, request, queryset, condition):
        # The physical condition is allocation-relevant: it changes from today through the service, with history.
        try:
            n = services.seats_set_condition(seats=list(queryset), condition=condition, on=timezone.localdate(), by=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, level=messages.ERROR)
            return
        self.message_user(request, _("已更新 %(n)d 个席位的状态。") % {"n": n})

    @admin.action(description=_("标记所选席位为停用"), permissions=["change"])
    def mark_out_of_service(self, request, queryset):
        self._set_condition(request, queryset, SeatCondition.OUT_OF_SERVICE)

    @admin.action(description=_("标记所选席位为可用"), permissions=["change"])
    def mark_in_service(self, request, queryset):
        self._set_condition(request, queryset, SeatCondition.IN_SERVICE)
