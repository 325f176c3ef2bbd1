"""Admin-only forms and inlines of the allocation records.

Inline formsets check their rows read-only first (selectors.holding_conflicts, the
phase's capacity) so that a clash shows on the row that causes it; the save
helpers then write through parkops.leases.services, which check again under lock.
"""
from __future__ import annotations

from collections import defaultdict

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from parkops.core.adminkit import PrefilledInlineFormSet
from parkops.core.dates import ParkDateField

from . import services
from .choices import ReservationStatus
from .models import CapacityReservation, Lease, LeaseSeat
from .selectors import holding_conflicts


def _range(start, end) -> str:
    return gettext("%(start)s 至 %(end)s（不含）") % {"start": start, "end": end}


def mark_saved(formset, new=(), changed=(), deleted=()) -> None:
    """Fill the attributes formset.save() would have set, for the admin's change message."""
    formset.new_objects = list(new)
    formset.changed_objects = list(changed)
    formset.deleted_objects = list(deleted)


# --- capacity reservations inside a phase -------------------------------------------------------


class ReservationInlineFormSet(PrefilledInlineFormSet):
    """A phase's reservations; refuses a set whose active total passes the phase's planned capacity."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        phase = self.instance
        counted, listed = 0, []
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            if form.instance.pk:
                listed.append(form.instance.pk)
            if form.instance.status == ReservationStatus.ACTIVE:
                counted += form.cleaned_data.get("seats") or 0
        others = 0
        if phase.pk:
            others = (
                CapacityReservation.objects.filter(phase=phase, status=ReservationStatus.ACTIVE)
                .exclude(pk__in=listed)
                .aggregate(n=Sum("seats"))["n"]
                or 0
            )
        capacity = phase.planned_capacity or 0
        if others + counted > capacity:
            raise ValidationError(
                gettext("有效预留合计 %(total)s 席，超出本分期规划容量 %(cap)s 人 %(over)s 席；请减少预留席位数。")
                % {"total": others + counted, "cap": capacity, "over": others + counted - capacity}
            )


class ReservationInline(admin.TabularInline):
    """Reservations of capacity in a phase; new and changed rows are saved through the services."""

    model = CapacityReservation
    formset = ReservationInlineFormSet
    fields = ("firm", "seats", "wanted_from", "note", "status", "lease")
    readonly_fields = ("status", "lease")
    autocomplete_fields = ("firm",)
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("firm", "lease", "phase__zone")


def save_reservation_formset(request, formset, *, phase) -> None:
    """Write a phase's reservation rows: new ones with reservation_create, changed ones with reservation_change."""
    new, changed = [], []
    for form in formset.forms:
        if not form.has_changed():
            continue
        data = form.cleaned_data
        if form.instance.pk is None:
            new.append(
                services.reservation_create(
                    firm=data["firm"], phase=phase, seats=data["seats"], wanted_from=data.get("wanted_from"),
                    note=data.get("note") or "", by=request.user,
                )
            )
        else:
            obj = services.reservation_change(
                reservation=form.instance, seats=data.get("seats"), wanted_from=data.get("wanted_from"),
                note=data.get("note") or "", by=request.user,
            )
            changed.append((obj, form.changed_data))
    mark_saved(formset, new, changed)


# --- seats held under a lease ----------------------------------------------------------------------


class LeaseSeatInlineForm(forms.ModelForm):
    """One holding; an empty start or end means the lease's own. An existing holding keeps its seat."""

    class Meta:
        model = LeaseSeat
        fields = ("seat", "start", "end")

    def __init__(self, *args, parent=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent = parent
        for name in ("start", "end"):
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].help_text = _("留空表示与租约相同")
        if self.instance.pk and "seat" in self.fields:
            self.fields["seat"].disabled = True

    def clean(self):
        cleaned = super().clean()
        if self.parent is not None:
            cleaned["start"] = cleaned.get("start") or self.parent.start
            cleaned["end"] = cleaned.get("end") or self.parent.end
            # The model instance is built from cleaned_data after clean(); keep them in step.
            self.instance.start, self.instance.end = cleaned["start"], cleaned["end"]
        return cleaned


SEATS_PER_PAGE = 50
SEATS_PAGE_PARAM = "seats_page"


def seats_page(request) -> int:
    """Return the page of a lease's holdings asked for in the URL (1 when absent or malformed)."""
    try:
        return max(1, int(request.GET.get(SEATS_PAGE_PARAM, 1)))
    except ValueError:
        return 1


class LeaseSeatInlineFormSet(PrefilledInlineFormSet):
    """A lease's holdings, one page at a time (a lease may hold hundreds of seats). Overlaps with other
    holdings (in the park, on other pages, or in this form) are row errors."""

    page = 1

    def get_queryset(self):
        if not hasattr(self, "_paged"):
            held = super().get_queryset()
            start = (self.page - 1) * SEATS_PER_PAGE
            ids = list(held.values_list("pk", flat=True)[start : start + SEATS_PER_PAGE])
            self._queryset = held.filter(pk__in=ids)
            self._paged = True
        return self._queryset

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "parent": self.instance}

    def _rows(self):
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE") or not data.get("seat"):
                continue
            if data.get("start") and data.get("end"):
                yield form, data["seat"], data["start"], data["end"]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows = list(self._rows())
        self._check_inside_lease(rows)
        self._check_each_other(rows)
        self._check_park(rows)

    def _check_inside_lease(self, rows):
        lease = self.instance
        if lease.start is None or lease.end is None:
            return
        for form, seat, start, end in rows:
            if start >= end:
                form.add_error("end", gettext("结束日期 %(end)s 必须晚于开始日期 %(start)s。") % {"start": start, "end": end})
            elif start < lease.start or end > lease.end:
                form.add_error(
                    "end",
                    gettext("席位 %(seat)s 的期间 %(range)s 超出租约期限 %(lease)s；请缩短期间或先续签租约。")
                    % {"seat": seat.code, "range": _range(start, end), "lease": _range(lease.start, lease.end)},
                )

    def _check_each_other(self, rows):
        by_seat = defaultdict(list)
        for row in rows:
            by_seat[row[1].pk].append(row)
        for same_seat in by_seat.values():
            same_seat.sort(key=lambda r: r[2])
            for earlier, later in zip(same_seat, same_seat[1:]):
                if later[2] < earlier[3]:
                    later[0].add_error(
                        "seat",
                        gettext("席位 %(seat)s 在本租约中重复：%(a)s 与 %(b)s 重叠；请删除一行或调整日期。")
                        % {"seat": later[1].code, "a": _range(earlier[2], earlier[3]), "b": _range(later[2], later[3])},
                    )

    def _check_park(self, rows):
        # Only new or changed rows can clash; this lease's other holdings are checked among themselves above.
        todo = [r for r in rows if r[0].instance.pk is None or r[0].has_changed()]
        own = [f.instance.pk for f in self.forms if f.instance.pk]
        conflicts = holding_conflicts([(seat.pk, start, end) for _f, seat, start, end in todo], exclude_ids=own)
        for form, seat, start, end in todo:
            for held in conflicts:
                if held.seat_id == seat.pk and held.start < end and held.end > start:
                    form.add_error(
                        "seat",
                        gettext("席位 %(seat)s 已由 %(firm)s（合同 %(lease)s）占用 %(range)s；请改选其他席位或调整日期。")
                        % {"seat": seat.code, "firm": held.lease.firm.short_name, "lease": held.lease.number,
                           "range": _range(held.start, held.end)},
                    )
                    break


class LeaseSeatInline(admin.TabularInline):
    """The seats a lease holds, with seat autocomplete; saved through the services."""

    model = LeaseSeat
    form = LeaseSeatInlineForm
    formset = LeaseSeatInlineFormSet
    fields = ("seat", "start", "end")
    autocomplete_fields = ("seat",)
    extra = 1
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("seat", "lease")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"page": seats_page(request)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        # A holding's seat is picked, not edited from here: no add/change/delete/view icons per row.
        for flag in ("can_add_related", "can_change_related", "can_delete_related", "can_view_related"):
            setattr(field.widget, flag, False)
        return field

    def _open(self, obj) -> bool:
        return obj is None or obj.is_open

    def has_add_permission(self, request, obj=None):
        return self._open(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._open(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._open(obj) and super().has_delete_permission(request, obj)


def save_lease_seat_formset(request, formset, *, lease: Lease) -> None:
    """Write a lease's holdings: removals and date changes first (they may free dates), then new seats in bulk."""
    changed, deleted, groups = [], [], defaultdict(list)
    for form in formset.forms:
        data = form.cleaned_data
        if not data:
            continue
        if form.instance.pk and data.get("DELETE"):
            services.lease_seat_remove(holding=form.instance, by=request.user)
            deleted.append(form.instance)
        elif form.instance.pk and form.has_changed():
            holding = services.lease_seat_change(holding=form.instance, start=data["start"], end=data["end"], by=request.user)
            changed.append((holding, form.changed_data))
        elif form.instance.pk is None and data.get("seat") and not data.get("DELETE"):
            groups[(data["start"], data["end"])].append(data["seat"])
    new = []
    for (start, end), seats in groups.items():
        new += services.seats_allocate(lease=lease, seats=seats, start=start, end=end, by=request.user)
    mark_saved(formset, new, changed, deleted)


# --- lease form and action forms -----------------------------------------------------------------


class LeaseAdminForm(forms.ModelForm):
    """The lease's contract; the number may be left empty to be given one (NJ<year>-<firm>-<n>)."""

    class Meta:
        model = Lease
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "number" in self.fields:
            self.fields["number"].required = False
            self.fields["number"].help_text = _("留空则自动编号")


class TerminateForm(forms.Form):
    """The day the selected leases end (the seats are free that day) and why."""

    on = ParkDateField(label=_("终止日期"), help_text=_("当天起席位空出，格式 YYYY-MM-DD"))
    reason = forms.CharField(label=_("终止原因"), max_length=200, required=False)


class RenewForm(forms.Form):
    """The new end of the selected leases."""

    new_end = ParkDateField(label=_("新的止租日（不含）"), help_text=_("格式 YYYY-MM-DD，须晚于当前止租日"))


class RejectForm(forms.Form):
    """The reason the firm will read in its portal."""

    reason = forms.CharField(label=_("驳回理由"), widget=forms.Textarea(attrs={"rows": 3}))


class ApproveForm(forms.Form):
    """For each selected request, the lease its seats were allocated under (the firm's leases open today)."""

    reason = forms.CharField(label=_("处理意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, requests=(), **kwargs):
        super().__init__(*args, **kwargs)
        open_leases = defaultdict(list)
        firm_ids = {r.firm_id for r in requests}
        for lease in Lease.objects.filter(firm_id__in=firm_ids).open_on(timezone.localdate()):
            open_leases[lease.firm_id].append(lease.pk)
        self.requests = list(requests)
        for req in self.requests:
            self.fields[f"lease_{req.pk}"] = forms.ModelChoiceField(
                label=gettext("%(req)s 的租约") % {"req": req},
                queryset=Lease.objects.filter(pk__in=open_leases[req.firm_id]),
                help_text=_("先在楼层图或租约中为企业分配席位，再选择对应租约"),
            )

    def lease_for(self, request_obj):
        return self.cleaned_data[f"lease_{request_obj.pk}"]
