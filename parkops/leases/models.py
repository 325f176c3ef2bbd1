"""Allocation: leases, the seats held under them, zone-D reservations, seat requests, headcount.

Rows here change only through parkops.leases.services. Date ranges are half-open:
a LeaseSeat holds its seat from ``start`` (included) to ``end`` (excluded), so a
lease ending on 1 July and the next starting on 1 July do not overlap.
"""
import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parkops.core.access import is_park_staff, user_firm
from parkops.core.models import TimeStampedModel
from parkops.firms.models import Firm
from parkops.zones.models import Phase, Seat, Zone

from .choices import LeaseStatus, RentTerms, ReservationStatus, SeatRequestStatus


class FirmScopedQuerySet(models.QuerySet):
    """A queryset of rows that belong to one firm through ``firm_path``."""

    firm_path = "firm"

    def visible_to(self, user):
        """Return the rows a user may see: all for staff, only its own firm's for a tenant."""
        if is_park_staff(user):
            return self
        firm = user_firm(user)
        if firm is None:
            return self.none()
        return self.filter(**{self.firm_path: firm})


class LeaseSeatQuerySet(FirmScopedQuerySet):
    firm_path = "lease__firm"

    def on(self, day: datetime.date):
        """Return the holdings in force on a day."""
        return self.filter(start__lte=day, end__gt=day)

    def overlapping(self, start: datetime.date, end: datetime.date):
        """Return the holdings whose [start, end) meets the range [start, end)."""
        return self.filter(start__lt=end, end__gt=start)


class Lease(TimeStampedModel):
    """A firm's contract for seats over a period, with its rent terms (free under policy, subsidised or market)."""

    firm = models.ForeignKey(Firm, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="leases")
    number = models.CharField(_("合同编号"), max_length=40, unique=True)
    start = models.DateField(_("起租日"))
    end = models.DateField(_("止租日（不含）"), help_text=_("租约在此日期之前有效，当天不再占用席位。"))
    rent_terms = models.CharField(_("租金条款"), max_length=16, choices=RentTerms.choices, default=RentTerms.FREE_POLICY)
    monthly_rate = models.DecimalField(_("每席月租（元）"), max_digits=10, decimal_places=2, default=0)
    policy_basis = models.CharField(
        _("政策依据"), max_length=200, blank=True, help_text=_("例如《内江市促进服务外包产业发展扶持办法》")
    )
    status = models.CharField(_("状态"), max_length=16, choices=LeaseStatus.choices, default=LeaseStatus.ACTIVE)
    terminated_on = models.DateField(_("终止日期"), null=True, blank=True)
    termination_reason = models.CharField(_("终止原因"), max_length=200, blank=True)
    note = models.TextField(_("备注"), blank=True)
    history = HistoricalRecords(excluded_fields=["modified"])

    objects = FirmScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-start", "number"]
        verbose_name = _("租约")
        verbose_name_plural = _("租约")
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="lease_end_after_start"),
            models.CheckConstraint(condition=Q(monthly_rate__gte=0), name="lease_rate_not_negative"),
        ]
        indexes = [models.Index(fields=["firm", "end"], name="lease_firm_end_idx")]

    def __str__(self):
        return self.number

    def effective_status(self, on: datetime.date | None = None) -> str:
        """Return the status as of a day: an active lease past its end reads as expired."""
        on = on or timezone.localdate()
        if self.status == LeaseStatus.ACTIVE and self.end <= on:
            return LeaseStatus.EXPIRED
        return self.status

    def get_effective_status_display(self) -> str:
        return LeaseStatus(self.effective_status()).label

    @property
    def last_day(self) -> datetime.date:
        """Return the last day the lease is in force (end is exclusive)."""
        return self.end - datetime.timedelta(days=1)


class LeaseSeat(models.Model):
    """One seat held under one lease for the half-open date range [start, end).

    On PostgreSQL an exclusion constraint (migration 0002) makes two overlapping
    holdings of one seat impossible; on SQLite the services' check is the guard.
    """

    lease = models.ForeignKey(Lease, verbose_name=_("租约"), on_delete=models.PROTECT, related_name="lease_seats")
    seat = models.ForeignKey(Seat, verbose_name=_("席位"), on_delete=models.PROTECT, related_name="lease_seats")
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期（不含）"))
    history = HistoricalRecords()

    objects = LeaseSeatQuerySet.as_manager()

    class Meta:
        ordering = ["seat__code", "start"]
        verbose_name = _("租约席位")
        verbose_name_plural = _("租约席位")
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="leaseseat_end_after_start"),
        ]
        indexes = [
            models.Index(fields=["seat", "start", "end"], name="leaseseat_seat_range_idx"),
            models.Index(fields=["start", "end"], name="leaseseat_range_idx"),
        ]

    def __str__(self):
        return f"{self.seat_id and self.seat.code} [{self.start}, {self.end})"


class CapacityReservation(TimeStampedModel):
    """A firm's claim on N seats of a zone-D phase before its floors exist; converted into a lease on handover."""

    firm = models.ForeignKey(Firm, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="reservations")
    phase = models.ForeignKey(Phase, verbose_name=_("分期"), on_delete=models.PROTECT, related_name="reservations")
    seats = models.PositiveIntegerField(_("预留席位数"))
    wanted_from = models.DateField(_("期望入驻日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ReservationStatus.choices, default=ReservationStatus.ACTIVE
    )
    lease = models.ForeignKey(
        Lease, verbose_name=_("转换的租约"), on_delete=models.PROTECT, null=True, blank=True, related_name="reservations"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    history = HistoricalRecords(excluded_fields=["modified"])

    objects = FirmScopedQuerySet.as_manager()

    class Meta:
        ordering = ["phase", "-seats"]
        verbose_name = _("容量预留")
        verbose_name_plural = _("容量预留")
        constraints = [models.CheckConstraint(condition=Q(seats__gte=1), name="reservation_seats_positive")]

    def __str__(self):
        return f"{self.firm} · {self.phase} · {self.seats}"


class SeatRequest(TimeStampedModel):
    """A firm asks for N more seats; staff approve it by allocating seats, or reject it with a reason."""

    firm = models.ForeignKey(Firm, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="seat_requests")
    seats = models.PositiveIntegerField(_("申请席位数"))
    zone_preference = models.ForeignKey(
        Zone, verbose_name=_("意向区域"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    wanted_from = models.DateField(_("期望起用日期"))
    reason = models.TextField(_("申请理由"))
    status = models.CharField(
        _("状态"), max_length=16, choices=SeatRequestStatus.choices, default=SeatRequestStatus.OPEN
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("处理人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_reason = models.TextField(_("处理意见"), blank=True)
    lease = models.ForeignKey(
        Lease, verbose_name=_("分配的租约"), on_delete=models.PROTECT, null=True, blank=True, related_name="seat_requests"
    )
    history = HistoricalRecords(excluded_fields=["modified"])

    objects = FirmScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("席位申请")
        verbose_name_plural = _("席位申请")
        constraints = [models.CheckConstraint(condition=Q(seats__gte=1), name="seatrequest_seats_positive")]

    def __str__(self):
        return f"{self.firm} · {self.seats} · {self.get_status_display()}"


class HeadcountReport(TimeStampedModel):
    """A firm's reported headcount for one month (one report per firm and month; corrections keep history)."""

    firm = models.ForeignKey(Firm, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="headcount_reports")
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    headcount = models.PositiveIntegerField(_("在岗人数"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    confirmation_reason = models.CharField(
        _("确认原因"), max_length=200, blank=True,
        help_text=_("人数超过所租席位两倍或月份早于12个月前时，填报人确认数字无误的原因；非空即在员工页面标记。"),
    )
    history = HistoricalRecords(excluded_fields=["modified"])

    objects = FirmScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "firm"]
        verbose_name = _("在岗人数报告")
        verbose_name_plural = _("在岗人数报告")
        constraints = [
            models.UniqueConstraint(fields=["firm", "month"], name="headcount_one_per_firm_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="headcount_month_first_day"),
        ]

    def __str__(self):
        return f"{self.firm} {self.month:%Y-%m}: {self.headcount}"
