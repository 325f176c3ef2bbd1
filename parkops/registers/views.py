"""The staff list pages (registers): seats, firms, leases, headcount, and the seat request queue with its
decision page. Each list is filterable, sortable, paginated and exportable (core.lists.StaffListView)."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from parkops.core.access import StaffRequiredMixin
from parkops.core.lists import StaffListView
from parkops.leases import services
from parkops.leases.choices import SeatRequestStatus
from parkops.leases.forms import add_service_error
from parkops.leases.models import HeadcountReport, SeatRequest
from parkops.leases.selectors import (
    firm_allocation,
    firms_with_figures,
    floors_with_free_seats,
    leases_with_seats,
    seats_with_holder,
)

from .filtersets import FirmFilterSet, HeadcountFilterSet, LeaseFilterSet, SeatFilterSet, SeatRequestFilterSet
from .forms import SeatRequestAllocateForm, SeatRequestApproveForm, SeatRequestRejectForm
from .tables import CandidateFloorTable, FirmTable, HeadcountTable, LeaseTable, SeatRequestTable, SeatTable


class SeatListView(StaffListView):
    """All seats of the park with today's holder; filterable, sortable, exportable."""

    table_class = SeatTable
    filterset_class = SeatFilterSet
    template_name = "registers/seat_list.html"
    export_name = "seats"

    def get_queryset(self):
        return seats_with_holder(timezone.localdate())


class FirmListView(StaffListView):
    """All firms with seats leased today and latest headcount; filterable, sortable, exportable."""

    table_class = FirmTable
    filterset_class = FirmFilterSet
    template_name = "registers/firm_list.html"
    export_name = "firms"

    def get_queryset(self):
        return firms_with_figures(timezone.localdate())


# --- lease and headcount lists (reports) -------------------------------------------------------


class LeaseListView(StaffListView):
    """All leases with seats held today; filterable, sortable, exportable."""

    table_class = LeaseTable
    filterset_class = LeaseFilterSet
    template_name = "registers/lease_list.html"
    export_name = "leases"

    def get_queryset(self):
        return leases_with_seats(timezone.localdate())


class HeadcountListView(StaffListView):
    """Every firm's monthly headcount reports; filterable, sortable, exportable."""

    table_class = HeadcountTable
    filterset_class = HeadcountFilterSet
    template_name = "registers/headcount_list.html"
    export_name = "headcount"

    def get_queryset(self):
        return HeadcountReport.objects.select_related("firm", "submitted_by")


# --- seat requests (staff queue and decision) -----------------------------------------------------


class SeatRequestListView(StaffListView):
    """The queue of firms' seat requests, newest first, filterable by status, firm, zone and wanted date."""

    table_class = SeatRequestTable
    filterset_class = SeatRequestFilterSet
    template_name = "registers/seat_request_list.html"
    export_name = "seat_requests"

    def get_queryset(self):
        return SeatRequest.objects.visible_to(self.request.user).select_related("firm", "zone_preference", "lease")


class SeatRequestDecideView(StaffRequiredMixin, TemplateView):
    """Decide one request: allocate seats directly, approve with a lease made in the planner, or reject."""

    template_name = "registers/seat_request_decide.html"
    actions = {
        "allocate": SeatRequestAllocateForm,
        "approve": SeatRequestApproveForm,
        "reject": SeatRequestRejectForm,
    }

    def dispatch(self, request, *args, **kwargs):
        self.today = timezone.localdate()
        return super().dispatch(request, *args, **kwargs)

    def get_object(self) -> SeatRequest:
        qs = SeatRequest.objects.visible_to(self.request.user).select_related("firm", "zone_preference", "lease")
        return get_object_or_404(qs, pk=self.kwargs["pk"])

    def build_form(self, action, data=None):
        kwargs = {"data": data, "prefix": action}
        if action == "allocate" and data is None:
            kwargs["initial"] = SeatRequestAllocateForm.initial_for(self.object, self.today)
        if action == "approve":
            kwargs["firm"] = self.object.firm
        return self.actions[action](**kwargs)

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        action = request.POST.get("action")
        if action not in self.actions:
            messages.error(request, _("未知的操作；请使用页面上的按钮提交。"))
            return redirect("registers:seat_request_decide", pk=self.object.pk)
        form = self.build_form(action, request.POST)
        if form.is_valid():
            try:
                self.decide(action, form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("已处理席位申请 #%(id)s。") % {"id": self.object.pk})
                return redirect("registers:seat_request_list")
        return self.render_to_response(self.get_context_data(**{f"{action}_form": form, "bound_form": form}))

    def decide(self, action: str, data: dict) -> None:
        """Call the one service that carries out the chosen decision."""
        by = self.request.user
        if action == "allocate":
            services.seat_request_allocate(request=self.object, by=by, **data)
        elif action == "approve":
            services.seat_request_decide(request=self.object, approve=True, lease=data["lease"], reason=data["reason"], by=by)
        else:
            services.seat_request_decide(request=self.object, approve=False, reason=data["decision_reason"], by=by)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        req = self.object
        for action in self.actions:
            ctx.setdefault(f"{action}_form", self.build_form(action))
        ctx.update(
            request_obj=req,
            is_open=req.status == SeatRequestStatus.OPEN,
            allocation=firm_allocation(req.firm, self.today),
            candidate_floors=self.candidate_floors(req),
        )
        return ctx

    def candidate_floors(self, req: SeatRequest) -> CandidateFloorTable:
        """Return the floors with free seats today (in the preferred zone, if any), each linked into the planner."""
        rows = floors_with_free_seats(self.today, zone=req.zone_preference)
        return CandidateFloorTable(rows, request_pk=req.pk)
