"""tables of the leases app."""
import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import HeadcountReport, Lease

NUM = {"td": {"class": "num"}, "th": {"class": "num"}}


# --- lease and headcount lists (reports) -------------------------------------------------------


class LeaseTable(tables.Table):
    """Leases with their firm, period, terms and seats held today (annotated by LeaseListView)."""

    number = tables.Column(verbose_name=_("合同编号"))
    firm = tables.Column(accessor="firm__short_name", verbose_name=_("企业"))
    start = tables.DateColumn(verbose_name=_("起租日"))
    last_day = tables.DateColumn(accessor="last_day", order_by="end", verbose_name=_("最后租用日"))
    rent_terms = tables.Column(verbose_name=_("租金条款"))
    monthly_rate = tables.Column(verbose_name=_("每席月租（元）"), attrs=NUM)
    status = tables.Column(verbose_name=_("状态"))
    seats_on = tables.Column(verbose_name=_("今日席位"), attrs=NUM)

    class Meta:
        model = Lease
        fields = ()
        template_name = "django_tables2/table.html"
        attrs = {"class": "data"}
        order_by = ("-start",)


class HeadcountTable(tables.Table):
    """Headcount reports, one per firm and month."""

    firm = tables.Column(accessor="firm__short_name", verbose_name=_("企业"))
    month = tables.DateColumn(format="Y-m", verbose_name=_("月份"))
    headcount = tables.Column(verbose_name=_("在岗人数"), attrs=NUM)
    submitted_by = tables.Column(verbose_name=_("填报人"), default="")
    modified = tables.DateTimeColumn(verbose_name=_("填报时间"))
    note = tables.Column(verbose_name=_("备注"))

    class Meta:
        model = HeadcountReport
        fields = ()
        template_name = "django_tables2/table.html"
        attrs = {"class": "data"}
        order_by = ("-month", "firm")


# --- end of lease and headcount lists ---------------------------------------------------------
