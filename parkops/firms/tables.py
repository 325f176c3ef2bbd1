"""tables of the firms app."""
import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Firm

NUM = {"td": {"class": "num"}, "th": {"class": "num"}}


class FirmTable(tables.Table):
    """Firms with their business lines, seats leased today and latest headcount (annotated by FirmListView)."""

    short_name = tables.Column(verbose_name=_("简称"))
    name = tables.Column(verbose_name=_("企业全称"))
    status = tables.Column(verbose_name=_("状态"))
    lines = tables.ManyToManyColumn(accessor="business_lines", verbose_name=_("业态"), orderable=False)
    is_top_ranked = tables.BooleanColumn(verbose_name=_("五百强/行业百强"))
    is_internship_base = tables.BooleanColumn(verbose_name=_("就业见习基地"))
    signed_on = tables.DateColumn(verbose_name=_("签约日期"))
    leased = tables.Column(verbose_name=_("今日在租席位"), attrs=NUM)
    headcount = tables.Column(verbose_name=_("最近在岗人数"), attrs=NUM, default="")

    class Meta:
        model = Firm
        fields = ()
        template_name = "django_tables2/table.html"
        attrs = {"class": "data"}
        order_by = ("short_name",)
