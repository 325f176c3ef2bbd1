"""Tables of the tenant portal: the firm's own seats and leases, on screen and as CSV / XLSX exports."""
import django_tables2 as tables
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from parkops.core.exports import LabelColumn
from parkops.leases.choices import LeaseState
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
        order_by = ("code",)
        empty_text = _("贵企业目前没有占用席位。")

    def value_kind(self, record):
        return record.seat.get_kind_display()


class OwnLeaseTable(tables.Table):
    """A firm's leases with their rent terms, their state and the seats held under each today (with_seats_on)."""

    number = tables.Column()
    start = tables.DateColumn(format="Y-m-d")
    end = tables.DateColumn(format="Y-m-d")
    rent_terms = tables.Column()
    monthly_rate = tables.Column(attrs={"td": {"class": "num"}})
    policy_basis = tables.Column()
    status = LabelColumn(accessor="state", labels=LeaseState.label_of, verbose_name=_("状态"), orderable=False)
    seats_on = tables.Column(verbose_name=_("当前席位数"), attrs={"td": {"class": "num"}})

    class Meta:
        model = Lease
        fields = ()
        sequence = ("number", "start", "end", "rent_terms", "monthly_rate", "policy_basis", "status", "seats_on")
        order_by = ("-start",)
        empty_text = _("贵企业还没有租约。")


# --- the portal pages' tables (no sorting; the views paginate them) -----------------------------


class PortalTable(tables.Table):
    """A small read-only table on a portal page."""

    class Meta:
        orderable = False


class SeatRequestTable(PortalTable):
    """The firm's seat requests with staff's decisions and reasons; open ones can be withdrawn on the requests page."""

    number = tables.Column(accessor="pk", verbose_name=_("编号"))
    created = tables.DateColumn(format="Y-m-d", verbose_name=_("申请时间"))
    seats = tables.Column(verbose_name=_("席位数"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    zone_preference = tables.Column(accessor="zone_preference__code", verbose_name=_("意向区域"), default="—")
    wanted_from = tables.DateColumn(format="Y-m-d", verbose_name=_("期望起用日期"))
    status = tables.Column(accessor="get_status_display", verbose_name=_("状态"))
    decision_reason = tables.Column(verbose_name=_("处理意见"), default="—")
    lease = tables.Column(accessor="lease__number", verbose_name=_("分配的租约"), default="—")
    withdraw = tables.TemplateColumn(
        template_name="portal/_withdraw_button.html", verbose_name="", empty_values=(), orderable=False
    )

    class Meta(PortalTable.Meta):
        attrs = {"class": "data requests"}
        empty_text = _("没有席位申请。")

    def render_number(self, value):
        return f"#{value}"


class HeadcountTable(PortalTable):
    """The firm's monthly headcount reports, with the values corrections replaced (``earlier``: {report id: values},
    set by the view for the page shown)."""

    month = tables.DateColumn(format="Y-m", verbose_name=_("月份"))
    headcount = tables.Column(verbose_name=_("在岗人数"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    earlier = tables.Column(accessor="pk", verbose_name=_("更正前数值"), default="—")
    modified = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name=_("填报时间"))
    note = tables.Column(verbose_name=_("备注"), default="")

    class Meta(PortalTable.Meta):
        empty_text = _("尚未填报在岗人数。")

    def render_earlier(self, value):
        values = getattr(self, "earlier", {}).get(value)
        if not values:
            return "—"
        return format_html_join(" → ", "<s>{}</s>", ((v,) for v in values))


class MemberTable(PortalTable):
    """The firm's portal users."""

    username = tables.Column(accessor="user__username", verbose_name=_("用户名"))
    name = tables.Column(accessor="user__get_full_name", verbose_name=_("姓名"), default="—")
    email = tables.Column(accessor="user__email", verbose_name=_("邮箱"), default="—")
    role = tables.Column(accessor="get_role_display", verbose_name=_("角色"))
    last_login = tables.DateTimeColumn(accessor="user__last_login", format="Y-m-d H:i", verbose_name=_("最近登录"), default="—")

    class Meta(PortalTable.Meta):
        pass
