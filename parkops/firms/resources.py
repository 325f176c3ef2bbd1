"""Import and export of tenant firms (django-import-export): keyed by full name, business lines by code.

The social credit code is checked with parkops.firms.uscc: a wrong shape is an error; a
failing checksum is an error too on import (there is no "save anyway" box in a file),
unless the firm already carries that very code (saved earlier with the override).

A file may hold tens of thousands of firms. The dry run costs a fixed number of queries whatever
its length: the existing firms, their codes and the business lines are read once, and every rule
the database holds (unique name, unique code when present) is checked against them and against
the file's earlier rows in memory; the dry run then writes nothing. The confirm step writes each
row, and a database refusal there still undoes the whole file (parkops.core.adminkit).
"""
import copy
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets
from import_export.instance_loaders import CachedInstanceLoader

from parkops.core.adminkit import ChoiceWidget, ParkBooleanWidget, ParkDateWidget, SafeResource

from .choices import FirmStatus
from .models import BusinessLine, Firm
from .uscc import check_uscc

SPLIT = re.compile(r"[;；,，、\s]+")


class BusinessLineCodesWidget(widgets.ManyToManyWidget):
    """Business lines as codes separated by ";" (also , ， ； 、); an unknown code is an error."""

    def __init__(self):
        super().__init__(BusinessLine, separator=";", field="code")

    # {code: BusinessLine}, filled once per import by FirmResource.before_import; None outside an import.
    known = None

    def codes(self, value) -> list[str]:
        return [c for c in SPLIT.split(str(value or "").strip()) if c]

    def clean(self, value, row=None, **kwargs):
        codes = self.codes(value)
        lines = self.known if self.known is not None else {line.code: line for line in BusinessLine.objects.all()}
        found = [lines[code] for code in dict.fromkeys(codes) if code in lines]
        unknown = sorted(set(codes) - set(lines))
        if unknown:
            known = "、".join(sorted(lines))
            raise ValueError(_("未知的业态代码 %(codes)s；可用代码：%(known)s。") % {"codes": "、".join(unknown), "known": known})
        return found

    def render(self, value, obj=None, **kwargs):
        return ";".join(sorted(line.code for line in value.all())) if value is not None else ""


class FirmResource(SafeResource):
    """Tenant firms keyed by their full legal name."""

    business_lines = fields.Field(attribute="business_lines", column_name="business_lines", widget=BusinessLineCodesWidget(), m2m_add=False)
    status = fields.Field(attribute="status", column_name="status", widget=ChoiceWidget(FirmStatus))
    signed_on = fields.Field(attribute="signed_on", column_name="signed_on", widget=ParkDateWidget())
    is_top_ranked = fields.Field(attribute="is_top_ranked", column_name="is_top_ranked", widget=ParkBooleanWidget())
    is_internship_base = fields.Field(attribute="is_internship_base", column_name="is_internship_base", widget=ParkBooleanWidget())

    class Meta:
        model = Firm
        import_id_fields = ["name"]
        fields = [
            "name", "short_name", "name_en", "uscc", "parent_group", "business_lines", "is_top_ranked",
            "is_internship_base", "status", "signed_on", "contact_name", "contact_phone", "contact_email", "note",
        ]
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        # One query loads every existing firm named in the file, instead of one per row.
        instance_loader_class = CachedInstanceLoader

    def get_queryset(self):
        return Firm.objects.prefetch_related("business_lines").order_by("name")

    def import_data(self, dataset, dry_run=False, **kwargs):
        self._dry_run = dry_run
        return super().import_data(dataset, dry_run=dry_run, **kwargs)

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        if getattr(self, "_dry_run", False):
            # The dry run writes nothing (save_instance), so a savepoint per row would only cost time:
            # use_bulk drops them, and its batches stay empty.
            self._meta = copy.copy(self._meta)
            self._meta.use_bulk = True
        self.fields["business_lines"].widget.known = {line.code: line for line in BusinessLine.objects.all()}
        self._uscc_owner = dict(Firm.objects.exclude(uscc=None).values_list("uscc", "pk"))
        self._seen_names, self._seen_uscc = {}, {}

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Check the row as Firm.full_clean does, with uniqueness checked in memory (see the module's docstring)."""
        errors = dict(import_validation_errors or {})
        try:
            # The one check constraint (no empty code) holds by _uscc_error, which stores "" as None.
            instance.full_clean(exclude=list(errors), validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        self._check_unique(instance, errors)
        if errors:
            raise ValidationError(errors)

    def _check_unique(self, instance, errors):
        name_row = self._seen_names.get(instance.name)
        if name_row is not None and "name" not in errors:
            errors["name"] = [_("企业全称“%(name)s”在文件中重复（第 %(row)s 行已有）；请合并为一行。") % {"name": instance.name, "row": name_row}]
        if instance.uscc and "uscc" not in errors:
            owner = self._uscc_owner.get(instance.uscc)
            earlier = self._seen_uscc.get(instance.uscc)
            if owner is not None and owner != instance.pk:
                errors["uscc"] = [_("统一社会信用代码 %(code)s 已属于另一家已登记企业；请核对代码。") % {"code": instance.uscc}]
            elif earlier is not None:
                errors["uscc"] = [_("统一社会信用代码 %(code)s 在文件中重复（第 %(row)s 行已有）；请核对代码。") % {"code": instance.uscc, "row": earlier}]
        row_number = getattr(self, "_row_number", None) or "?"
        self._seen_names.setdefault(instance.name, row_number)
        if instance.uscc:
            self._seen_uscc.setdefault(instance.uscc, row_number)

    def save_instance(self, instance, is_create, row, **kwargs):
        if kwargs.get("dry_run"):
            return  # every rule the database holds was checked in validate_instance
        super().save_instance(instance, is_create, row, **kwargs)

    def save_m2m(self, instance, row, **kwargs):
        if kwargs.get("dry_run"):
            return
        super().save_m2m(instance, row, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        self._row_number = kwargs.get("row_number")
        errors = {}
        stored_uscc = instance.uscc
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if "business_lines" in row and "business_lines" not in errors:
            try:
                self.fields["business_lines"].clean(row)
            except ValueError as exc:
                errors["business_lines"] = [str(exc)]
        uscc_error = self._uscc_error(instance, stored_uscc)
        if uscc_error and "uscc" not in errors:
            errors["uscc"] = [uscc_error]
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def _uscc_error(instance, stored):
        """Return the uscc column's error, or None; store an empty code as NULL (unique when present)."""
        instance.uscc = (instance.uscc or "").strip() or None
        if instance.uscc is None:
            return None
        result = check_uscc(instance.uscc)
        instance.uscc = result.code
        if result.error:
            return result.error + _("请改正该列后重新导入。")
        if result.warning and result.code != stored:
            return _(
                "统一社会信用代码 %(code)s 校验位不符；导入时不能跳过校验：请核对改正，"
                "或在后台打开该企业、勾选“仍然保存”后单独保存。"
            ) % {"code": result.code}
        return None
