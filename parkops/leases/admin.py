"""Admin of the allocation records. Every write goes through parkops.leases.services.

- Lease: created and edited through lease_create / lease_update; its seats in an inline
  (seats_allocate, lease_seat_change, lease_seat_remove); terminate and renew are actions;
  a lease is never deleted (it is terminated, and history keeps it).
- LeaseSeat, CapacityReservation, SeatRequest, HeadcountReport: the same, one service per write.
Changelist columns are annotations: a fixed number of queries whatever the number of rows.
"""
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from parkops.core.adminkit import (
    ParkExportMixin, ParkImportExportMixin, ServiceWriteAdmin, count_of, form_action, mark_saved, run_each,
)

from . import services
from .admin_forms import (
    SEATS_PAGE_PARAM,
    SEATS_PER_PAGE,
    ApproveForm,
    LeaseAdminForm,
    LeaseSeatInline,
    RejectForm,
    RenewForm,
    TerminateForm,
    save_lease_seat_formset,
)
from .choices import LeaseState, ReservationStatus, SeatRequestStatus
from .models import CapacityReservation, HeadcountReport, Lease, LeaseSeat, SeatRequest
from .resources import LeaseResource

FIRM_SEARCH = ("firm__name", "firm__short_name", "firm__name_en", "firm__uscc")


class FirmStatusFilter(admin.ChoicesFieldListFilter):
    """The firm's pipeline status, titled so that it is not confused with the lease's own status."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("企业状态")


class LeaseStateFilter(admin.SimpleListFilter):
    """The lease's state today, derived from its dates (LeaseQuerySet.in_state), never a stored value."""

    title = _("状态")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return LeaseState.choices

    def queryset(self, request, queryset):
        value = self.value()
        if value in LeaseState.values:
            return queryset.in_state(value, timezone.localdate())
        return queryset


class NoDeleteMixin:
    """Records kept for their history: ended through a service (terminate, cancel), never deleted."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Lease)
class LeaseAdmin(NoDeleteMixin, ParkImportExportMixin, ServiceWriteAdmin, SimpleHistoryAdmin):
    """Leases with their seats; terminate and renew selected leases; import/export with the seat codes."""

    form = LeaseAdminForm
    resource_classes = [LeaseResource]
    inlines = [LeaseSeatInline]
    list_display = (
        "number", "firm", "start", "end", "state", "rent_terms", "monthly_rate", "seats_today", "seats_held",
    )
    list_filter = (LeaseStateFilter, "rent_terms", ("firm__status", FirmStatusFilter), ("end", admin.DateFieldListFilter))
    search_fields = ("number", "policy_basis", *FIRM_SEARCH)
    date_hierarchy = "start"
    ordering = ("-start", "number")
    list_select_related = ("firm",)
    autocomplete_fields = ("firm",)
    actions = ["terminate_leases", "renew_leases"]
    add_fields = ("firm", "number", "start", "end", "rent_terms", "monthly_rate", "policy_basis", "stage", "note")
    change_readonly = (
        "firm", "start", "end", "terminated_on", "termination_reason", "seats_today", "seat_pages", "created", "modified",
    )

    def get_queryset(self, request):
        today = timezone.localdate()
        return super().get_queryset(request).with_state(today).annotate(
            n_today=count_of(LeaseSeat.objects.on(today), "lease", "seat", distinct=True),
            n_held=count_of(LeaseSeat.objects.all(), "lease", "seat", distinct=True),
            n_rows=count_of(LeaseSeat.objects.all(), "lease"),
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.add_fields
        return (*self.add_fields, "terminated_on", "termination_reason", "seats_today", "seat_pages", "created", "modified")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if not obj.is_open:
            return self.get_fields(request, obj)
        return self.change_readonly

    @admin.display(description=_("状态"), ordering="state")
    def state(self, obj):
        return obj.state_label

    @admin.display(description=_("今日席位"), ordering="n_today")
    def seats_today(self, obj):
        return getattr(obj, "n_today", None)

    @admin.display(description=_("租约内席位"), ordering="n_held")
    def seats_held(self, obj):
        return getattr(obj, "n_held", None)

    @admin.display(description=_("租约席位分页"))
    def seat_pages(self, obj):
        """Links to each page of the holdings table below (SEATS_PER_PAGE rows a page)."""
        rows = getattr(obj, "n_rows", 0) or 0
        pages = max(1, -(-rows // SEATS_PER_PAGE))
        links = format_html_join(" ", '<a href="?{}={}">{}</a>', ((SEATS_PAGE_PARAM, n, n) for n in range(1, pages + 1)))
        return format_html("{} {}", _("共 %(n)s 条，每页 %(per)s 条：") % {"n": rows, "per": SEATS_PER_PAGE}, links)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            lease = services.lease_update(
                lease=obj, number=data.get("number") or None, rent_terms=data.get("rent_terms"),
                monthly_rate=data.get("monthly_rate"), policy_basis=data.get("policy_basis"), note=data.get("note"),
                stage=data.get("stage"), by=request.user,
            )
        else:
            lease = services.lease_create(
                firm=data["firm"], start=data["start"], end=data["end"], rent_terms=data["rent_terms"],
                monthly_rate=data.get("monthly_rate") or 0, policy_basis=data.get("policy_basis") or "",
                number=data.get("number") or "", stage=data["stage"], note=data.get("note") or "", by=request.user,
            )
        obj.number, obj.firm_id = lease.number, lease.firm_id
        mark_saved(obj, lease)

    def save_formset(self, request, form, formset, change):
        if formset.model is LeaseSeat:
            save_lease_seat_formset(request, formset, lease=form.instance)
        else:
            super().save_formset(request, form, formset, change)

    @admin.action(description=_("终止所选租约"), permissions=["change"])
    def terminate_leases(self, request, queryset):
        return form_action(
            self, request, queryset, make_form=TerminateForm, title=_("终止所选租约"),
            apply=lambda lease, form: services.lease_terminate(
                lease=lease, on=form.cleaned_data["on"], reason=form.cleaned_data["reason"], by=request.user
            ),
            done_message=_("已终止 %(n)d 份租约。"),
        )

    @admin.action(description=_("续签所选租约"), permissions=["change"])
    def renew_leases(self, request, queryset):
        return form_action(
            self, request, queryset, make_form=RenewForm, title=_("续签所选租约"),
            apply=lambda lease, form: services.lease_renew(lease=lease, new_end=form.cleaned_data["new_end"], by=request.user),
            done_message=_("已续签 %(n)d 份租约。"),
        )


@admin.register(LeaseSeat)
class LeaseSeatAdmin(ParkExportMixin, ServiceWriteAdmin, SimpleHistoryAdmin):
    """Single holdings: who held which seat when. Added with seats_allocate, dates changed with lease_seat_change."""

    list_display = ("seat", "lease", "firm", "start", "end", "in_force_today")
    list_filter = (("start", admin.DateFieldListFilter), ("end", admin.DateFieldListFilter), "seat__floor__building__zone")
    search_fields = ("seat__code", "lease__number", *("lease__" + f for f in FIRM_SEARCH))
    date_hierarchy = "start"
    ordering = ("seat__code", "start")
    list_select_related = ("seat", "lease__firm")
    autocomplete_fields = ("lease", "seat")
    readonly_fields = ("in_force_today",)

    def get_readonly_fields(self, request, obj=None):
        return ("lease", "seat", "in_force_today") if obj else ("in_force_today",)

    @admin.display(description=_("企业"), ordering="lease__firm__short_name")
    def firm(self, obj):
        return obj.lease.firm

    @admin.display(description=_("今日有效"), boolean=True)
    def in_force_today(self, obj):
        if obj.start is None:
            return None
        return obj.start <= timezone.localdate() < obj.end

    def save_model(self, request, obj, form, change):
        if change:
            services.lease_seat_change(holding=obj, start=obj.start, end=obj.end, by=request.user)
            return
        (holding,) = services.seats_allocate(lease=obj.lease, seats=[obj.seat], start=obj.start, end=obj.end, by=request.user)
        mark_saved(obj, holding)

    def delete_model(self, request, obj):
        services.lease_seat_remove(holding=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for holding in queryset:
            services.lease_seat_remove(holding=holding, by=request.user)


@admin.register(CapacityReservation)
class CapacityReservationAdmin(NoDeleteMixin, ParkExportMixin, ServiceWriteAdmin, SimpleHistoryAdmin):
    """Zone-D capacity reservations, created and changed within the phase's capacity; cancelled, never deleted."""

    list_display = ("firm", "phase", "seats", "wanted_from", "status", "lease")
    list_filter = ("status", "phase")
    search_fields = ("note", "lease__number", *FIRM_SEARCH)
    date_hierarchy = "wanted_from"
    ordering = ("phase", "-seats")
    list_select_related = ("firm", "phase__zone", "lease")
    autocomplete_fields = ("firm", "phase")
    actions = ["cancel_reservations"]

    def get_readonly_fields(self, request, obj=None):
        return ("firm", "phase", "status", "lease", "created", "modified") if obj else ("status", "lease")

    def save_model(self, request, obj, form, change):
        if change:
            services.reservation_change(
                reservation=obj, seats=obj.seats, wanted_from=obj.wanted_from, note=obj.note, by=request.user
            )
            return
        saved = services.reservation_create(
            firm=obj.firm, phase=obj.phase, seats=obj.seats, wanted_from=obj.wanted_from, note=obj.note, by=request.user
        )
        mark_saved(obj, saved)

    @admin.action(description=_("取消所选预留"), permissions=["change"])
    def cancel_reservations(self, request, queryset):
        from parkops.core.adminkit import ParkExportMixin, ParkImportExportMixin, run_each

        run_each(
            self, request, queryset.filter(status=ReservationStatus.ACTIVE),
            lambda r: services.reservation_cancel(reservation=r, by=request.user), _("已取消 %(n)d 项预留。"),
        )


@admin.register(SeatRequest)
class SeatRequestAdmin(NoDeleteMixin, ParkExportMixin, ServiceWriteAdmin, SimpleHistoryAdmin):
    """Firms' requests for seats; approved (naming the lease) or rejected (with a reason) by actions."""

    list_display = ("firm", "seats", "zone_preference", "wanted_from", "status", "created", "decided_by", "lease")
    list_filter = ("status", "zone_preference", ("wanted_from", admin.DateFieldListFilter))
    search_fields = ("reason", "decision_reason", *FIRM_SEARCH)
    date_hierarchy = "wanted_from"
    ordering = ("-created",)
    list_select_related = ("firm", "zone_preference", "decided_by", "lease")
    autocomplete_fields = ("firm",)
    actions = ["approve_requests", "reject_requests"]
    add_fields = ("firm", "seats", "zone_preference", "wanted_from", "reason")

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.add_fields
        return (*self.add_fields, "status", "requested_by", "decided_by", "decided_at", "decision_reason", "lease", "created")

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            return  # a request's fields are read-only once made; decisions are the approve / reject actions
        saved = services.seat_request_create(
            firm=obj.firm, seats=obj.seats, wanted_from=obj.wanted_from, reason=obj.reason,
            zone_preference=obj.zone_preference, by=request.user,
        )
        mark_saved(obj, saved)

    @admin.action(description=_("批准所选申请（选择租约）"), permissions=["change"])
    def approve_requests(self, request, queryset):
        queryset = queryset.filter(status=SeatRequestStatus.OPEN).select_related("firm")
        return form_action(
            self, request, queryset,
            make_form=lambda data: ApproveForm(data, requests=queryset),
            title=_("批准所选申请"),
            apply=lambda req, form: services.seat_request_decide(
                request=req, approve=True, lease=form.lease_for(req), reason=form.cleaned_data["reason"], by=request.user
            ),
            done_message=_("已批准 %(n)d 项申请。"),
        )

    @admin.action(description=_("驳回所选申请（填写理由）"), permissions=["change"])
    def reject_requests(self, request, queryset):
        return form_action(
            self, request, queryset.filter(status=SeatRequestStatus.OPEN).select_related("firm"),
            make_form=RejectForm, title=_("驳回所选申请"),
            apply=lambda req, form: services.seat_request_decide(
                request=req, approve=False, reason=form.cleaned_data["reason"], by=request.user
            ),
            done_message=_("已驳回 %(n)d 项申请。"),
        )


@admin.register(HeadcountReport)
class HeadcountReportAdmin(NoDeleteMixin, ParkExportMixin, ServiceWriteAdmin, SimpleHistoryAdmin):
    """Monthly headcount reports, submitted (or corrected) through headcount_report_submit."""

    list_display = ("firm", "month", "headcount", "flagged", "submitted_by", "modified")
    list_filter = (("month", admin.DateFieldListFilter), ("confirmation_reason", admin.EmptyFieldListFilter))
    search_fields = ("note", *FIRM_SEARCH)
    date_hierarchy = "month"
    ordering = ("-month", "firm")
    list_select_related = ("firm", "submitted_by")
    autocomplete_fields = ("firm",)

    def get_readonly_fields(self, request, obj=None):
        return ("firm", "month", "submitted_by") if obj else ("submitted_by",)

    @admin.display(description=_("需核实"), boolean=True, ordering="confirmation_reason")
    def flagged(self, obj) -> bool:
        """True when the report passed the plausibility limits on the reporter's confirmation."""
        return bool(obj.confirmation_reason)

    def save_model(self, request, obj, form, change):
        saved = services.headcount_report_submit(
            firm=obj.firm, month=obj.month, headcount=obj.headcount, note=obj.note,
            confirmation_reason=obj.confirmation_reason, by=request.user,
        )
        mark_saved(obj, saved)


# The supply and tenant models' admins that show holdings and write through the services (see their modules).
from . import admin_supply, admin_tenants  # noqa: E402,F401  (registers their ModelAdmins)

