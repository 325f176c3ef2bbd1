"""Forms of the planner screens: they parse and check input; the writes happen in leases.services."""
from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkops.core.dates import DATE_FORMATS, ParkDateField
from parkops.firms.choices import FirmStatus
from parkops.firms.matching import firm_matches_text, resolve_firm
from parkops.firms.models import Firm
from parkops.firms.pickers import unresolved_message
from parkops.leases.choices import RentTerms, ReservationStatus
from parkops.leases.models import CapacityReservation, Lease
from parkops.zones.choices import SeatCondition
from parkops.zones.models import Floor, Phase, Seat

DATE_HELP = _("格式 YYYY-MM-DD，例如 2026-03-01")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date_field(label, *, required=True, widget=None, **kwargs):
    # The product's date range (parkops/core/dates.py) refuses typos such as 20266-01-01 or 0202-01-01
    # and the ends of the calendar, where a page adding a year would overflow.
    return ParkDateField(label=label, required=required, widget=widget or DateInput(), input_formats=DATE_FORMATS, **kwargs)


class DayForm(forms.Form):
    """The date a planner page shows (?on=YYYY-MM-DD); today when absent."""

    on = _date_field(_("日期"), required=False)

    def day(self) -> datetime.date:
        """Return the chosen day, or today when the input is missing or invalid."""
        if self.is_valid() and self.cleaned_data["on"]:
            return self.cleaned_data["on"]
        return timezone.localdate()

    def error_text(self) -> str:
        """Return a message for a date that could not be read, or ''."""
        if self.is_bound and not self.is_valid():
            return _("日期“%(value)s”无效，已改为显示今天；请按 YYYY-MM-DD 填写。") % {"value": self.data.get("on", "")}
        return ""




class FirmChoiceMixin:
    """Resolve the firm from the picker's hidden id, or from the typed name when there is no id.

    The typed name goes through firms.matching.resolve_firm, the same ranking the autocomplete lists:
    a name that fits no firm, or several, is refused with the candidates; never a silent first match.
    """

    def clean_firm_choice(self, cleaned) -> Firm | None:
        firm = cleaned.get("firm")
        typed = (cleaned.get("firm_q") or "").strip()
        if firm is not None and typed and not firm_matches_text(firm, typed):
            # The box was edited after picking (or the id is stale): the text and the id disagree.
            self.add_error("firm_q", _("输入的“%(name)s”与所选企业 %(firm)s 不符；请重新输入并从列表中选择。") % {"name": typed, "firm": firm.short_name})
            return None
        if firm is None and typed:
            found = resolve_firm(typed)
            if found.firm is None:
                self.add_error("firm_q", unresolved_message(typed, found.candidates))
                return None
            firm = found.firm
        if firm is None:
            self.add_error("firm_q", _("请选择企业：输入企业名称或简称后从下拉列表中选择。"))
            return None
        if firm.status == FirmStatus.EXITED:
            self.add_error("firm_q", _("企业 %(firm)s 已退出园区，不能分配席位或预留容量。") % {"firm": firm})
            return None
        cleaned["firm"] = firm
        return firm


class FloorActionForm(FirmChoiceMixin, forms.Form):
    """One action on the seats selected on a floor: allocate, release, or set their condition."""

    ALLOCATE, RELEASE = "allocate", "release"
    OUT_OF_SERVICE, IN_SERVICE = SeatCondition.OUT_OF_SERVICE, SeatCondition.IN_SERVICE
    ACTIONS = [
        (ALLOCATE, _("分配给企业")),
        (RELEASE, _("释放席位")),
        (OUT_OF_SERVICE, _("标记停用")),
        (IN_SERVICE, _("恢复启用")),
    ]

    action = forms.ChoiceField(label=_("操作"), choices=ACTIONS, widget=forms.RadioSelect, initial=ALLOCATE)
    seats = forms.CharField(label=_("所选席位"), widget=forms.HiddenInput, required=False)
    on = _date_field(_("查看日期"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "hidden"}))
    firm = forms.ModelChoiceField(queryset=Firm.objects.all(), required=False, widget=forms.HiddenInput)
    firm_q = forms.CharField(label=_("企业"), required=False, max_length=200)
    lease = forms.ModelChoiceField(
        label=_("租约"), queryset=Lease.objects.open(),
        required=False, empty_label=_("新建租约"),
    )
    reservation = forms.ModelChoiceField(
        label=_("来自容量预留"), queryset=CapacityReservation.objects.none(), required=False,
        empty_label=_("不使用预留"),
    )
    start = _date_field(_("开始日期"), required=False)
    end = _date_field(_("结束日期（不含）"), required=False)
    skip_taken = forms.BooleanField(
        label=_("只分配空闲的席位，跳过已占用或停用的"), required=False,
        help_text=_("不勾选时全部分配或全部不分配。"),
    )
    rent_terms = forms.ChoiceField(
        label=_("租金条款"), choices=RentTerms.choices, initial=RentTerms.FREE_POLICY, required=False
    )
    monthly_rate = forms.DecimalField(label=_("每席月租（元）"), min_value=0, max_digits=10, decimal_places=2, initial=0, required=False)
    release_on = _date_field(_("释放日期"), required=False)
    effective_on = _date_field(_("生效日期"), required=False)
    end_holdings = forms.BooleanField(
        label=_("同时结束占用：从生效日起释放这些席位（尚未开始的占用将被撤销）"), required=False
    )
    confirm_remove_future = forms.BooleanField(label=_("确认撤销尚未开始的占用"), required=False)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, floor: Floor, **kwargs):
        super().__init__(*args, **kwargs)
        self.floor = floor
        if floor.building.phase_id:
            # On a zone-D floor the selection can convert one of the phase's reservations into a lease.
            self.fields["reservation"].queryset = CapacityReservation.objects.filter(
                phase=floor.building.phase_id, status=ReservationStatus.ACTIVE
            ).select_related("firm", "phase__zone")  # each option's label names its firm and phase

    def clean_seats(self) -> list[Seat]:
        codes = [c.strip() for c in self.cleaned_data["seats"].split(",") if c.strip()]
        if not codes:
            raise forms.ValidationError(_("没有选择任何席位；请先在楼层图上点击或框选席位。"))
        seats = list(Seat.objects.filter(floor=self.floor, code__in=codes).only("id", "code"))
        unknown = sorted(set(codes) - {s.code for s in seats})
        if unknown:
            raise forms.ValidationError(
                _("席位 %(codes)s 不在本楼层 %(floor)s；请刷新页面后重新选择。")
                % {"codes": "、".join(unknown[:12]), "floor": self.floor.code}
            )
        return seats

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action == self.ALLOCATE:
            self._clean_allocate(cleaned)
        elif action == self.RELEASE and not cleaned.get("release_on") and "release_on" not in self.errors:
            self.add_error("release_on", _("请填写释放日期：席位从这一天起空闲。"))
        elif action in (self.OUT_OF_SERVICE, self.IN_SERVICE) and not cleaned.get("effective_on") and "effective_on" not in self.errors:
            self.add_error("effective_on", _("请填写生效日期：席位状态从这一天起改变。"))
        return cleaned

    def _clean_allocate(self, cleaned) -> None:
        reservation = cleaned.get("reservation")
        if reservation is not None:
            cleaned["firm"], cleaned["lease"] = reservation.firm, None
            for name in ("start", "end"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("由预留转为租约须填写开始日期和结束日期。"))
            return
        firm = self.clean_firm_choice(cleaned)
        lease = cleaned.get("lease")
        if lease is not None and firm is not None and lease.firm_id != firm.pk:
            self.add_error("lease", _("租约 %(lease)s 不属于 %(firm)s；请选择该企业的租约或新建租约。") % {"lease": lease, "firm": firm})
        if lease is None:
            for name in ("start", "end"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("新建租约须填写开始日期和结束日期。"))


class PeriodForm(forms.Form):
    """A period [start, end) the floor planner checks seats over before staff allocate."""

    start = _date_field(_("开始日期"))
    end = _date_field(_("结束日期（不含）"))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start >= end:
            self.add_error("end", _("结束日期 %(end)s 必须晚于开始日期 %(start)s（结束日当天不再占用）。") % {"start": start, "end": end})
        return cleaned


class ReservationForm(FirmChoiceMixin, forms.Form):
    """Add a firm's capacity reservation on a zone-D phase."""

    firm = forms.ModelChoiceField(queryset=Firm.objects.all(), required=False, widget=forms.HiddenInput)
    firm_q = forms.CharField(label=_("企业"), required=False, max_length=200)
    phase = forms.ModelChoiceField(label=_("分期"), queryset=Phase.objects.select_related("zone"))
    seats = forms.IntegerField(label=_("预留席位数"), min_value=1)
    wanted_from = _date_field(_("期望入驻日期"), required=False)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def clean(self):
        cleaned = super().clean()
        self.clean_firm_choice(cleaned)
        return cleaned


class ReservationChangeForm(forms.Form):
    """Change an active reservation's seats, wanted date or note."""

    seats = forms.IntegerField(label=_("预留席位数"), min_value=1)
    wanted_from = _date_field(_("期望入驻日期"), required=False)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)


class ReservationConvertForm(forms.Form):
    """Convert (part of) a reservation into a lease on free seats of one of its phase's floors."""

    floor = forms.ModelChoiceField(label=_("楼层"), queryset=Floor.objects.select_related("building"))
    seats = forms.IntegerField(label=_("席位数"), min_value=1)
    start = _date_field(_("开始日期"))
    end = _date_field(_("结束日期（不含）"))
    rent_terms = forms.ChoiceField(label=_("租金条款"), choices=RentTerms.choices, initial=RentTerms.FREE_POLICY)
    monthly_rate = forms.DecimalField(label=_("每席月租（元）"), min_value=0, max_digits=10, decimal_places=2, initial=0, required=False)

    def __init__(self, *args, reservation: CapacityReservation, **kwargs):
        super().__init__(*args, **kwargs)
        self.reservation = reservation
        self.fields["floor"].queryset = Floor.objects.filter(building__phase=reservation.phase_id).select_related("building")

    def clean(self):
        cleaned = super().clean()
        if self.reservation.status != ReservationStatus.ACTIVE:
            raise forms.ValidationError(_("只能转换有效的预留。"))
        return cleaned


class SearchForm(forms.Form):
    """The planner's search box: a seat code or a firm name."""

    q = forms.CharField(label=_("搜索"), max_length=100, required=False)
