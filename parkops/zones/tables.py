"""tables of the zones app."""
import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Seat

NUM = {"td": {"class": "num"}, "th": {"class": "num"}}


class SeatTable(tables.Table):
    """Seats with where they are and who holds them today (annotated by SeatListView)."""

    code = tables.Column(verbose_name=_("席位编号"))
    zone = tables.Column(accessor="floor__building__zone__code", verbose_name=_("区域"))
    building = tables.Column(accessor="floor__building__code", verbose_name=_("楼栋"))
    floor = tables.Column(accessor="floor__level", verbose_name=_("楼层"), attrs=NUM)
    kind = tables.Column(verbose_name=_("类型"))
    condition = tables.Column(accessor="condition_on", verbose_name=_("今日物理状态"), order_by=("oos",))
    holder = tables.Column(accessor="holder_firm", verbose_name=_("今日使用企业"), default="")
    lease = tables.Column(accessor="holder_lease", verbose_name=_("租约"), default="")
    held_until = tables.DateColumn(accessor="holder_end", verbose_name=_("占用至（不含）"), default="")

    class Meta:
        model = Seat
        fields = ("code",)
        sequence = ("code", "zone", "building", "floor", "kind", "condition", "holder", "lease", "held_until")
        template_name = "django_tables2/table.html"
        attrs = {"class": "data"}
        order_by = ("code",)
