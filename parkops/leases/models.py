"""Allocation: leases, the seats held under them, zone-D reservations, seat requests, headcount.

Rows here change only through parkops.leases.services. Date ranges are half-open:
a LeaseSeat holds its seat from ``start`` (included) to ``end`` (excluded), so a
lease ending on 1 July and the next starting on 1 July do not overlap.
"""
import datetime

from django.conf import settings
from django.db import models
from django.db.models import Case, CharField, F, Q, Value, When
from django.db.models.lookups import In
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parkops.core.models import TimeStampedModel
from parkops.core.scoping import FirmScopedQuerySet
from parkops.firms.models import Firm
from parkops.zones.models import Phase, Seat, Zone

from .choices import LeaseStage, LeaseState, RentTerms, ReservationStatus, SeatRequestStatus, expiry_horizon


class LeaseSeatQuerySet(FirmScopedQuerySet):
    firm_path = "lease__firm"

    def on(self, day: datetime.date):
        """Return the holdings in force on a day."""
        return self.filter(start__lte=day, end__gt=day)

    def overlapping(self, start: datetime.date, end: datetime.date):
        """Return the holdings whose [start, end) meets the range [start, end)."""
        return self.filter(start__lt=end, end__gt=start)


# --- a lease's state on a day ------------------------------------------------------------------
#
# One rule, spelt twice side by side: in Python (Lease.state_on) and in SQL (LeaseQuerySet.with_state /
# in_state). tests/leases/test_lease_state.py compares the two over every day around each change.
# On day d, with the product's expiry window N (settings.PARKOPS_EXPIRY_DAYS), the first that holds:
#   terminated  terminated_on <= d           (terminated from T on: half-open, T itself is terminated)
#   draft       stage is draft               (not signed: never in force, whatever the dates)
#   upcoming    d < start
#   ended       end <= d                     (end is exclusive: the end day itself is ended)
#   expiring    effective end <= d + N       (its last day falls within the next N days, today included)
#   active      otherwise
# The effective end is the termination day T when the lease is terminated (lease_terminate refuses a T
# after the end), else the end. A lease terminated from T is in force over [start, T): before T it reads
# upcoming, active or expiring (its window counted from T), and from T on it reads terminated.
# Whether a lease may take more seats is a lifecycle rule, not a state: is_open / LeaseQuerySet.open
# (not terminated, on any day); the services also keep holdings inside [start, end).


def lease_state_expression(day: datetime.date, *, days: int | None = None) -> Case:
    """Return the SQL expression of a lease's state on `day` (the rule above); its values are LeaseState values."""
    horizon = expiry_horizon(day, days)
    return Case(
        When(terminated_on__lte=day, then=Value(LeaseState.TERMINATED.value)),
        When(stage=LeaseStage.DRAFT, then=Value(LeaseState.DRAFT.value)),
        When(start__gt=day, then=Value(LeaseState.UPCOMING.value)),
        When(end__lte=day, then=Value(LeaseState.ENDED.value)),
        When(Q(end__lte=horizon) | Q(terminated_on__lte=horizon), then=Value(LeaseState.EXPIRING.value)),
        default=Value(LeaseState.ACTIVE.value),
        output_field=CharField(max_length=16, choices=LeaseState.choices),
    )


def effective_end_expression() -> Case:
    """Return the SQL of a lease's effective end (exclusive): its termination day if earlier than its end, else its end."""
    return Case(When(terminated_on__lt=F("end"), then=F("terminated_on")), default=F("end"), output_field=models.DateField())


class LeaseQuerySet(FirmScopedQuerySet):
    """Leases, with their state on a day derived in SQL by the same rule as Lease.state_on."""

    firm_path = "firm"

    def with_state(self, day: datetime.date | None = None, *, days: int | None = None):
        """Return the leases annotated with ``state``: the LeaseState value on `day` (default today)."""
        return self.annotate(state=lease_state_expression(day or timezone.localdate(), days=days))

    def in_state(self, states, day: datetime.date | None = None, *, days: int | None = None):
        """Return the leases whose state on `day` (default today) is `states` (one value or several)."""
        states = [states] if isinstance(states, str) else list(states)
        unknown = set(states) - set(LeaseState.values)
        if unknown:
            raise ValueError(f"Unknown lease state(s) {sorted(unknown)}; use one of {LeaseState.values}.")
        return self.filter(In(lease_state_expression(day or timezone.localdate(), days=days), states))

    def expiring(self, day: datetime.date | None = None, *, days: int | None = None):
        """Return the leases expiring on `day` (default today): in force that day, with their last day (the
        effective end is exclusive) within the product's expiry window, or within the next `days` days.

        The one rule of "leases expiring": the firm admin's count, the lease list's "N 天内到期" filter and the
        expiry report all call it. It is the state "expiring" (in_state), with the window `days`.
        """
        return self.in_state(LeaseState.EXPIRING, day, days=days)

    def open(self):
        """Return the leases that may still take seats: not terminated (the services check the dates)."""
        return self.filter(terminated_on__isnull=True)

    def open_on(self, day: datetime.date):
        """Return the leases that may take seats on `day` or later: not terminated and not ended by then."""
        return self.open().filter(end__gt=day)


class Lease(TimeStampedModel):
    """A firm's contract for seats over a period, with its rent terms (free under policy, subsidised or market).

    Only what the dates cannot tell is stored: the stage (draft or signed) and, once terminated, the
    termination day. Its state on a day (draft, upcoming, active, expiring, ended, terminated) is
    derived: ``state_on(day)``, or ``Lease.objects.with_state(day)`` / ``in_state(state, day)`` in SQL.
    """

    firm = models.ForeignKey(Firm, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="leases")
    number = models.CharField(_("合同编号"), max_length=40, unique=True)
    start = models.DateField(_("起租日"))
    end = models.DateField(_("止租日（不含）"), help_text=_("租约在此日期之前有效，当天不再占用席位。"))
    rent_terms = models.CharField(_("租金条款"), max_length=16, choices=RentTerms.choices, default=RentTerms.FREE_POLICY)
    monthly_rate = models.DecimalField(_("每席月租（元）"), max_digits=10, decimal_places=2, default=0)
    policy_basis = models.CharField(
        _("政策依据"), max_length=200, blank=True, help_text=_("例如《内江市促进服务外包产业发展扶持办法》")
    )
    stage = models.CharField(
        _("签约阶段"), max_length=16, choices=LeaseStage.choices, default=LeaseStage.SIGNED,
        help_text=_("草稿尚未签约；生效、到期等状态由起止日期推算，不在此保存。"),
    )
    terminated_on = models.DateField(_("终止日期"), null=True, blank=True)
    termination_reason = models.CharField(_("终止原因"), max_length=200, blank=True)
    note = models.TextField(_("备注"), blank=True)
    history = HistoricalRecords(excluded_fields=["modified"])

    objects = LeaseQuerySet.as_manager()

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

    @property
    def effective_end(self) -> datetime.date:
        """Return the day the lease stops being in force (exclusive): its termination day, else its end."""
        if self.terminated_on is not None and self.terminated_on < self.end:
            return self.terminated_on
        return self.end

    @property
    def is_open(self) -> bool:
        """Return whether the lease may still take seats: not terminated (LeaseQuerySet.open)."""
        return self.terminated_on is None

    def state_on(self, day: datetime.date | None = None, *, days: int | None = None) -> str:
        """Return the LeaseState value on `day` (default today), by the rule at the top of this section."""
        day = day or timezone.localdate()
        if self.terminated_on is not None and self.terminated_on <= day:
            return LeaseState.TERMINATED
        if self.stage == LeaseStage.DRAFT:
            return LeaseState.DRAFT
        if day < self.start:
            return LeaseState.UPCOMING
        if self.end <= day:
            return LeaseState.ENDED
        if self.effective_end <= expiry_horizon(day, days):
            return LeaseState.EXPIRING
        return LeaseState.ACTIVE

    @property
    def state_label(self) -> str:
        """Return the label of the annotated ``state`` (with_state), else of today's state."""
        state = getattr(self, "state", None) or self.state_on()
        return LeaseState.label_of(state)

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
        # Every read of a day (held on d: start <= d < end, LeaseSeatQuerySet.on) or of a range from today on
        # meets the holdings by their end first: the scan starts at the first holding still running on the day
        # and never visits the ended ones, which are what months of history add (issue 21, item 2). Led by
        # start, the same reads walk every past holding. Per park, per seat and per lease.
        indexes = [
            models.Index(fields=["end", "start"], name="leaseseat_end_start_idx"),
            models.Index(fields=["seat", "end", "start"], name="leaseseat_seat_end_idx"),
            models.Index(fields=["lease", "end"], name="leaseseat_lease_end_idx"),
        ]

    def __str__(self):
        return f"{self.seat_id and self.seat.code} [{self.start}, {self.end})"


class ReservationQuerySet(FirmScopedQuerySet):
    firm_path = "firm"

    def standing_on(self, day: datetime.date):
        """Return the reservations as they stood on a day: made by then and not yet cancelled or converted."""
        return self.filter(standing_on(day))


def standing_on(day: datetime.date, prefix: str = "") -> Q:
    """Return the Q of reservations (under `prefix`, e.g. "reservations__") standing on a day: [reserved_on, closed_on).

    A converted reservation never stands: its seats are counted through its lease on every date (booked before
    the lease starts, leased while it runs), so the phase's committed figure does not count them twice.
    """
    return (
        Q(**{f"{prefix}reserved_on__lte": day})
        & (Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gt": day}))
        & ~Q(**{f"{prefix}status": ReservationStatus.CONVERTED})
    )


class CapacityReservation(TimeStampedModel):
    """A firm's claim on N seats of a zone-D phase before its floors exist; converted into a lease on handover.

    It stands over [reserved_on, closed_on): closed_on is the day it was cancelled or converted. A partial
    conversion closes the row and opens a new one for the remaining seats, so every date reads the count
    that stood then.
    """

    firm = models.ForeignKey(Firm, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="reservations")
    phase = models.ForeignKey(Phase, verbose_name=_("分期"), on_delete=models.PROTECT, related_name="reservations")
    seats = models.PositiveIntegerField(_("预留席位数"))
    wanted_from = models.DateField(_("期望入驻日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ReservationStatus.choices, default=ReservationStatus.ACTIVE
    )
    reserved_on = models.DateField(_("预留日期"), default=timezone.localdate)
    closed_on = models.DateField(_("结束日期"), null=True, blank=True, help_text=_("取消或转为租约之日；从这一天起不再计入预留。"))
    lease = models.ForeignKey(
        Lease, verbose_name=_("转换的租约"), on_delete=models.PROTECT, null=True, blank=True, related_name="reservations"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    history = HistoricalRecords(excluded_fields=["modified"])

    objects = ReservationQuerySet.as_manager()

    class Meta:
        ordering = ["phase", "-seats"]
        verbose_name = _("容量预留")
        verbose_name_plural = _("容量预留")
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="reservation_seats_positive"),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("reserved_on")), name="reservation_closed_after_reserved"
            ),
        ]

    def __str__(self):
        return f"{self.firm} · {self.phase} · {self.seats}"

    def stands_on(self, day: datetime.date) -> bool:
        """Return whether the reservation counts as reserved on a day (as standing_on)."""
        return (
            self.status != ReservationStatus.CONVERTED
            and self.reserved_on <= day
            and (self.closed_on is None or self.closed_on > day)
        )


class SeatRequestQuerySet(FirmScopedQuerySet):
    firm_path = "firm"


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

    objects = SeatRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("席位申请")
        verbose_name_plural = _("席位申请")
        constraints = [models.CheckConstraint(condition=Q(seats__gte=1), name="seatrequest_seats_positive")]

    def __str__(self):
        return f"{self.firm} · {self.seats} · {self.get_status_display()}"


class HeadcountReportQuerySet(FirmScopedQuerySet):
    firm_path = "firm"


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

    objects = HeadcountReportQuerySet.as_manager()

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
