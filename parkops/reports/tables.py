"""Tables of the report pages, over the selectors' figures (lists, sorted in Python), paginated by the views.

A footer's total is over the table's whole data (every row, every page), never the page shown.
"""
import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

NUM = {"td": {"class": "num"}, "th": {"class": "num"}, "tf": {"class": "num"}}


def total(*path):
    """Return a footer summing the attribute (or dict item) at `path` over every row of the table's data."""

    def footer(table):
        sum_ = 0
        for row in table.data:
            value = row
            for part in path:
                value = value[part] if isinstance(value, dict) else getattr(value, part)
            sum_ += value or 0
        return sum_

    return footer


def rate_total(table):
    """The allocation rate of all rows together: leased over seats, in %."""
    seats = sum(row.seats for row in table.data)
    return round(100 * sum(row.leased for row in table.data) / seats, 1) if seats else 0.0


class OccupancyTable(tables.Table):
    """Counted seats of a zone, building or floor on a day, beside the declared figure where there is one."""

    label = tables.Column(verbose_name=_("名称"), footer=_("合计"))
    declared = tables.Column(verbose_name=_("规划席位（公布数）"), attrs=NUM, default="—")
    seats = tables.Column(verbose_name=_("实有席位"), attrs=NUM, footer=total("seats"))
    leased = tables.Column(verbose_name=_("已租"), attrs=NUM, footer=total("leased"))
    free = tables.Column(verbose_name=_("空闲"), attrs=NUM, footer=total("free"))
    out_of_service = tables.Column(verbose_name=_("停用"), attrs=NUM, footer=total("out_of_service"))
    rate_pct = tables.Column(verbose_name=_("出租率 %"), attrs=NUM, footer=rate_total)


class FirmOccupancyTable(tables.Table):
    """A firm's leased seats against its latest headcount, flagged over-dense (>100%) or under-used (<60%)."""

    firm = tables.Column(accessor="firm__short_name", verbose_name=_("企业"), footer=_("合计"))
    leased = tables.Column(verbose_name=_("在租席位"), attrs=NUM, footer=total("leased"))
    headcount = tables.Column(verbose_name=_("最近在岗人数"), attrs=NUM, default="—", footer=total("headcount"))
    headcount_month = tables.DateColumn(format="Y-m", verbose_name=_("填报月份"), default="—")
    utilisation_pct = tables.Column(verbose_name=_("人均使用率 %"), attrs=NUM, default="—")
    flag = tables.Column(accessor="utilisation", verbose_name=_("提示"), orderable=False, default="")

    def render_flag(self, record):
        return format_html('<span class="{}">{}</span>', *self._flag(record)) if self._flag(record)[1] else ""

    def value_flag(self, record):
        return self._flag(record)[1]

    @staticmethod
    def _flag(record):
        if record.over_density:
            return "flag-bad", _("超密度（>100%）")
        if record.under_use:
            return "flag-warn", _("使用不足（<60%）")
        return "", ""


class LineOccupancyTable(tables.Table):
    """Seats and headcount of a business line's firms (a firm with several lines counts in each)."""

    label = tables.Column(accessor="line__name", verbose_name=_("业态"))
    firms = tables.Column(verbose_name=_("企业数"), attrs=NUM)
    leased = tables.Column(verbose_name=_("在租席位"), attrs=NUM)
    headcount = tables.Column(verbose_name=_("最近在岗人数"), attrs=NUM)
    utilisation_pct = tables.Column(verbose_name=_("人均使用率 %"), attrs=NUM, default="—")


class ExpiryTable(tables.Table):
    """Per firm: leases and seats whose last day is within 30 / 60 / 90 days, and seats freed (not followed)."""

    firm = tables.Column(accessor="firm__short_name", verbose_name=_("企业"), footer=_("合计"))
    leases_30 = tables.Column(accessor="leases__30", verbose_name=_("30天内到期租约"), attrs=NUM, footer=total("leases", 30))
    leases_60 = tables.Column(accessor="leases__60", verbose_name=_("60天内到期租约"), attrs=NUM, footer=total("leases", 60))
    leases_90 = tables.Column(accessor="leases__90", verbose_name=_("90天内到期租约"), attrs=NUM, footer=total("leases", 90))
    seats_30 = tables.Column(accessor="seats__30", verbose_name=_("30天内到期席位"), attrs=NUM, footer=total("seats", 30))
    seats_60 = tables.Column(accessor="seats__60", verbose_name=_("60天内到期席位"), attrs=NUM, footer=total("seats", 60))
    seats_90 = tables.Column(accessor="seats__90", verbose_name=_("90天内到期席位"), attrs=NUM, footer=total("seats", 90))
    freed_90 = tables.Column(accessor="seats_freed__90", verbose_name=_("90天内将空出席位"), attrs=NUM,
                             footer=total("seats_freed", 90))


class ExpiringLeaseTable(tables.Table):
    """The leases in state "expiring" (the product's expiry window), soonest end first."""

    number = tables.Column(verbose_name=_("合同编号"))
    firm = tables.Column(accessor="firm__short_name", verbose_name=_("企业"))
    start = tables.DateColumn(verbose_name=_("起租日"))
    last_day = tables.DateColumn(accessor="last_day", order_by="end", verbose_name=_("最后租用日"))
    seats_on = tables.Column(verbose_name=_("席位"), attrs=NUM)
    rent_terms = tables.Column(verbose_name=_("租金条款"))
