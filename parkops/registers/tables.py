"""Tables of the staff list pages (django-tables2; the site-wide template and attrs are in settings)."""
import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from parkops.core.exports import LabelColumn
from parkops.firms.models import Firm
from parkops.leases.choices import LeaseState
from parkops.leases.models import HeadcountReport, Lease, SeatRequest
from parkops.zones.models import Seat

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
        order_by = ("code",)


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
        order_by = ("short_name",)


# --- lease and headcount lists (reports) -------------------------------------------------------


class LeaseTable(tables.Table):
    """Leases with their firm, period, terms, state and seats held today (annotated by leases_with_seats)."""

    number = tables.Column(verbose_name=_("合同编号"))
    firm = tables.Column(accessor="firm__short_name", verbose_name=_("企业"))
    start = tables.DateColumn(verbose_name=_("起租日"))
    last_day = tables.DateColumn(accessor="last_day", order_by="end", verbose_name=_("最后租用日"))
    rent_terms = tables.Column(verbose_name=_("租金条款"))
    monthly_rate = tables.Column(verbose_name=_("每席月租（元）"), attrs=NUM)
    status = LabelColumn(accessor="state", labels=LeaseState.label_of, verbose_name=_("状态"))
    seats_on = tables.Column(verbose_name=_("今日席位"), attrs=NUM)

    class Meta:
        model = Lease
        fields = ()
        order_by = ("-start",)


class HeadcountTable(tables.Table):
    """Headcount reports, one per firm and month."""

    firm = tables.Column(accessor="firm__short_name", verbose_name=_("企业"))
    month = tables.DateColumn(format="Y-m", verbose_name=_("月份"))
    headcount = tables.Column(verbose_name=_("在岗人数"), attrs=NUM)
    submitted_by = tables.Column(verbose_name=_("填报人"), default="")
    modified = tables.DateTimeColumn(verbose_name=_("填报时间"))
    confirmation_reason = tables.Column(verbose_name=_("需核实（填报人确认原因）"), default="")
    note = tables.Column(verbose_name=_("备注"))

    class Meta:
        model = HeadcountReport
        fields = ()
        order_by = ("-month", "firm")
        # A report confirmed past the plausibility limits (above twice the seats, or an old month) stands out.
        row_attrs = {"class": lambda record: "flagged" if record.confirmation_reason else ""}

    def render_confirmation_reason(self, value):
        return format_html('<span class="flag" title="{}">⚠ {}</span>', _("超出合理范围，经填报人确认"), value)


# --- seat requests (staff queue) -----------------------------------------------------------------


class SeatRequestTable(tables.Table):
    """The staff queue of firms' seat requests; the id links to the decision page."""

    id = tables.Column(verbose_name=_("编号"), linkify=("registers:seat_request_decide", {"pk": tables.A("pk")}))
    firm = tables.Column(verbose_name=_("企业"), accessor="firm__short_name", order_by=("firm__short_name",))
    seats = tables.Column(attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    zone_preference = tables.Column(accessor="zone_preference__code", verbose_name=_("意向区域"), default="—")
    wanted_from = tables.DateColumn(format="Y-m-d")
    reason = tables.Column()
    status = tables.Column()
    created = tables.DateTimeColumn(verbose_name=_("申请时间"), format="Y-m-d H:i")
    decided_at = tables.DateTimeColumn(format="Y-m-d H:i", default="—")
    decision_reason = tables.Column(default="—")
    lease = tables.Column(accessor="lease__number", verbose_name=_("分配的租约"), default="—")

    class Meta:
        model = SeatRequest
        fields = ()
        sequence = (
            "id", "firm", "seats", "zone_preference", "wanted_from", "reason", "status",
            "created", "decided_at", "decision_reason", "lease",
        )
        order_by = ("-created",)
        empty_text = _("没有符合条件的席位申请。")


def planner_floor_url(floor_id: int, request_pk: int) -> str:
    """Return the floor planner's address for a floor, carrying the seat request being served."""
    return f'{reverse("planner:floor", kwargs={"pk": floor_id})}?request={request_pk}'


class CandidateFloorTable(tables.Table):
    """Floors with free seats for a request, each opening the floor planner on behalf of the request."""

    label = tables.Column(verbose_name=_("楼层"))
    free = tables.Column(verbose_name=_("空闲席位"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    seats = tables.Column(verbose_name=_("席位总数"), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    planner = tables.Column(verbose_name="", empty_values=())

    class Meta:
        orderable = False
        empty_text = _("意向区域内没有空闲席位。")

    def __init__(self, *args, request_pk: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_pk = request_pk

    def render_planner(self, record):
        return format_html('<a href="{}">{}</a>', planner_floor_url(record.key, self.request_pk), _("打开楼层图"))
