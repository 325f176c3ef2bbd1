"""Import and export of tenant firms (django-import-export): keyed by full name, business lines by code.

The social credit code is checked with parkops.firms.uscc: a wrong shape is an error; a
failing checksum is an error too on import (there is no "save anyway" box in a file),
unless the firm already carries that very code (saved earlier with the override).
"""
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets

from parkops.core.adminkit import ChoiceWidget, ParkBooleanWidget, ParkDateWidget, SafeResource

from .choices import FirmStatus
from .models import BusinessLine, Firm
from .uscc import check_uscc

SPLIT = re.compile(r"[;；,，、\s]+")


class BusinessLineCodesWidget(widgets.ManyToManyWidget):
    """Business lines as codes separated by ";" (also , ， ； 、); an unknown code is an error."""

    def __init__(self):
        super().__init__(BusinessLine, separator=";", field="code")

    def codes(self, value) -> list[str]:
        return [c for c in SPLIT.split(str(value or "").strip()) if c]

    def clean(self, value, row=None, **kwargs):
        codes = self.codes(value)
        found = BusinessLine.objects.filter(code__in=codes)
        unknown = sorted(set(codes) - {line.code for line in found})
        if unknown:
            known = "、".join(BusinessLine.objects.values_list("code", flat=True))
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

    def get_queryset(self):
        return Firm.objects.prefetch_related("business_lines").order_by("name")

    def import_instance(self, instance, row, **kwargs):
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
