"""Tenant-firm screens: the firm's seats, leases, headcount reports, seat requests and members.

Every view here serves a firm's own users only. Data comes from ``visible_to(user)`` querysets (or from
selectors given the user's own firm), so another firm's object answers 404 and its data never reaches
a template. Staff users without a firm are sent to the planner; anyone else without a firm gets 404.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Window
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View
from django_tables2 import RequestConfig, SingleTableMixin

from parkops.core import versioning
from parkops.core.access import is_park_staff, user_membership
from parkops.core.exports import SafeExportMixin
from parkops.core.lists import PAGE_SIZE
from parkops.firms.models import FirmMember
from parkops.leases import selectors, services
from parkops.leases.choices import LeaseState, expiring_label
from parkops.leases.forms import add_service_error
from parkops.leases.models import CapacityReservation, HeadcountReport, Lease, LeaseSeat, SeatRequest
from parkops.zones.models import Floor

from .forms import HeadcountForm, SeatRequestForm
from .tables import (
    HeadcountTable, MemberTable, OwnLeaseTable, OwnSeatTable, SeatRequestTable,
)


def staff_landing() -> str:
    """Return where a staff user who opens the portal goes: the planner if it is installed, else home."""
    try:
        resolve("/planner/")
        return "/planner/"
    except Resolver404:
        return reverse("home")


class TenantMixin:
    """Admit a firm's own users; send staff to the planner, anonymous users to login, anyone else to 404.

    Sets ``self.member`` and ``self.firm``. Views with ``admin_only_post`` refuse POSTs from viewers (403).
    """

    admin_only = False
    admin_only_post = False

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if is_park_staff(user):
            return redirect(staff_landing())
        self.member = user_membership(user)
        if self.member is None:
            raise Http404
        self.firm = self.member.firm
        self.today = timezone.localdate()
        if self.admin_only or (self.admin_only_post and request.method == "POST"):
            if not self.member.is_admin:
                raise PermissionDenied(_("只有企业管理员可以执行此操作。"))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(firm=self.firm, member=self.member, today=self.today)
        return ctx


@dataclass
class LeaseRow:
    """A lease as the portal lists it: its state today and, while in force, the days left before it ends."""

    lease: Lease
    status: str
    days_left: int | None
    expiring: bool


IN_FORCE = (LeaseState.ACTIVE, LeaseState.EXPIRING)
HOME_ROWS = 10  # the overview's lease and request lists show this many, say how many there are and link to all


def lease_rows(leases, today: datetime.date) -> list[LeaseRow]:
    """Return the leases (annotated with_state(today)) with their state label and, in force, the days left."""
    rows = []
    for lease in leases:
        state = lease.state
        days_left = (lease.effective_end - today).days if state in IN_FORCE else None
        rows.append(LeaseRow(lease, LeaseState.label_of(state), days_left, state == LeaseState.EXPIRING))
    return rows


def utilisation(headcount: int | None, seats: int) -> dict:
    """Return the latest headcount against leased seats: percent used and whether it is over 100%."""
    if headcount is None:
        return {"pct": None, "over": False}
    return {"pct": round(100 * headcount / seats, 1) if seats else None, "over": headcount > seats}


class PortalHomeView(TenantMixin, TemplateView):
    """The firm's overview: seats by zone, building and floor; leases; headcount; requests; zone-D reservations.

    Its small tables are written in the template (no sorting, no paging): django-tables2's per-table and
    per-cell machinery was a third of the page's time. The full lists are the portal's other pages.
    """

    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # The firm is in the key: one firm's figures never answer another's.
        allocation, latest, requests, reservations = versioning.figures(
            "portal:home", lambda: self.figures(self.request.user), self.firm.pk
        )
        ctx.update(
            allocation=allocation,
            by_zone=sorted(allocation.by_zone().items()),
            # Latest end first: the leases in force and upcoming lead; the whole list is the leases page.
            lease_rows=lease_rows(allocation.leases[:HOME_ROWS], self.today),
            lease_count=len(allocation.leases),
            request_count=requests[0].total if requests else 0,
            home_rows=HOME_ROWS,
            expiring_label=expiring_label(),
            latest_headcount=latest,
            utilisation=utilisation(latest.headcount if latest else None, allocation.seats),
            seat_requests=requests,
            reservations=reservations,
        )
        return ctx

    def figures(self, user):
        """Return the firm's allocation today, its latest headcount report, its latest HOME_ROWS requests, its reservations."""
        return (
            selectors.firm_allocation(self.firm, self.today),
            HeadcountReport.objects.visible_to(user).order_by("-month").first(),
            # The latest requests, each carrying how many there are in all (a window count: no second query).
            list(
                SeatRequest.objects.visible_to(user).select_related("zone_preference", "lease")
                .annotate(total=Window(Count("id")))[:HOME_ROWS]
            ),
            list(CapacityReservation.objects.visible_to(user).select_related("phase__zone", "lease")),
        )


class FloorView(TenantMixin, TemplateView):
    """A read-only floor map: the firm's own seats highlighted, other firms' seats only "occupied"."""

    template_name = "portal/floor.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        floors = Floor.objects.visible_to(self.request.user).select_related("building__zone")
        floor = get_object_or_404(floors, pk=self.kwargs["pk"])
        seats = selectors.tenant_floor_map(floor, self.today, self.firm)
        counts = {state: 0 for state in ("own", "own_expiring", "occupied", "free", "out_of_service")}
        for seat in seats:
            counts[seat.state] += 1
        ctx.update(
            floor=floor, seats=seats, counts=counts, own_total=counts["own"] + counts["own_expiring"],
            expiring_label=expiring_label(),
        )
        return ctx


HEADCOUNT_PAGE = 24  # two years of monthly reports per page


class HeadcountView(TenantMixin, TemplateView):
    """The firm's monthly headcount reports; firm admins submit or correct a month, viewers read."""

    template_name = "portal/headcount.html"
    admin_only_post = True

    def post(self, request, *args, **kwargs):
        form = HeadcountForm(request.POST)
        if form.is_valid():
            try:
                report = services.headcount_report_submit(firm=self.firm, by=request.user, **form.service_kwargs())
            except ValidationError as exc:
                add_service_error(form, exc)
                form.needs_confirmation |= "confirmation_reason" in getattr(exc, "error_dict", {})
            else:
                messages.success(
                    request, _("已保存 %(month)s 的在岗人数：%(n)s 人。") % {"month": f"{report.month:%Y-%m}", "n": report.headcount}
                )
                return redirect("portal:headcount")
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", HeadcountForm(initial={"month": self.today.replace(day=1)}))
        table = HeadcountTable(HeadcountReport.objects.visible_to(self.request.user).order_by("-month"))
        RequestConfig(self.request, paginate={"per_page": HEADCOUNT_PAGE}).configure(table)
        table.earlier = self.earlier_values([row.record for row in table.page.object_list])
        ctx["table"] = table
        return ctx

    def earlier_values(self, reports) -> dict[int, list[int]]:
        """Return, per report, the values it had before its corrections (oldest first). One query."""
        values: dict[int, list[int]] = {}
        rows = HeadcountReport.history.filter(id__in=[r.pk for r in reports]).order_by("history_date", "history_id")
        for row in rows.values("id", "headcount"):
            values.setdefault(row["id"], []).append(row["headcount"])
        # The last value is the current one; saves that changed only the note repeat a value.
        return {pk: _dedupe(history)[:-1] for pk, history in values.items()}


def _dedupe(values: list[int]) -> list[int]:
    out: list[int] = []
    for v in values:
        if not out or out[-1] != v:
            out.append(v)
    return out


class SeatRequestCreateView(TenantMixin, TemplateView):
    """A firm admin asks for more seats; the page also lists the firm's requests and their decisions."""

    template_name = "portal/seat_request.html"
    admin_only_post = True

    def post(self, request, *args, **kwargs):
        form = SeatRequestForm(request.POST)
        if form.is_valid():
            try:
                services.seat_request_create(firm=self.firm, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("已提交席位申请，园区工作人员处理后会在此显示结果。"))
                return redirect("portal:seat_request")
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", SeatRequestForm(initial={"wanted_from": self.today}))
        requests = SeatRequest.objects.visible_to(self.request.user).select_related("zone_preference", "lease")
        ctx["table"] = RequestConfig(self.request, paginate={"per_page": PAGE_SIZE}).configure(SeatRequestTable(requests))
        return ctx


class SeatRequestWithdrawView(TenantMixin, View):
    """Withdraw one of the firm's open requests (POST only, firm admins)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        # Look the request up first: another firm's request is 404 to every role, never 403.
        seat_request = get_object_or_404(SeatRequest.objects.visible_to(request.user), pk=pk)
        if not self.member.is_admin:
            raise PermissionDenied(_("只有企业管理员可以执行此操作。"))
        try:
            services.seat_request_withdraw(request=seat_request, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已撤回席位申请 #%(id)s。") % {"id": seat_request.pk})
        return redirect("portal:seat_request")


class MembersView(TenantMixin, TemplateView):
    """The firm's portal users, for its firm admins."""

    template_name = "portal/members.html"
    admin_only = True

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        members = FirmMember.objects.visible_to(self.request.user).select_related("user").order_by("user__username")
        ctx["table"] = RequestConfig(self.request, paginate={"per_page": PAGE_SIZE}).configure(MemberTable(members))
        return ctx


class TenantExportView(TenantMixin, SafeExportMixin, SingleTableMixin, TemplateView):
    """A list of the firm's own rows, a page at a time on screen; ?format=csv|xlsx exports every row (streamed)."""

    export_trigger_param = "format"
    template_name = "portal/export.html"
    table_pagination = {"per_page": PAGE_SIZE}
    heading = ""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["heading"] = self.heading
        return ctx


class ExportSeatsView(TenantExportView):
    """The seats the firm holds today."""

    table_class = OwnSeatTable
    heading = _("本企业席位")

    def get_export_filename(self, export_format):
        return f"seats-{self.today:%Y%m%d}.{export_format}"

    def get_table_data(self):
        return (
            LeaseSeat.objects.visible_to(self.request.user)
            .on(self.today)
            .select_related("seat__floor__building__zone", "lease")
        )


class ExportLeasesView(TenantExportView):
    """The firm's leases, with the seats held under each today."""

    table_class = OwnLeaseTable
    heading = _("本企业租约")

    def get_export_filename(self, export_format):
        return f"leases-{self.today:%Y%m%d}.{export_format}"

    def get_table_data(self):
        return selectors.with_seats_on(Lease.objects.visible_to(self.request.user), self.today)
