"""Pieces shared by the park apps' admin modules.

- ServiceWriteAdmin: a ModelAdmin whose writes go through parkops.leases.services.
  When a service refuses a save that passed the forms' read-only checks (a race,
  a rule only the service knows), the transaction is rolled back and the same
  page is shown again with the service's message as a form error: never a 500.
- SafeResource: a django-import-export resource whose exports neutralise
  spreadsheet formulae (= + - @ tab CR) and whose imports undo that quoting, so
  an export imports back unchanged.
- ParkImportExportMixin: import with a dry run, then a confirm step that writes
  every row or none (a row the services or the database refuse at confirm time
  rolls the whole file back and is reported), and a signed temp-file name.
"""
from __future__ import annotations

import copy
import logging
import os
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.admin.options import IncorrectLookupParameters
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.core import signing
from django.core.exceptions import ValidationError
import re
from contextlib import contextmanager

from django.db import DatabaseError, DataError, IntegrityError, router, transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.formats import base_formats
from import_export.forms import ConfirmImportForm
from import_export.resources import modelresource_factory
from import_export.results import Result
from import_export.tmp_storages import TempFolderStorage

from .csvsafe import FORMULA_PREFIXES, neutralise
from .dates import validate_park_date

logger = logging.getLogger(__name__)


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

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            # The transaction above undid every write of the refused save; render the page again,
            # this time with the form carrying the service's message.
            request._parkops_service_error = exc
            return super().changeform_view(request, object_id, form_url, extra_context)

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


def mark_saved(obj, saved) -> None:
    """Make the admin's (or an import's) unsaved `obj` stand for `saved`, the row a service wrote in its place.

    ModelAdmin.save_model and import-export's save_instance expect `obj` itself to be saved: Django goes on with
    it (save_related, the log entry, the redirect; import-export's diff and row result). The services build and
    save their own instance, so `obj` takes its primary key and is marked no longer to-be-added, as Model.save()
    would mark it. Django has no public call for that second step (Model.save() sets ``_state.adding`` itself;
    django-simple-history's admin sets it by hand the same way), so it is set here, in one place;
    tests/admin/test_private_apis.py breaks if Django stops keeping or reading the flag.
    """
    obj.pk = saved.pk
    obj._state.adding = False


def unquote_formula(value):
    """Undo csvsafe.neutralise: "'=x" read back from our own export becomes "=x" again."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


_SQLITE_COLUMN = re.compile(r"constraint failed: (?:\w+\.)?(?P<name>\w+)")


def _refused_field(exc: DatabaseError, model) -> str | None:
    """Return the model field a database error is about, when the error says so (PostgreSQL's diagnostics,
    SQLite's "... constraint failed: table.column"), else None."""
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    names = []
    if diag is not None:
        names += [diag.column_name, diag.constraint_name]
    match = _SQLITE_COLUMN.search(str(exc))
    if match:
        names.append(match["name"])
    columns = {f.column: f.name for f in model._meta.concrete_fields}
    constraints = {c.name: list(getattr(c, "fields", ()) or ()) for c in model._meta.constraints}
    for name in filter(None, names):
        if name in columns:
            return columns[name]
        if constraints.get(name):
            return constraints[name][0]
        for column, field in columns.items():  # PostgreSQL's own names: zones_seat_code_key, ..._check
            if name.startswith(f"{model._meta.db_table}_{column}_"):
                return field
    return None


def database_refusal(exc: DatabaseError, model) -> ValidationError:
    """Turn a database's refusal of an imported row into a ValidationError in plain words, on its field.

    The database's own text (a constraint's name, "Failing row contains ...") is logged, never shown.
    """
    logger.info("Import row refused by the database: %s", exc)
    if isinstance(exc, IntegrityError):
        what = _("该值与已有记录重复，或不符合数据规则")
    else:
        what = _("该值超出允许范围或格式不对（例如数字过大）")
    field = _refused_field(exc, model)
    if field is None:
        return ValidationError(_("数据库拒绝保存此行：%(what)s；请检查此行各列后重新导入。") % {"what": what})
    label = model._meta.get_field(field).verbose_name
    return ValidationError({field: _("“%(label)s”列：%(what)s；请改正后重新导入。") % {"label": label, "what": what}})


@contextmanager
def refused_by_database(model):
    """Run a row's writes in a savepoint; a database refusal undoes them and is raised as a ValidationError."""
    try:
        with transaction.atomic(using=router.db_for_write(model)):
            yield
    except (IntegrityError, DataError) as exc:
        raise database_refusal(exc, model) from exc


class SafeResource(resources.ModelResource):
    """A ModelResource whose exported cells cannot run as spreadsheet formulae, and whose import reads them back.

    Each imported row is checked as the model checks it (full_clean: field limits, uniqueness,
    constraints, Model.clean), and a database refusal is reported on the row in plain words.
    """

    class Meta:
        clean_model_instances = True

    # Past this many rows the preview lists the rows without the per-row before/after comparison: it
    # costs more than the checks themselves and no one reads it for a whole park.
    DIFF_ROWS = 500

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        if len(dataset) > self.DIFF_ROWS and not self._meta.skip_diff:
            self._meta = copy.copy(self._meta)
            self._meta.skip_diff = True

    def export_field(self, field, instance, **kwargs):
        return neutralise(super().export_field(field, instance, **kwargs))

    def do_instance_save(self, instance, is_create):
        with refused_by_database(type(instance)):
            super().do_instance_save(instance, is_create)

    def save_m2m(self, instance, row, **kwargs):
        with refused_by_database(type(instance)):
            super().save_m2m(instance, row, **kwargs)

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
            day = super().clean(value, row, **kwargs)
        except ValueError:
            raise ValueError(_("日期“%(v)s”无法识别；请写成 YYYY-MM-DD，例如 2026-01-01。") % {"v": value}) from None
        try:
            validate_park_date(day)
        except ValidationError as exc:
            raise ValueError(" ".join(exc.messages)) from None
        return day


class ChoiceWidget(widgets.Widget):
    """A choices column that accepts the stored value or its Chinese label and exports the stored value."""

    def __init__(self, choices):
        super().__init__()
        self.choices = choices
        self.values = frozenset(choices.values)

    def clean(self, value, row=None, **kwargs):
        value = (str(value).strip() if value is not None else "")
        if not value:
            return None
        if value in self.values:  # the common case, without translating every label of every row
            return value
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


def holdable_values(widget, value) -> list:
    """Return the submitted values an autocomplete widget's field can hold (ids that parse).

    Django's AutocompleteSelect looks the selected values up while it renders; a value that is not
    an id of the right type (?firm=abc, a hostile POST) would fail there, a server error. The form
    itself reports it as an invalid choice; the widget just does not show it.
    """
    field = widget.choices.field
    model = field.queryset.model
    key = model._meta.get_field(field.to_field_name) if field.to_field_name else model._meta.pk
    kept = []
    for one in value:
        try:
            if one not in ("", None):
                key.to_python(one)
        except (ValidationError, ValueError, TypeError):
            continue
        kept.append(one)
    return kept


def safe_optgroups(widget, name, value, attr=None):
    return AutocompleteSelect.optgroups(widget, name, holdable_values(widget, value), attr)


def harden_autocomplete(formfield):
    """Make a form field's autocomplete widget (if it has one) skip values it cannot look up (holdable_values)."""
    widget = getattr(formfield, "widget", None)
    widget = getattr(widget, "widget", widget)
    if isinstance(widget, AutocompleteSelect):
        widget.optgroups = partial(safe_optgroups, widget)
    return formfield


def _known_optgroups(widget, obj, name, value, attr=None):
    """AutocompleteSelect.optgroups for a value whose object is already loaded: no query."""
    selected = {str(v) for v in value if v not in ("", None)}
    if selected != {str(obj.pk)}:
        return safe_optgroups(widget, name, value, attr)
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

    # A private hook, on purpose: Django offers get_form_kwargs (before a row's form exists) but no public
    # call after it is built, and BaseFormSet.forms builds every row through _construct_form.
    # tests/admin/test_private_apis.py breaks if Django stops doing so.
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

    def export_action(self, request):
        # The export page reads the changelist's filters from its query string; a parameter that is not
        # a filter is refused the way the changelist refuses it, not with a server error.
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            self.message_user(request, _("导出的筛选条件无效；请在列表页重新筛选后再导出。"), messages.ERROR)
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))

    def get_export_resource_classes(self, request):
        if self.resource_classes:
            return super().get_export_resource_classes(request)
        return [modelresource_factory(self.model, resource_class=SafeResource)]


class UnreadableEncoding(ValueError):
    """An uploaded text file in none of the encodings the park's spreadsheets are saved in."""


def decode_upload(data: bytes) -> str:
    """Return an uploaded CSV's text: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (which reads GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise UnreadableEncoding(
            _("文件编码无法识别：请在 Excel 或 WPS 中“另存为”CSV UTF-8（或 GBK/GB18030）编码的文件，或直接上传 XLSX。")
        ) from None


class EncodingTolerantStorage(TempFolderStorage):
    """The temp folder storage of import-export, reading a text file as UTF-8 or GB18030 (decode_upload)."""

    def read(self):
        if "b" in self.read_mode:
            return super().read()
        with open(self.get_full_path(), "rb") as file:
            return decode_upload(file.read())


# How long a dry run's file may wait for its confirm step.
IMPORT_CONFIRM_MAX_AGE = 3600


class SignedConfirmImportForm(ConfirmImportForm):
    """The confirm step's form; the temp file's name must carry the signature the dry run gave it.

    django-import-export 4.4.3 takes the posted name as it comes (only its basename), then reads and
    deletes that file in the temp folder: a client could point it at any file there. The name is
    signed for the user and the model that ran the dry run, and expires after an hour.
    """

    salt = ""

    def clean_import_file_name(self):
        try:
            name = signing.loads(self.cleaned_data["import_file_name"], salt=self.salt, max_age=IMPORT_CONFIRM_MAX_AGE)
        except signing.BadSignature:
            raise forms.ValidationError(
                _("导入确认已失效或被修改；请重新上传文件并再次预览。"), code="bad_signature"
            ) from None
        if not isinstance(name, str) or os.path.basename(name) != name or not name:
            raise forms.ValidationError(_("导入确认已失效或被修改；请重新上传文件并再次预览。"), code="bad_signature")
        return name


class ParkImportExportMixin(ImportMixin, ParkExportMixin):
    """Import (upload, dry-run preview with every row's errors, confirm; all or nothing) and export."""

    import_template_name = "admin/parkops/import.html"
    confirm_form_class = SignedConfirmImportForm
    tmp_storage_class = EncodingTolerantStorage

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UnreadableEncoding):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def _signing_salt(self, request) -> str:
        return f"parkops.import:{self.model._meta.label_lower}:{request.user.pk}"

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if initial.get("import_file_name"):
            name = os.path.basename(initial["import_file_name"])
            initial["import_file_name"] = signing.dumps(name, salt=self._signing_salt(request))
        return initial

    def create_confirm_form(self, request, import_form=None):
        form = super().create_confirm_form(request, import_form)
        form.salt = self._signing_salt(request)
        return form

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        # A row refused at confirm time (a service's ValidationError) undoes the whole file, as a
        # database error does; without this the library commits the other rows.
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def process_dataset(self, dataset, form, request, **kwargs):
        try:
            return super().process_dataset(dataset, form, request, **kwargs)
        except DatabaseError:
            # Raised outside any row (at commit, say): the transaction is gone, nothing was written.
            logger.exception("Import of %s failed in the database", self.model._meta.label)
            result = Result()
            result.park_failure = _("数据库未能完成导入，整个文件未导入任何数据；请稍后重试，或联系管理员。")
            return result

    def process_result(self, result, request):
        """Report success only when every row was written; otherwise show which rows failed and why."""
        failure = getattr(result, "park_failure", None)
        if failure or result.has_errors() or result.has_validation_errors():
            return self._confirm_failed(request, result, failure)
        return super().process_result(result, request)

    def _confirm_failed(self, request, result, failure=None):
        rows = sorted({row.number for row in result.invalid_rows} | {line for line, _errors in result.row_errors()})
        if failure is None:
            failure = _("导入未完成：第 %(rows)s 行在确认导入时被拒绝（例如席位已被占用），整个文件未导入任何数据。请按下列说明改正后重新上传。") % {
                "rows": "、".join(str(n) for n in rows) or "?"
            }
        self.message_user(request, failure, messages.ERROR)
        import_form = self.get_import_form_class(request)(
            self.get_import_formats(), self.get_import_resource_classes(request)
        )
        context = {
            **self.get_import_context_data(),
            **self.admin_site.each_context(request),
            "title": _("导入"),
            "form": import_form,
            "opts": self.model._meta,
            "media": self.media + import_form.media,
            "result": result if (result.has_errors() or result.has_validation_errors()) else None,
            "import_error_display": self.import_error_display,
            "confirm_failed": True,
        }
        return TemplateResponse(request, [self.import_template_name], context)
