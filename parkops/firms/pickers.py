"""The firm picker as a form field: type part of a name, pick a suggestion; the server resolves typed text.

Every place a firm is chosen uses the same combobox (parkops/firms/templates/firms/_firm_picker.html, static/js/firmpicker.js)
and the same ranking (firms.matching). The planner's and the zone-D board's forms resolve it in FirmChoiceMixin;
the list filters and the trends report use FirmPickerField, through FirmFilter for django-filter.
"""
from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from .matching import firm_matches, resolve_firm
from .models import Firm


CANDIDATES_SHOWN = 12  # a refusal names this many candidates, then how many in all


def candidates_text(firms) -> str:
    """Return the candidates of an ambiguous firm text as "简称（全称）、…", then how many in all."""
    names = [f.short_name if f.short_name == f.name else f"{f.short_name}（{f.name}）" for f in firms[:CANDIDATES_SHOWN]]
    more = len(firms) - CANDIDATES_SHOWN
    return "、".join(names) + (_("等 %(n)d 家") % {"n": len(firms)} if more > 0 else "")


def unresolved_message(typed: str, candidates) -> str:
    """Return the refusal for typed firm text that names no one firm: the candidates it could mean, or none."""
    if candidates:
        message = _("“%(name)s”对应多家企业：%(candidates)s；请输入更完整的名称，或从列表中选择一家。")
    else:
        message = _("未找到企业“%(name)s”；请输入企业全称、简称或英文名，并从列表中选择。")
    return message % {"name": typed, "candidates": candidates_text(candidates)}


class FirmPickerWidget(forms.Widget):
    """The combobox: a text box (`<name>_q`) for typing and a hidden input (`<name>`) with the picked firm's id."""

    def __init__(self, attrs=None, *, include_exited: bool = True):
        super().__init__(attrs)
        self.include_exited = include_exited

    def value_from_datadict(self, data, files, name):
        return (data.get(name) or "", (data.get(f"{name}_q") or "").strip())

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_q" not in data

    def render(self, name, value, attrs=None, renderer=None):
        firm_id, typed = value if isinstance(value, tuple) else (value, "")
        if isinstance(firm_id, Firm):
            firm_id = firm_id.pk
        firm_id = str(firm_id) if firm_id not in (None, "") and str(firm_id).isdigit() else ""
        if firm_id and not typed:
            typed = Firm.objects.filter(pk=int(firm_id)).values_list("short_name", flat=True).first() or ""
        picker_id = (attrs or {}).get("id") or f"id_{name}_q"
        return render_to_string(
            "firms/_firm_picker.html",
            {"id": picker_id, "value": typed, "firm_id": firm_id, "include_exited": self.include_exited},
        )


class FirmPickerField(forms.ModelChoiceField):
    """A firm chosen by the picker: the picked id, or typed text that names exactly one firm.

    Typed text that fits several firms, or none, is refused with the candidates; never a silent first match.
    """

    widget = FirmPickerWidget

    def __init__(self, queryset=None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(queryset if queryset is not None else Firm.objects.all(), **kwargs)

    def to_python(self, value):
        firm_id, typed = value if isinstance(value, tuple) else (value, "")
        if firm_id not in self.empty_values:
            return super().to_python(firm_id)
        if not typed:
            return None
        found = resolve_firm(typed)
        if found.firm is None:
            exited = [f for f in firm_matches(typed, include_exited=True) if f not in found.candidates]
            candidates = found.candidates or exited
            if len(candidates) == 1:
                return candidates[0]
            raise ValidationError(unresolved_message(typed, candidates), code="firm")
        return found.firm


class FirmFilter(django_filters.ModelChoiceFilter):
    """A list filter by firm, chosen with the picker (firms that left the park can be found too)."""

    field_class = FirmPickerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Firm.objects.all())
        super().__init__(*args, **kwargs)
