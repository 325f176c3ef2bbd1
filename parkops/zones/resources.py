"""Import and export of seats (django-import-export), with the floor given by its park code, e.g. C-1-3F."""
import re

from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, widgets

from parkops.core.adminkit import ChoiceWidget, ParkBooleanWidget, SafeResource

from .choices import SeatKind
from .models import Floor, Seat

FLOOR_CODE = re.compile(r"^(?P<building>.+)-(?P<level>-?\d+)F$")


class FloorCodeWidget(widgets.ForeignKeyWidget):
    """A floor named by its code "<building code>-<level>F" (C-1-3F); unknown codes are an error that says how to fix it."""

    def __init__(self):
        super().__init__(Floor)

    def clean(self, value, row=None, **kwargs):
        code = str(value or "").strip().upper()
        match = FLOOR_CODE.match(code)
        if not match:
            raise ValueError(_("楼层编号“%(v)s”格式不对；请写成 楼栋编号-层数F，例如 C-1-3F。") % {"v": value})
        floor = (
            Floor.objects.select_related("building")
            .filter(building__code=match["building"], level=int(match["level"]))
            .first()
        )
        if floor is None:
            raise ValueError(
                _("楼层“%(v)s”不存在；请检查楼栋编号和层数，或先在“楼层”中新建该楼层。") % {"v": value}
            )
        return floor

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class SeatResource(SafeResource):
    """Seats keyed by their park-wide code; the floor column holds the floor's code."""

    floor = fields.Field(attribute="floor", column_name="floor", widget=FloorCodeWidget())
    kind = fields.Field(attribute="kind", column_name="kind", widget=ChoiceWidget(SeatKind))
    available_from = fields.Field(
        attribute="available_from", column_name="available_from", widget=widgets.DateWidget("%Y-%m-%d")
    )
    retired_on = fields.Field(attribute="retired_on", column_name="retired_on", widget=widgets.DateWidget("%Y-%m-%d"))
    has_desk = fields.Field(attribute="has_desk", column_name="has_desk", widget=ParkBooleanWidget())
    has_computer = fields.Field(attribute="has_computer", column_name="has_computer", widget=ParkBooleanWidget())

    class Meta:
        model = Seat
        import_id_fields = ["code"]
        # A seat's condition is dated (SeatOutage rows, changed through the services), not a column to import.
        fields = ["code", "floor", "row", "col", "kind", "has_desk", "has_computer", "available_from", "retired_on", "note"]
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    def before_save_instance(self, instance, row, **kwargs):
        # A new seat without a date exists from the day it is imported (not from some earlier day it never existed).
        if instance.available_from is None:
            instance.available_from = timezone.localdate()

    def get_queryset(self):
        return Seat.objects.select_related("floor__building").order_by("code")
