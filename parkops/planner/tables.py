"""Tables of the planner screens (django-tables2): a seat's holders and its change log."""
import django_tables2 as tables
from django.utils.translation import gettext_lazy as _



class HolderTable(tables.Table):
    """Who held a seat and when (LeaseSeat rows, newest first)."""

    firm = tables.Column(_("企业"), accessor="lease__firm__short_name")
    lease = tables.Column(_("合同编号"), accessor="lease__number")
    start = tables.DateColumn("Y-m-d", verbose_name=_("开始日期"))
    end = tables.DateColumn("Y-m-d", verbose_name=_("结束日期（不含）"))
    rent_terms = tables.Column(_("租金条款"), accessor="lease__get_rent_terms_display")

    class Meta:
        orderable = False
        empty_text = _("该席位从未被分配。")


# The change reasons the allocation services record (parkops.leases.services), in words.
CHANGE_REASONS = {
    "allocate": _("分配"),
    "release": _("释放"),
    "terminate": _("终止租约"),
    "renew": _("续签"),
    "in_service": _("恢复启用"),
    "out_of_service": _("停用"),
}


class ReasonColumn(tables.Column):
    def render(self, value):
        return CHANGE_REASONS.get(value, value)


class ChangeTable(tables.Table):
    """A change log from django-simple-history: when, what, why and who; subclasses add the changed fields."""

    history_date = tables.DateTimeColumn("Y-m-d H:i", verbose_name=_("时间"))
    history_type = tables.Column(_("变更"))
    history_change_reason = ReasonColumn(_("原因"), default="")
    history_user = tables.Column(_("操作人"), default="")

    class Meta:
        orderable = False
        sequence = ("history_date", "history_type", "history_change_reason", "...", "history_user")


class HoldingChangeTable(ChangeTable):
    """Every change to the seat's holdings, deleted rows included."""

    lease = tables.Column(_("合同编号"), accessor="lease__number", default="")
    start = tables.DateColumn("Y-m-d", verbose_name=_("开始日期"))
    end = tables.DateColumn("Y-m-d", verbose_name=_("结束日期（不含）"))

    class Meta(ChangeTable.Meta):
        empty_text = _("没有分配变更记录。")


class SeatChangeTable(ChangeTable):
    """Changes to the seat itself: when it exists and its note."""

    available_from = tables.DateColumn("Y-m-d", verbose_name=_("启用日期"))
    retired_on = tables.DateColumn("Y-m-d", verbose_name=_("撤除日期"), default="")
    note = tables.Column(_("备注"), default="")

    class Meta(ChangeTable.Meta):
        empty_text = _("没有席位变更记录。")


class OutageChangeTable(ChangeTable):
    """Changes to a seat's dated out-of-service periods [start, end)."""

    start = tables.DateColumn("Y-m-d", verbose_name=_("停用开始日期"))
    end = tables.DateColumn("Y-m-d", verbose_name=_("恢复启用日期"), default="—")
    reason = tables.Column(_("停用原因"), default="")

    class Meta(ChangeTable.Meta):
        empty_text = _("没有停用记录。")
