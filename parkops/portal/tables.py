"""Tables of the tenant portal: the firm's own seats and leases, on screen and as CSV / XLSX exports."""
import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from parkops.leases.models import Lease, LeaseSeat


class OwnSeatTable(tables.Table):
    """The seats a firm holds on a day, one row per holding."""

    code = tables.Column(accessor="seat__code", verbose_name=_("席位编号"))
    zone = tables.Column(accessor="seat__floor__building__zone__code", verbose_name=_("区域"))
    building = tables.Column(accessor="seat__floor__building__code", verbose_name=_("楼栋"))
    floor = tables.Column(accessor="seat__floor__level", verbose_name=_("楼层"))
    kind = tables.Column(accessor="seat__kind", verbose_name=_("类型"))
    has_desk = tables.BooleanColumn(accessor="seat__has_desk", verbose_name=_("配桌椅"))
    has_computer = tables.BooleanColumn(accessor="seat__has_computer", verbose_name=_("配电脑"))
    lease = tables.Column(accessor="lease__number", verbose_name=_("合同编号"))
    start = tables.DateColumn(format="Y-m-d", verbose_name=_("开始日期"))
    end = tables.DateColumn(format="Y-m-d", verbose_name=_("结束日期（不含）"))

    class Meta:
        model = LeaseSeat
        fields = ()
        sequence = ("code", "zone", "building", "floor", "kind", "has_desk", "has_computer", "lease", "start", "end")
        attrs = {"class": "data"}
        order_by = ("code",)
        empty_text = _("贵企业目前没有占用席位。")

    def value_kind(self, record):
        return record.seat.get_kind_display()


class OwnLeaseTable(tables.Table):
    """A firm's leases with their rent terms and the seats held under each today."""

    number = tables.Column()
    start = tables.DateColumn(format="Y-m-d")
    end = tables.DateColumn(format="Y-m-d")
    rent_terms = tables.Column()
    monthly_rate = tables.Column(attrs={"td": {"class": "num"}})
    policy_basis = tables.Column()
    status = tables.Column(empty_values=(), orderable=False)
    seats_on = tables.Column(verbose_name=_("当前席位数"), attrs={"td": {"class": "num"}})

    class Meta:
        model = Lease
        fields = ()
        sequence = ("number", "start", "end", "rent_terms", "monthly_rate", "policy_basis", "status", "seats_on")
        attrs = {"class": "data"}
        order_by = ("-start",)
        empty_text = _("贵企业还没有租约。")

    def render_status(self, record):
        return record.get_effective_status_display()

    def value_status(self, record):
        return record.get_effective_status_display()
