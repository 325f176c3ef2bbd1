"""Admin of the tenant firms as allocation sees them: pipeline status, business lines, seats leased today and
leases expiring (the one expiry window), all counted by subqueries, with the firm's users inline.

It lives here, not in parkops/firms/admin.py, because its figures are holdings: allocation sits above the
tenants. The form (social credit code check) and the users inline come from the firms app.
"""
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from parkops.core.adminkit import ParkImportExportMixin, count_of
from parkops.firms.admin import FirmAdminForm, FirmMemberInline
from parkops.firms.models import Firm
from parkops.firms.resources import FirmResource

from .choices import expiring_label_lazy
from .models import Lease, LeaseSeat


@admin.register(Firm)
class FirmAdmin(ParkImportExportMixin, SimpleHistoryAdmin):
    """Tenant firms: pipeline status, business lines, seats leased today, leases expiring (the one window)."""

    form = FirmAdminForm
    resource_classes = [FirmResource]
    inlines = [FirmMemberInline]
    list_display = (
        "short_name", "status", "lines", "seats_today", "expiring_leases", "is_top_ranked",
        "is_internship_base", "signed_on", "task_force_lead",
    )
    list_filter = ("status", "business_lines", "is_top_ranked", "is_internship_base", "is_demo")
    search_fields = ("name", "short_name", "name_en", "uscc", "parent_group", "contact_name")
    date_hierarchy = "signed_on"
    ordering = ("short_name",)
    list_select_related = ("task_force_lead",)
    autocomplete_fields = ("task_force_lead",)
    filter_horizontal = ("business_lines",)
    readonly_fields = ("seats_today", "expiring_leases", "created", "modified")
    fieldsets = (
        (None, {"fields": ("name", "short_name", "name_en", ("uscc", "uscc_override"), "parent_group", "status", "signed_on")}),
        (_("业态与标记"), {"fields": ("business_lines", "is_top_ranked", "is_internship_base", "is_demo")}),
        (_("联系与专班"), {"fields": ("contact_name", "contact_phone", "contact_email", "task_force_lead", "note")}),
        (_("统计"), {"fields": ("seats_today", "expiring_leases", "created", "modified")}),
    )

    def get_queryset(self, request):
        today = timezone.localdate()
        expiring = Lease.objects.expiring(today)
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_today=count_of(LeaseSeat.objects.on(today), "lease__firm", "seat", distinct=True),
                n_expiring=count_of(expiring, "firm"),
            )
            .prefetch_related("business_lines")
        )

    @admin.display(description=_("业态"))
    def lines(self, obj):
        return "、".join(line.name for line in obj.business_lines.all()) or "—"

    @admin.display(description=_("今日席位"), ordering="n_today")
    def seats_today(self, obj):
        return getattr(obj, "n_today", None)

    @admin.display(description=expiring_label_lazy(), ordering="n_expiring")
    def expiring_leases(self, obj):
        return getattr(obj, "n_expiring", None)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if getattr(form, "uscc_warning", None):
            self.message_user(
                request, _("已按“仍然保存”保存：%(w)s") % {"w": form.uscc_warning}, messages.WARNING
            )
