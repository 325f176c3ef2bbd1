"""Admin of the tenants that needs nothing of allocation: business lines, firm users, and the firm form (with
its social credit code check) and users inline that the firm admin builds on.

The firm admin itself shows seats leased today and leases expiring (allocation figures), so it lives in
parkops/leases/admin_tenants.py: allocation sits above the tenants, and firms never imports it.
"""
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from parkops.core.adminkit import ParkExportMixin, PrefilledInlineFormSet, count_of

from .models import BusinessLine, Firm, FirmMember
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


@admin.register(FirmMember)
class FirmMemberAdmin(ParkExportMixin, admin.ModelAdmin):
    """Which login belongs to which firm, as firm admin or viewer."""

    list_display = ("user", "firm", "role", "created")
    list_filter = ("role",)
    search_fields = ("user__username", "user__first_name", "user__last_name", "firm__name", "firm__short_name")
    ordering = ("firm__short_name", "user__username")
    list_select_related = ("user", "firm")
    autocomplete_fields = ("user", "firm")
