"""Admin of the tenants: business lines, firms (with their users inline), firm users.

A firm row answers the bureau's first question at a glance: status, business lines,
seats leased today and leases expiring today (the product's expiry window), all counted by subqueries.
"""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from parkops.core.adminkit import ParkExportMixin, ParkImportExportMixin, PrefilledInlineFormSet, count_of
from parkops.leases.choices import expiring_label_lazy
from parkops.leases.models import Lease, LeaseSeat

from .models import BusinessLine, Firm, FirmMember
from .resources import FirmResource
from .uscc import check_uscc


@admin.register(BusinessLine)
class BusinessLineAdmin(ParkExportMixin, admin.ModelAdmin):
    """The park's business lines (业态) and how many firms run each."""

    list_display = ("name", "name_en", "code", "sort_order", "firm_count")
    search_fields = ("name", "name_en", "code")
    ordering = ("sort_order", "code")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_firms=count_of(Firm.business_lines.through.objects.all(), "businessline", "firm"))

    @admin.display(description=_("企业数"), ordering="n_firms")
    def firm_count(self, obj):
        return getattr(obj, "n_firms", None)


class FirmAdminForm(forms.ModelForm):
    """A firm, with its social credit code checked: a bad shape is an error; a failing checksum
    is a warning that saves only with "仍然保存" ticked."""

    uscc_override = forms.BooleanField(
        label=_("仍然保存"), required=False,
        help_text=_("统一社会信用代码校验位不符但核对无误（如早期试点代码）时勾选。"),
    )

    class Meta:
        model = Firm
        fields = "__all__"

    def clean_uscc(self):
        raw = (self.cleaned_data.get("uscc") or "").strip()
        if not raw:
            return None
        result = check_uscc(raw)
        if result.error:
            raise ValidationError(result.error, code="uscc_shape")
        self.uscc_warning = result.warning
        return result.code

    def clean(self):
        cleaned = super().clean()
        warning = getattr(self, "uscc_warning", None)
        # A code already saved with the override (the instance still holds the stored value here) needs no new tick.
        if warning and cleaned.get("uscc") == self.instance.uscc:
            self.uscc_warning = None
        elif warning and not cleaned.get("uscc_override"):
            self.add_error("uscc", ValidationError(warning, code="uscc_checksum"))
        return cleaned


class FirmMemberInline(admin.TabularInline):
    """The logins of a firm (tenant users), with their role."""

    model = FirmMember
    formset = PrefilledInlineFormSet
    fields = ("user", "role")
    autocomplete_fields = ("user",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "firm")


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


@admin.register(FirmMember)
class FirmMemberAdmin(ParkExportMixin, admin.ModelAdmin):
    """Which login belongs to which firm, as firm admin or viewer."""

    list_display = ("user", "firm", "role", "created")
    list_filter = ("role",)
    search_fields = ("user__username", "user__first_name", "user__last_name", "firm__name", "firm__short_name")
    ordering = ("firm__short_name", "user__username")
    list_select_related = ("user", "firm")
    autocomplete_fields = ("user", "firm")
