"""Forms of the report pages: the as-of date and the grouping, the firm whose trend to draw."""
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkops.core.dates import ParkDateField
from parkops.firms.pickers import FirmPickerField

GROUPS = (
    ("zone", _("区域")),
    ("building", _("楼栋")),
    ("floor", _("楼层")),
    ("firm", _("企业")),
    ("line", _("业态")),
)


class AsOfForm(forms.Form):
    """An as-of date (default today); a bad date is reported and the page falls back to today."""

    on = ParkDateField(
        label=_("统计日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, data=None, **kwargs):
        # Without a date the page shows today: put today in the field too, so the form says so.
        data = data.copy() if data is not None else {}
        if not data.get("on"):
            data["on"] = timezone.localdate().isoformat()
        super().__init__(data, **kwargs)

    def as_of(self):
        """Return the chosen date, or today when none or an invalid one was given."""
        if self.is_bound and self.is_valid() and self.cleaned_data["on"]:
            return self.cleaned_data["on"]
        return timezone.localdate()


class OccupancyForm(AsOfForm):
    group = forms.ChoiceField(label=_("分组"), choices=GROUPS, required=False)

    def group_value(self) -> str:
        if self.is_bound and self.is_valid() and self.cleaned_data["group"]:
            return self.cleaned_data["group"]
        return "zone"


class TrendForm(AsOfForm):
    firm = FirmPickerField(label=_("企业"), help_text=_("留空时显示在租席位最多的企业"))

    def chosen_firm(self):
        return self.cleaned_data.get("firm") if self.is_bound and self.is_valid() else None
