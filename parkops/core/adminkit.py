"""Pieces shared by the park apps' admin modules.

- ServiceWriteAdmin: a ModelAdmin whose writes go through parkops.leases.services.
  When a service refuses a save that passed the forms' read-only checks (a race,
  a rule only the service knows), the transaction is rolled back and the same
  page is shown again with the service's message as a form error: never a 500.
- SafeResource: a django-import-export resource whose exports neutralise
  spreadsheet formulae (= + - @ tab CR) and whose imports undo that quoting, so
  an export imports back unchanged.
"""
from __future__ import annotations

from functools import partial

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.formats import base_formats
from import_export.resources import modelresource_factory

from .csvsafe import FORMULA_PREFIXES, neutralise


def add_validation_error(form, error: ValidationError) -> None:
    """Attach a service's ValidationError to a form: on its field when the form has it, else to the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class ServiceWriteAdmin(admin.ModelAdmin):
    """A ModelAdmin that turns a service's ValidationError raised while saving into a form error.

    Override save_model / save_formset to call the services and let their
    ValidationError propagate: the save is rolled back and the change form is
    shown again with the message.
    """

    def _changeform_view(self, request, object_id, form_url, extra_context):
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super()._changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            # The savepoint above undid every write of the refused save; render the page again,
            # this time with the form carrying the service's message.
            request._parkops_service_error = exc
            return super()._changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        error = getattr(request, "_parkops_service_error", None)
        if error is None:
            return form_class

        class RefusedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                add_validation_error(self, error)
                return cleaned

        return RefusedForm


def unquote_formula(value):
    """Undo csvsafe.neutralise: "'=x" read back from our own export becomes "=x" again."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


class SafeResource(resources.ModelResource):
    """A ModelResource whose exported cells cannot run as spreadsheet formulae, and whose import reads them back."""

    def export_field(self, field, instance, **kwargs):
        return neutralise(super().export_field(field, instance, **kwargs))

    def before_import_row(self, row, **kwargs):
        for key in list(row.keys()):
            value = row[key]
            if isinstance(value, str):
                value = unquote_formula(value.strip())
            row[key] = value
        super().before_import_row(row, **kwargs)


class ParkDateWidget(widgets.DateWidget):
    """A date column read as YYYY-MM-DD (or a spreadsheet date), with an error that says how to fix it."""

    def __init__(self):
        super().__init__(format="%Y-%m-%d")

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except ValueError:
            raise ValueError(_("日期“%(v)s”无法识别；请写成 YYYY-MM-DD，例如 2026-01-01。") % {"v": value}) from None


class ChoiceWidget(widgets.Widget):
    """A choices column that accepts the stored value or its Chinese label and exports the stored value."""

    def __init__(self, choices):
        super().__init__()
        self.choices = choices

    def clean(self, value, row=None, **kwargs):
        value = (str(value).strip() if value is not None else "")
        if not value:
            return None
        for stored, label in self.choices.choices:
            if value in (stored, str(label)):
                return stored
        allowed = "、".join(f"{stored}（{label}）" for stored, label in self.choices.choices)
        raise ValueError(_("值“%(v)s”不在可选范围内；请填写以下之一：%(allowed)s。") % {"v": value, "allowed": allowed})

    def render(self, value, obj=None, **kwargs):
        return value or ""


class ParkBooleanWidget(widgets.BooleanWidget):
    """A yes/no column that also reads 是/否."""

    TRUE_VALUES = [*widgets.BooleanWidget.TRUE_VALUES, "是", "yes", "Yes"]
    FALSE_VALUES = [*widgets.BooleanWidget.FALSE_VALUES, "否", "no", "No"]

    def clean(self, value, row=None, **kwargs):
        if value in ("", None):
            return False
        if value in self.TRUE_VALUES:
            return True
        if value in self.FALSE_VALUES:
            return False
        raise ValueError(_("“%(v)s”不是是/否值；请填写 1 或 0（是/否）。") % {"v": value})


def count_of(queryset, outer_field: str, counted: str = "pk", *, distinct: bool = False):
    """Return an expression counting `queryset` rows whose `outer_field` is the outer row (a correlated subquery).

    Used in changelist annotations so that a computed column costs no query per row.
    """
    inner = (
        queryset.filter(**{outer_field: OuterRef("pk")})
        .order_by()
        .values(outer_field)
        .annotate(n=Count(counted, distinct=distinct))
        .values("n")[:1]
    )
    return Coalesce(Subquery(inner, output_field=IntegerField()), 0)


def sum_of(queryset, outer_field: str, summed: str):
    """Return an expression summing `summed` over `queryset` rows whose `outer_field` is the outer row."""
    inner = (
        queryset.filter(**{outer_field: OuterRef("pk")}).order_by().values(outer_field).annotate(n=Sum(summed)).values("n")[:1]
    )
    return Coalesce(Subquery(inner, output_field=IntegerField()), 0)


def _known_optgroups(widget, obj, name, value, attr=None):
    """AutocompleteSelect.optgroups for a value whose object is already loaded: no query."""
    selected = {str(v) for v in value if v not in ("", None)}
    if selected != {str(obj.pk)}:
        return AutocompleteSelect.optgroups(widget, name, value, attr)
    options = []
    if not widget.is_required:
        options.append(widget.create_option(name, "", "", False, 0))
    label = widget.choices.field.label_from_instance(obj)
    options.append(widget.create_option(name, obj.pk, label, True, len(options)))
    return [(None, options, 0)]


def prefill_autocomplete(form) -> None:
    """Let each autocomplete widget of a bound-to-instance form render its selected object from the
    instance's already loaded relation (select_related), instead of one query per form row."""
    for name, field in form.fields.items():
        widget = getattr(field.widget, "widget", field.widget)
        if not isinstance(widget, AutocompleteSelect) or isinstance(widget, AutocompleteSelectMultiple):
            continue
        model_field = form.instance._meta.get_field(name)
        if model_field.is_relation and model_field.is_cached(form.instance):
            obj = getattr(form.instance, name)
            if obj is not None:
                widget.optgroups = partial(_known_optgroups, widget, obj)


class PrefilledInlineFormSet(BaseInlineFormSet):
    """An inline formset whose rows' autocomplete widgets cost no query (see prefill_autocomplete)."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if form.instance.pk is not None:
            prefill_autocomplete(form)
        return form


def form_action(modeladmin, request, queryset, *, make_form, title, apply, done_message):
    """An admin action with an intermediate page: show make_form(data) for the selected rows; once it is
    valid, call apply(obj, form) for each row (each a service call) and go back to the changelist."""
    form = make_form(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        run_each(modeladmin, request, queryset, lambda obj: apply(obj, form), done_message)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "queryset": queryset,
        "opts": modeladmin.model._meta,
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, "admin/parkops/action_form.html", context)


def run_each(modeladmin, request, queryset, write, done_message) -> int:
    """Call write(obj) for each selected row, each in its own service transaction; report successes and refusals."""
    done = 0
    for obj in queryset:
        try:
            write(obj)
        except ValidationError as exc:
            modeladmin.message_user(request, f"{obj}：{'；'.join(exc.messages)}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message % {"n": done}, messages.SUCCESS)
    return done


class ParkExportMixin(ExportActionMixin):
    """"Export selected rows" (and the export page) as CSV or XLSX, formulae neutralised, for any model."""

    formats = [base_formats.CSV, base_formats.XLSX]

    def get_export_resource_classes(self, request):
        if self.resource_classes:
            return super().get_export_resource_classes(request)
        return [modelresource_factory(self.model, resource_class=SafeResource)]


class ParkImportExportMixin(ImportMixin, ParkExportMixin):
    """Import (upload, dry-run preview with every row's errors, confirm; all or nothing) and export."""

    import_template_name = "admin/parkops/import.html"

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)
