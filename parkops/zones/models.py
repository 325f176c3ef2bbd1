"""The supply side of the park: zones, zone D's build phases, buildings, floors and seats.

Whether a seat is free or leased is never stored here: it is derived from
LeaseSeat rows for a given date (parkops.leases.selectors).
"""
import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parkops.core.models import TimeStampedModel
from parkops.core.scoping import FirmScopedQuerySet

from .choices import FunctionalArea, PhaseStatus, SeatKind, ZoneStatus


class Zone(TimeStampedModel):
    """A zone of the park (A, B, B1, C in operation; D under construction) with its declared figures."""

    code = models.CharField(_("区域代码"), max_length=8, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=24, choices=ZoneStatus.choices, default=ZoneStatus.OPERATING)
    gross_area_m2 = models.PositiveIntegerField(_("建筑面积（m²）"), default=0)
    declared_seats = models.PositiveIntegerField(
        _("规划席位（公布数）"), default=0, help_text=_("公布的规划席位数；实际席位数由席位记录统计。")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    note = models.TextField(_("备注"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("园区分区")
        verbose_name_plural = _("园区分区")

    def __str__(self):
        return f"{self.code} {self.name}"


class Phase(TimeStampedModel):
    """One of zone D's four build phases, with its planned capacity in people."""

    zone = models.ForeignKey(Zone, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="phases")
    number = models.PositiveSmallIntegerField(_("期数"))
    name = models.CharField(_("名称"), max_length=100, blank=True)
    planned_capacity = models.PositiveIntegerField(_("规划容量（人）"))
    land_mu = models.DecimalField(_("用地（亩）"), max_digits=8, decimal_places=1, default=0)
    investment_cny = models.DecimalField(_("投资额（元）"), max_digits=16, decimal_places=0, default=0)
    status = models.CharField(_("状态"), max_length=24, choices=PhaseStatus.choices, default=PhaseStatus.PLANNED)
    expected_handover = models.DateField(_("预计交付日期"), null=True, blank=True)
    actual_handover = models.DateField(_("实际交付日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["zone__sort_order", "number"]
        verbose_name = _("建设分期")
        verbose_name_plural = _("建设分期")
        constraints = [
            models.UniqueConstraint(fields=["zone", "number"], name="phase_unique_number_per_zone"),
            models.CheckConstraint(condition=Q(number__gte=1), name="phase_number_positive"),
        ]

    def __str__(self):
        return self.name or f"{self.zone.code}区{self.number}期"


class Building(TimeStampedModel):
    """A building in a zone (and, in zone D, in a phase), with its functional area."""

    zone = models.ForeignKey(Zone, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="buildings")
    phase = models.ForeignKey(
        Phase, verbose_name=_("分期"), on_delete=models.PROTECT, related_name="buildings", null=True, blank=True
    )
    code = models.CharField(_("楼栋代码"), max_length=16, unique=True, help_text=_("例如 C-1、D-7"))
    name = models.CharField(_("名称"), max_length=100)
    functional_area = models.CharField(
        _("功能分区"), max_length=32, choices=FunctionalArea.choices, default=FunctionalArea.ENTERPRISE_WORK_ZONE
    )
    floors_above = models.PositiveSmallIntegerField(_("地上层数"), default=1)
    note = models.TextField(_("备注"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["zone__sort_order", "code"]
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")

    def __str__(self):
        return f"{self.code} {self.name}"


# A seat belongs to the firms that hold or held it: the allocation's path from a seat to a firm, through the
# leases app's LeaseSeat rows (named here as a lookup path, not imported: zones sits below leases).
SEAT_FIRM_PATH = "lease_seats__lease__firm"


class FloorQuerySet(FirmScopedQuerySet):
    """Floors; visible_to(user): all for staff, for a tenant the floors where its firm holds or held seats."""

    firm_path = f"seats__{SEAT_FIRM_PATH}"
    firm_path_many = True


def floor_label(level: int, label: str = "") -> str:
    """The one floor-label rule: a floor's own label if it has one, else its level followed by F (3F, -1F).

    Floor.short_label and Floor.__str__ use it; reads that fetch floors as values() rows call it directly."""
    return label or f"{level}F"


class Floor(TimeStampedModel):
    """A floor of a building, with the grid the seat planner draws it on."""

    building = models.ForeignKey(Building, verbose_name=_("楼栋"), on_delete=models.PROTECT, related_name="floors")
    level = models.SmallIntegerField(_("楼层"))
    label = models.CharField(_("名称"), max_length=50, blank=True)
    area_m2 = models.PositiveIntegerField(_("面积（m²）"), default=0)
    grid_rows = models.PositiveSmallIntegerField(_("网格行数"), default=10)
    grid_cols = models.PositiveSmallIntegerField(_("网格列数"), default=20)
    history = HistoricalRecords()

    objects = FloorQuerySet.as_manager()

    class Meta:
        ordering = ["building__code", "level"]
        verbose_name = _("楼层")
        verbose_name_plural = _("楼层")
        constraints = [
            models.UniqueConstraint(fields=["building", "level"], name="floor_unique_level_per_building"),
            models.CheckConstraint(condition=Q(grid_rows__gte=1, grid_cols__gte=1), name="floor_grid_positive"),
        ]

    def __str__(self):
        return f"{self.building.code} {self.short_label}"

    @property
    def short_label(self) -> str:
        """Return the floor's name on screens within its building: its label, else its level (3F, -1F)."""
        return floor_label(self.level, self.label)

    @property
    def code(self) -> str:
        """Return the floor's park-wide code, e.g. C-1-3F."""
        return f"{self.building.code}-{self.level}F"


class SeatQuerySet(FirmScopedQuerySet):
    """Seats; visible_to(user): all for staff, for a tenant the seats its firm ever held."""

    firm_path = SEAT_FIRM_PATH
    firm_path_many = True

    def existing_on(self, day: datetime.date):
        """Return the seats that exist on a day: laid out by then and not retired yet."""
        return self.filter(existing_on(day))


def existing_on(day: datetime.date, prefix: str = "") -> Q:
    """Return the Q of seats (under `prefix`, e.g. "seats__") that exist on a day: [available_from, retired_on)."""
    return Q(**{f"{prefix}available_from__lte": day}) & (
        Q(**{f"{prefix}retired_on__isnull": True}) | Q(**{f"{prefix}retired_on__gt": day})
    )


def existing_over(start: datetime.date, end: datetime.date, prefix: str = "") -> Q:
    """Return the Q of seats that exist on every day of [start, end)."""
    return Q(**{f"{prefix}available_from__lte": start}) & (
        Q(**{f"{prefix}retired_on__isnull": True}) | Q(**{f"{prefix}retired_on__gte": end})
    )


class Seat(TimeStampedModel):
    """One seat on a floor's grid, with its equipment (拎包入驻: desk and computer provided).

    A seat exists over [available_from, retired_on); its physical condition on a day is derived from its
    dated SeatOutage rows (out of service on a day when an outage is in force that day).
    """

    floor = models.ForeignKey(Floor, verbose_name=_("楼层"), on_delete=models.PROTECT, related_name="seats")
    code = models.CharField(_("席位编号"), max_length=32, unique=True, help_text=_("园区内唯一，例如 C-1-3F-0123"))
    row = models.PositiveSmallIntegerField(_("行"))
    col = models.PositiveSmallIntegerField(_("列"))
    kind = models.CharField(_("类型"), max_length=24, choices=SeatKind.choices, default=SeatKind.WORKSTATION)
    has_desk = models.BooleanField(_("配桌椅"), default=True)
    has_computer = models.BooleanField(_("配电脑"), default=True)
    available_from = models.DateField(
        _("启用日期"), default=timezone.localdate, help_text=_("席位从这一天起存在（楼层交付或席位布置之日）。")
    )
    retired_on = models.DateField(
        _("撤除日期"), null=True, blank=True, help_text=_("席位从这一天起不再存在、不再统计；留空表示仍在使用。")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    history = HistoricalRecords()

    objects = SeatQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("席位")
        verbose_name_plural = _("席位")
        constraints = [
            models.UniqueConstraint(fields=["floor", "row", "col"], name="seat_unique_grid_position"),
            models.CheckConstraint(
                condition=Q(retired_on__isnull=True) | Q(retired_on__gt=F("available_from")), name="seat_retired_after_available"
            ),
        ]

    def __str__(self):
        return self.code

    def exists_on(self, day: datetime.date) -> bool:
        return self.available_from <= day and (self.retired_on is None or self.retired_on > day)

    def clean(self):
        if self.retired_on and self.available_from and self.retired_on <= self.available_from:
            raise ValidationError(
                {"retired_on": _("席位 %(code)s 的撤除日期 %(retired)s 必须晚于启用日期 %(from)s。")
                 % {"code": self.code, "retired": self.retired_on, "from": self.available_from}}
            )
        if self.floor_id and (self.row >= self.floor.grid_rows or self.col >= self.floor.grid_cols):
            raise ValidationError(
                {
                    "row": _(
                        "席位 %(code)s 的位置（行 %(row)s，列 %(col)s）超出楼层网格 %(rows)s×%(cols)s；"
                        "请调整行列或放大楼层网格。"
                    )
                    % {
                        "code": self.code,
                        "row": self.row,
                        "col": self.col,
                        "rows": self.floor.grid_rows,
                        "cols": self.floor.grid_cols,
                    }
                }
            )



class SeatOutageQuerySet(models.QuerySet):
    def on(self, day: datetime.date):
        """Return the outages in force on a day."""
        return self.filter(in_force_on(day))

    def overlapping(self, start: datetime.date, end: datetime.date):
        """Return the outages whose [start, end) meets [start, end)."""
        return self.filter(Q(end__isnull=True) | Q(end__gt=start), start__lt=end)


def in_force_on(day: datetime.date, prefix: str = "") -> Q:
    """Return the Q of outages (under `prefix`, e.g. "outages__") in force on a day."""
    return Q(**{f"{prefix}start__lte": day}) & (Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gt": day}))


def out_of_service_on(day: datetime.date, seat_ref: str = "pk") -> models.Exists:
    """Return an expression that is true for a seat (OuterRef(seat_ref)) out of service on a day."""
    return models.Exists(SeatOutage.objects.on(day).filter(seat=models.OuterRef(seat_ref)))


class SeatOutage(TimeStampedModel):
    """A seat out of service over the half-open range [start, end); an open end means until further notice.

    Rows change only through parkops.leases.services.seats_set_condition, with history and the acting user.
    """

    seat = models.ForeignKey(Seat, verbose_name=_("席位"), on_delete=models.CASCADE, related_name="outages")
    start = models.DateField(_("停用开始日期"))
    end = models.DateField(_("恢复启用日期"), null=True, blank=True, help_text=_("从这一天起恢复启用；留空表示仍停用。"))
    reason = models.CharField(_("停用原因"), max_length=200, blank=True)
    history = HistoricalRecords(excluded_fields=["modified"])

    objects = SeatOutageQuerySet.as_manager()

    class Meta:
        ordering = ["seat", "-start"]
        verbose_name = _("席位停用")
        verbose_name_plural = _("席位停用")
        constraints = [
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gt=F("start")), name="seatoutage_end_after_start"),
        ]
        indexes = [models.Index(fields=["seat", "start"], name="seatoutage_seat_start_idx")]

    def __str__(self):
        return f"{self.seat_id and self.seat.code} [{self.start}, {self.end or '…'})"
