"""Staff report pages: dashboard, occupancy as of a date, trends, expiry and the zone-D forecast.

Each view parses its form, calls the reads in reports/selectors.py (or a shared one in parkops.leases.selectors;
a fixed number of queries whatever the data size) and renders; the charts' geometry comes from charts.py.
"""
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from django_tables2 import MultiTableMixin, SingleTableMixin

from parkops.core import versioning
from parkops.core.access import StaffRequiredMixin
from parkops.core.exports import SafeExportMixin
from parkops.core.lists import PAGE_SIZE
from parkops.leases import selectors as leases_selectors
from parkops.leases.choices import expiring_label

from . import charts, selectors, tables
from .forms import GROUPS, AsOfForm, OccupancyForm, TrendForm

OCCUPANCY = {
    "zone": (tables.OccupancyTable, leases_selectors.zone_occupancy),
    "building": (tables.OccupancyTable, selectors.building_occupancy),
    "floor": (tables.OccupancyTable, selectors.floor_occupancy),
    "firm": (tables.FirmOccupancyTable, selectors.firm_occupancy),
    "line": (tables.LineOccupancyTable, selectors.business_line_occupancy),
}


class DashboardView(StaffRequiredMixin, TemplateView):
    """Headline figures for staff, each linking into its report."""

    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        headline = versioning.figures("reports:dashboard", lambda: selectors.park_headline(today))
        return super().get_context_data(today=today, headline=headline, **kwargs)


class OccupancyView(StaffRequiredMixin, SafeExportMixin, SingleTableMixin, TemplateView):
    """Occupancy as of any date, grouped by zone, building, floor, firm or business line; exportable."""

    template_name = "reports/occupancy.html"
    # Paginated in every grouping (by firm it is a row per tenant); the footers' totals and the exports cover every row.
    table_pagination = {"per_page": PAGE_SIZE}

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.form = OccupancyForm(request.GET)
        self.on, self.group = self.form.as_of(), self.form.group_value()

    def get_table_class(self):
        return OCCUPANCY[self.group][0]

    def get_table_data(self):
        read = OCCUPANCY[self.group][1]
        return versioning.figures("reports:occupancy", lambda: read(self.on), self.group, self.on)

    def get_export_filename(self, export_format):
        return f"occupancy-{self.group}-{self.on:%Y%m%d}.{export_format}"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            form=self.form, on=self.on, group=self.group, group_label=dict(GROUPS)[self.group], groups=GROUPS, **kwargs
        )


class TrendsView(StaffRequiredMixin, TemplateView):
    """Allocation rate per zone and headcount against leased seats per firm, month by month over 24 months."""

    template_name = "reports/trends.html"

    def get_context_data(self, **kwargs):
        form = TrendForm(self.request.GET)
        on = form.as_of()
        months = selectors.trend_months(on)
        labels = [f"{m.month:%y-%m}" for m in months]
        zones, firms = versioning.figures("reports:trends", lambda: self.trends(months), on)
        chosen = form.chosen_firm()
        firm = next((f for f in firms if chosen and f.firm.pk == chosen.pk), firms[0] if firms else None)
        return super().get_context_data(
            form=form,
            zones=zones,
            zone_chart=charts.zone_rates_chart(_("各区域出租率（%）"), labels, zones),
            zone_rows=[(m, [(z.leased[i], z.rates[i]) for z in zones]) for i, m in enumerate(months)],
            firm=firm,
            firm_chart=firm and self._firm_chart(firm, labels),
            firm_rows=zip(months, firm.leased, firm.headcount) if firm else (),
            **kwargs,
        )

    @staticmethod
    def trends(months):
        """Return the zones with seats and every firm, each with its figures month by month."""
        return [z for z in selectors.zone_trends(months) if z.seats], selectors.firm_trends(months)

    @staticmethod
    def _firm_chart(firm, labels):
        title = _("%(firm)s：在岗人数与在租席位") % {"firm": firm.firm.short_name}
        return charts.firm_chart(title, labels, firm, leased_name=_("在租席位"), headcount_name=_("在岗人数"))


class ExpiryView(StaffRequiredMixin, MultiTableMixin, TemplateView):
    """Leases and seats ending in the next 30 / 60 / 90 days per firm (the report's buckets), and the leases in
    state "expiring" (the product's expiry window)."""

    template_name = "reports/expiry.html"
    # Each table pages on its own (?f-page=, ?l-page=); the per-firm footers total every firm.
    table_pagination = {"per_page": PAGE_SIZE}

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.form = AsOfForm(request.GET)
        self.on = self.form.as_of()

    def get_tables(self):
        return [
            tables.ExpiryTable(
                versioning.figures("reports:expiry", lambda: selectors.expiring_by_firm(self.on), self.on), prefix="f-"
            ),
            tables.ExpiringLeaseTable(selectors.expiring_leases(self.on), prefix="l-"),
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(form=self.form, on=self.on, expiring_label=expiring_label(), **kwargs)


class ForecastView(StaffRequiredMixin, TemplateView):
    """Zone D: each phase's planned capacity against reservations and leases over the next 36 months."""

    template_name = "reports/forecast.html"
    months_ahead = 36

    def get_context_data(self, **kwargs):
        form = AsOfForm(self.request.GET)
        on = form.as_of()
        months = selectors.forward_months(on, self.months_ahead)
        labels = [f"{m.month:%y-%m}" for m in months]
        spans = [(m.month, m.day) for m in months]
        names = (_("规划容量"), _("预留（按期望入驻日期累计）"), _("已租席位"))
        phases = [
            (p, charts.phase_chart(str(p.phase), labels, p, spans, names=names, handover_label=_("交付")))
            for p in versioning.figures("reports:forecast", lambda: selectors.phase_forecast(on, months), on)
        ]
        return super().get_context_data(form=form, on=on, phases=phases, **kwargs)
