"""Forms of the tenant portal. Plain forms, not ModelForms: a tenant can only ever set the fields named here;
the firm always comes from the logged-in user's membership."""
from django import forms
from django.utils.translation import gettext_lazy as _

from parkops.core.dates import ParkDateField, ParkMonthField
from parkops.zones.choices import ZoneStatus
from parkops.zones.models import Zone


class HeadcountForm(forms.Form):
    """A month's headcount; a second report for the same month corrects the first."""

    month = ParkMonthField(
        label=_("月份"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={
            "required": _("请填写月份，格式为 YYYY-MM，例如 2026-03。"),
            "invalid": _("月份格式不正确：请填写 YYYY-MM，例如 2026-03。"),
        },
    )
    headcount = forms.IntegerField(
        label=_("在岗人数"),
        min_value=0,
        max_value=1_000_000,
        error_messages={
            "required": _("请填写在岗人数（0 或正整数）。"),
            "invalid": _("在岗人数必须是整数，例如 120；请不要填写文字或小数。"),
            "min_value": _("在岗人数不能为负数；请填写 0 或正整数。"),
            "max_value": _("在岗人数过大（超过 1,000,000）；请检查后重新填写。"),
        },
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    # Shown only when needed: the service refuses an implausible report (above twice the seats, or a month more than
    # 12 months back) until the reporter confirms it with a reason.
    confirm = forms.BooleanField(label=_("我确认以上数字无误"), required=False)
    confirmation_reason = forms.CharField(
        label=_("确认原因"), max_length=200, required=False,
        help_text=_("例如：含外派驻场人员、补报历史月份。"),
    )
    CONFIRMATION_FIELDS = ("confirm", "confirmation_reason")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_confirmation = bool(self.data.get("confirm") or self.data.get("confirmation_reason"))

    def fields_to_show(self):
        """Return the bound fields to render: the confirmation pair only once a report needs it."""
        return [f for f in self if self.needs_confirmation or f.name not in self.CONFIRMATION_FIELDS]

    def clean(self):
        cleaned = super().clean()
        reason = (cleaned.get("confirmation_reason") or "").strip()
        if cleaned.get("confirm") and not reason:
            self.add_error("confirmation_reason", _("勾选确认时请填写原因。"))
        elif reason and not cleaned.get("confirm"):
            self.add_error("confirm", _("填写了确认原因，请同时勾选“我确认以上数字无误”。"))
        return cleaned

    def service_kwargs(self) -> dict:
        """Return the cleaned data as headcount_report_submit takes it."""
        data = self.cleaned_data
        return {
            "month": data["month"], "headcount": data["headcount"], "note": data["note"],
            "confirmation_reason": data["confirmation_reason"].strip() if data.get("confirm") else "",
        }


class SeatRequestForm(forms.Form):
    """A firm admin's request for more seats."""

    seats = forms.IntegerField(
        label=_("申请席位数"),
        min_value=1,
        max_value=5000,
        error_messages={
            "required": _("请填写申请席位数。"),
            "invalid": _("申请席位数必须是整数，例如 20。"),
            "min_value": _("申请席位数至少为 1。"),
            "max_value": _("申请席位数过大（超过 5000）；请分批申请或联系园区。"),
        },
    )
    zone_preference = forms.ModelChoiceField(
        Zone.objects.filter(status=ZoneStatus.OPERATING),
        label=_("意向区域"),
        required=False,
        empty_label=_("不限"),
        error_messages={"invalid_choice": _("所选区域不存在或不可申请；请从列表中选择。")},
    )
    wanted_from = ParkDateField(
        label=_("期望起用日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("请填写期望起用日期。"),
            "invalid": _("日期格式不正确：请填写 YYYY-MM-DD，例如 2026-09-01。"),
        },
    )
    reason = forms.CharField(
        label=_("申请理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写申请理由，例如新增业务线或扩招计划。")},
    )
