"""Import and export of leases with their seats (django-import-export).

One row per lease; the "seats" column lists seat codes separated by ";". New leases
are written by services.lease_create (which allocates the seats for the whole lease
period under lock), so a clash with any holding, or with an earlier row of the same
file, is reported on its row and nothing is imported. An existing lease may change
its contract details (through services.lease_update); its firm, dates and seats
change only through the admin's renew / terminate actions and the lease page.
The "stage" column is draft or signed (empty: signed); a lease's state (active, expiring,
ended...) is derived from its dates and is not imported.
"""
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets

from parkops.core.adminkit import ChoiceWidget, ParkDateWidget, SafeResource, mark_saved, refused_by_database
from parkops.firms.models import Firm
from parkops.zones.models import Seat

from . import services
from .choices import LeaseStage, RentTerms
from .models import Lease

SPLIT = re.compile(r"[;；,，、\s]+")


class FirmNameWidget(widgets.ForeignKeyWidget):
    """A firm named by its full legal name (or its short name when that is unambiguous)."""

    def __init__(self):
        super().__init__(Firm, "name")

    def clean(self, value, row=None, **kwargs):
        name = str(value or "").strip()
        if not name:
            raise ValueError(_("请填写企业全称。"))
        firms = list(Firm.objects.filter(name=name)) or list(Firm.objects.filter(short_name=name))
        if len(firms) != 1:
            raise ValueError(
                _("找不到企业“%(v)s”；请填写“入驻企业”中登记的企业全称，或先新建该企业。") % {"v": name}
            )
        return firms[0]


def seat_codes(value) -> list[str]:
    return sorted({c for c in SPLIT.split(str(value or "").strip().upper()) if c})


class LeaseResource(SafeResource):
    """Leases keyed by contract number, with the codes of the seats they hold."""

    firm = fields.Field(attribute="firm", column_name="firm", widget=FirmNameWidget())
    start = fields.Field(attribute="start", column_name="start", widget=ParkDateWidget())
    end = fields.Field(attribute="end", column_name="end", widget=ParkDateWidget())
    rent_terms = fields.Field(attribute="rent_terms", column_name="rent_terms", widget=ChoiceWidget(RentTerms))
    stage = fields.Field(attribute="stage", column_name="stage", widget=ChoiceWidget(LeaseStage))
    seats = fields.Field(column_name="seats", dehydrate_method="dehydrate_seats")

    class Meta:
        model = Lease
        import_id_fields = ["number"]
        fields = ["number", "firm", "start", "end", "rent_terms", "monthly_rate", "policy_basis", "stage", "note", "seats"]
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self):
        return Lease.objects.select_related("firm").prefetch_related("lease_seats__seat").order_by("number")

    def dehydrate_seats(self, lease):
        return ";".join(sorted({h.seat.code for h in lease.lease_seats.all()}))

    def _held_codes(self, lease) -> list[str]:
        return sorted(set(lease.lease_seats.values_list("seat__code", flat=True))) if lease.pk else []

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        codes = seat_codes(row.get("seats"))
        seats = list(Seat.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {s.code for s in seats})
        if unknown:
            errors["seats"] = [
                _("席位编号 %(codes)s 不存在；请检查编号（如 C-1-3F-0001），多个席位用英文分号“;”分隔。")
                % {"codes": "、".join(unknown)}
            ]
        instance._import_seats = seats
        instance._import_codes = codes
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if not super().skip_row(instance, original, row, import_validation_errors):
            return False
        return instance._import_codes == self._held_codes(instance)

    def save_instance(self, instance, is_create, row, **kwargs):
        # import_data(..., user=request.user): the admin's import passes the importing user, who is the acting
        # user of every service call and so of every history row the import writes.
        by = kwargs.get("user")
        try:
            with refused_by_database(Lease):
                saved = self._create(instance, by=by) if is_create else self._update(instance, by=by)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"seats": exc.messages}) from exc
        mark_saved(instance, saved)

    def _create(self, instance, *, by):
        return services.lease_create(
            firm=instance.firm, start=instance.start, end=instance.end, rent_terms=instance.rent_terms,
            monthly_rate=instance.monthly_rate, policy_basis=instance.policy_basis, number=instance.number,
            stage=instance.stage or LeaseStage.SIGNED, note=instance.note, seats=instance._import_seats, by=by,
        )

    def _update(self, instance, *, by):
        stored = Lease.objects.get(pk=instance.pk)
        fixed = {
            "firm": (stored.firm_id, instance.firm_id),
            "start": (stored.start, instance.start),
            "end": (stored.end, instance.end),
            "seats": (self._held_codes(stored), instance._import_codes),
        }
        changed = [name for name, (old, new) in fixed.items() if old != new]
        if changed:
            raise ValidationError(
                {
                    name: _("已有租约 %(lease)s 的此项不能通过导入修改；请在后台用“续签/终止租约”或租约页面的席位表调整。")
                    % {"lease": stored.number}
                    for name in changed
                }
            )
        return services.lease_update(
            lease=stored, rent_terms=instance.rent_terms, monthly_rate=instance.monthly_rate,
            policy_basis=instance.policy_basis, note=instance.note,
            stage=instance.stage if instance.stage and instance.stage != stored.stage else None, by=by,
        )
