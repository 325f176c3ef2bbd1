"""Staff screens: park overview, floor seat planner, seat history, search, stacking plan, zone-D board.

Views parse input, call one read from leases.selectors or one write from leases.services,
and render. Every page runs a fixed number of queries whatever the number of seats.
"""
from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from html import escape  # the stdlib one: same output as Django's, without its lazy-string wrapper per call
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.decorators import method_decorator
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django.views.generic import TemplateView
from django_htmx.http import reswap, retarget

from parkops.core import versioning
from parkops.core.access import StaffRequiredMixin, staff_required
from parkops.firms.models import Firm
from parkops.leases import selectors, services
from parkops.leases.choices import RentTerms, ReservationStatus, expiring_label, expiring_label_lazy
from parkops.leases.models import CapacityReservation, Lease, LeaseSeat
from parkops.zones.models import Building, Floor, Seat, SeatOutage, existing_on

from .forms import (
    DayForm,
    FloorActionForm,
    PeriodForm,
    ReservationChangeForm,
    ReservationConvertForm,
    ReservationForm,
    SearchForm,
)
from .tables import HolderTable, HoldingChangeTable, OutageChangeTable, SeatChangeTable

PALETTE_SIZE = 12  # firm colours f0..f11 in planner.css; a floor with more firms reuses them
SEARCH_LIMIT = 50


def firm_colours(firm_ids) -> dict[int, int]:
    """Return a palette index per firm, in the order given (largest holder first gets f0)."""
    return {firm_id: i % PALETTE_SIZE for i, firm_id in enumerate(firm_ids)}


class DayMixin:
    """Read ?on=YYYY-MM-DD (today by default); a bad date shows a message and falls back to today."""

    def get_day(self) -> datetime.date:
        if not hasattr(self, "_day"):
            form = DayForm(self.request.GET if "on" in self.request.GET else None)
            self._day, self.day_error = form.day(), form.error_text()
        return self._day

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["on"] = self.get_day()
        context["day_error"] = self.day_error
        return context


# --- park overview ---------------------------------------------------------------------------


class OverviewView(StaffRequiredMixin, DayMixin, TemplateView):
    """Every zone, declared beside counted seats, with its buildings and floors; zone D by phase."""

    template_name = "planner/overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        on = context["on"]
        # Computed only if the template's {% figures %} block misses its cache (core/versioning.py).
        figures = SimpleLazyObject(lambda: overview_figures(on))
        context["zones"] = SimpleLazyObject(lambda: figures["zones"])
        context["total"] = SimpleLazyObject(lambda: figures["total"])
        return context


def overview_figures(on: datetime.date) -> dict:
    """Return the overview's zones (each with its buildings, floors and phases) and the park's total on a day."""
    # Count the park once, per floor; zone and phase totals are sums of those rows.
    per_floor = selectors.occupancy_by("floor", on)
    floors = [
        (f, per_floor.get(f.pk, selectors.Occupancy(key=f.pk)))
        for f in Floor.objects.select_related("building").order_by("building__code", "level")
    ]
    buildings = buildings_by_zone(floors)
    phases = defaultdict(list)
    for cap in selectors.phase_capacity(on, counted=selectors.add_up(floors, lambda f: f.building.phase_id)):
        phases[cap.phase.zone_id].append(cap)
    zones = selectors.zone_occupancy(on, counted=selectors.add_up(floors, lambda f: f.building.zone_id))
    return {
        "zones": [{"occ": occ, "buildings": buildings.get(occ.key, []), "phases": phases.get(occ.key, [])} for occ in zones],
        "total": selectors.Occupancy(
            key="all",
            declared=sum(z.declared or 0 for z in zones),
            seats=sum(z.seats for z in zones),
            leased=sum(z.leased for z in zones),
            out_of_service=sum(z.out_of_service for z in zones),
            booked=sum(z.booked for z in zones),
        ),
    }


def buildings_by_zone(floors) -> dict[int, list[dict]]:
    """Group (floor, occupancy) pairs, in building and level order, into each zone's buildings."""
    buildings: dict[int, dict] = {}
    for floor, occ in floors:
        entry = buildings.setdefault(floor.building_id, {"building": floor.building, "floors": []})
        entry["floors"].append((floor, occ))
    by_zone = defaultdict(list)
    for entry in buildings.values():
        by_zone[entry["building"].zone_id].append(entry)
    return by_zone


# --- floor planner ---------------------------------------------------------------------------


def _gaps(pos: int, target: int, cols: int) -> list[int]:
    """Return spacer spans that move CSS grid auto-placement from cell `pos` to `target`, one per row crossed."""
    spans = []
    while pos < target:
        step = min(target, (pos // cols + 1) * cols) - pos
        spans.append(step)
        pos += step
    return spans


def _highlighter(text: str):
    """Return a test for ?highlight=: comma-separated seat codes, "firm:<id>" tokens and "~part" (code contains)."""
    codes, firms, parts = set(), set(), []
    for token in (t.strip() for t in text.split(",")):
        if token.startswith("firm:") and token[5:].isdigit():
            firms.add(int(token[5:]))
        elif token.startswith("~") and len(token) > 1:
            parts.append(token[1:].upper())
        elif token:
            codes.add(token.upper())
    return lambda s: s.code.upper() in codes or s.firm_id in firms or any(p in s.code.upper() for p in parts)


def floor_plan(floor: Floor, on: datetime.date, highlight: str = "") -> dict:
    """Return what the floor partial draws: the grid's markup, legend, counts, and the leases the tooltips name.

    Firms take colours by seats held, largest first. A floor action sends only its cells, and counts the floor
    with floor_summary (the same figures).
    """
    states = selectors.seat_states(floor, on)
    held = Counter(s.firm_id for s in states if s.firm_id and s.state != "booked")
    names = {s.firm_id: s.firm_name for s in states if s.firm_id}
    ranked = [firm_id for firm_id, _n in held.most_common()]
    colours = firm_colours(ranked)
    cols = max([floor.grid_cols] + [s.col + 1 for s in states])
    usual = _usual_ranges(states)
    leases = lease_tooltips(states, usual)
    plan = {
        "floor": floor,
        "on": on,
        "cols": cols,
        "legend": [{"firm_id": f, "name": names[f], "seats": n, "colour": colours[f]} for f, n in held.most_common()],
        "counts": Counter(s.state for s in states),
        "expiring_label": expiring_label(),
        "seat_total": len(states),
        "leases": leases,
    }
    is_highlighted = _highlighter(highlight) if highlight else None
    plan["grid_html"], plan["highlighted"] = grid_html(states, cols, colours, is_highlighted, usual)
    return plan


def floor_summary(floor: Floor, on: datetime.date, kept_colours: dict) -> dict:
    """Return what a floor action sends besides the cells: the summary counts and the legend, counted in the
    database (selectors.floor_counts) rather than from every seat's state; the same figures floor_plan shows.
    Firms keep the colours in `kept_colours` (keep_colours)."""
    counted = selectors.floor_counts(floor, on)
    colours = keep_colours([firm_id for firm_id, _name, _n in counted.firms], kept_colours)
    return {
        "floor": floor,
        "on": on,
        "legend": [{"firm_id": f, "name": name, "seats": n, "colour": colours[f]} for f, name, n in counted.firms],
        "counts": counted.counts,
        "expiring_label": expiring_label(),
        "seat_total": counted.seat_total,
        "colours": colours,
    }


def lease_tooltips(states, usual) -> dict[str, list]:
    """Return per lease of `states` what its cells' tooltips name: firm, number and usual dates here."""
    first_of = {}  # one seat per lease
    for s in states:
        if s.lease_id and s.lease_id not in first_of:
            first_of[s.lease_id] = s
    return {
        str(lease_id): [s.firm_name, s.lease_number, usual[lease_id][0].isoformat(), usual[lease_id][1].isoformat()]
        for lease_id, s in first_of.items()
    }


def keep_colours(ranked, kept: dict[int, int]) -> dict[int, int]:
    """Return a palette index per firm in `ranked`: the one in `kept` where it has one, else the first index no
    other firm here uses (cycling as firm_colours does when all are taken). So an action never repaints the
    firms already on the floor, and sends only the cells it changed."""
    colours = {f: kept[f] for f in ranked if f in kept}
    free = [i for i in range(PALETTE_SIZE) if i not in set(colours.values())]
    for n, firm_id in enumerate(f for f in ranked if f not in colours):
        colours[firm_id] = free[n] if n < len(free) else (len(colours) + n) % PALETTE_SIZE
    return colours


def parse_colours(text: str) -> dict[int, int] | None:
    """Read the colours a floor page shows ("firm:colour,..." as its legend carries them); None if unreadable."""
    colours = {}
    for pair in filter(None, text.split(",")):
        firm_id, _sep, colour = pair.partition(":")
        if not (firm_id.isdigit() and colour.isdigit() and int(colour) < PALETTE_SIZE):
            return None
        colours[int(firm_id)] = int(colour)
    return colours


def _usual_ranges(states) -> dict[int, tuple]:
    """Return per lease the holding (start, end) most of its seats here share; a seat held over other dates
    carries its own (cell_html)."""
    ranges = Counter((s.lease_id, s.start, s.end) for s in states if s.lease_id)
    usual = {}
    for (lease_id, start, end), _n in ranges.most_common():
        usual.setdefault(lease_id, (start, end))
    return usual


def grid_html(states, cols: int, colours: dict, is_highlighted=None, usual=None) -> tuple[str, int]:
    """Return the grid's cells as one safe string, and how many are highlighted.

    Each seat's cell (cell_html) is preceded by the spacers (grid spans) that carry CSS auto-placement to its row
    and column. Built here rather than in a template loop, which over hundreds of seats was most of the page's
    time. Every value is escaped or an int.
    """
    parts, pos, highlighted = [], 0, 0
    append = parts.append
    for s in states:
        target = s.row * cols + s.col
        if target > pos:
            for n in _gaps(pos, target, cols):
                # A class per span (static/css/sizes.css, up to 256): the CSP allows no style attribute.
                while n > 0:
                    append(f'<b class="sp-{min(n, 256)}"></b>')
                    n -= 256
        pos = target + 1
        hl = is_highlighted is not None and is_highlighted(s)
        highlighted += hl
        append(cell_html(s, colours, usual, hl))
    return mark_safe("".join(parts)), highlighted


def cell_html(s, colours: dict, usual=None, hl: bool = False) -> str:
    """Return one seat's cell: an <i> with its code, state, lease (and its own holding dates when they are not its
    lease's usual ones here, `usual`: lease id -> (start, end)), firm colour class and highlight."""
    classes = []
    colour = colours.get(s.firm_id) if s.state != "booked" else None
    if colour is not None:
        classes.append(f"f{int(colour)}")
    if hl:
        classes.append("hl")
    attrs = f'data-seat-code="{escape(s.code)}" data-state="{s.state}"'
    if s.lease_id:
        attrs += f' data-l="{int(s.lease_id)}"'
        if usual is not None and usual.get(s.lease_id) != (s.start, s.end):
            # Held over other dates than the lease's other seats here (added or released mid-lease): say so.
            attrs += f' data-s="{s.start.isoformat()}" data-e="{s.end.isoformat()}"'
    if classes:
        attrs += f' class="{" ".join(classes)}"'
    return f"<i {attrs}></i>"


JS_TEXT = {
    "free": gettext_lazy("空闲"),
    "leased": gettext_lazy("已分配"),
    "expiring": expiring_label_lazy(),
    "out_of_service": gettext_lazy("停用"),
    "booked": gettext_lazy("已预订（之后起用）"),
    "booked_from": gettext_lazy("起用日"),
    "period_free": gettext_lazy("整段空闲"),
    "firm": gettext_lazy("企业"),
    "lease": gettext_lazy("合同"),
    "period": gettext_lazy("期间"),
    "held": gettext_lazy("本席占用"),
    "until": gettext_lazy("至"),
    "excl": gettext_lazy("（不含）"),
    "history": gettext_lazy("历史记录"),
    "seat": gettext_lazy("席位"),
}


class FloorView(StaffRequiredMixin, DayMixin, TemplateView):
    """The seat planner of one floor: the grid as of a day, the selection and the action form."""

    template_name = "planner/floor.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The floor and its building's other floors (the level links) in one query.
        siblings = list(
            Floor.objects.filter(building__floors=self.kwargs["pk"]).select_related("building__zone", "building__phase__zone").order_by("level")
        )
        floor = next((f for f in siblings if f.pk == self.kwargs["pk"]), None)
        if floor is None:
            raise Http404
        context.update(floor_plan(floor, context["on"], self.request.GET.get("highlight", "")))
        context["siblings"] = siblings
        context.setdefault("form", FloorActionForm(
            floor=floor, initial={"on": context["on"], "start": context["on"], "effective_on": context["on"]}
        ))
        context["js_text"] = JS_TEXT
        return context


def _render_page(view_class, request, extra_context, status=422, **kwargs):
    """Render a page's GET view for a refused POST, with the bound form that explains why."""
    view = view_class(extra_context=extra_context)
    view.setup(request, **kwargs)
    response = view.get(request, **kwargs)
    response.status_code = status
    return response


def _allocate(data, by) -> str:
    seats = data["seats"]
    if data.get("reservation") is not None:
        lease = services.reservation_convert(
            reservation=data["reservation"], seats=seats, start=data["start"], end=data["end"],
            rent_terms=data["rent_terms"] or RentTerms.FREE_POLICY, monthly_rate=data["monthly_rate"] or 0, by=by,
        )
        allocation = lease.allocation
    elif data["lease"] is not None:
        lease = data["lease"]
        allocation = services.seats_allocate(
            lease=lease, seats=seats, start=data["start"], end=data["end"], by=by, skip_taken=data["skip_taken"]
        )
    else:
        lease = services.lease_create(
            firm=data["firm"], start=data["start"], end=data["end"], rent_terms=data["rent_terms"] or RentTerms.FREE_POLICY,
            monthly_rate=data["monthly_rate"] or 0, seats=seats, by=by, skip_taken=data["skip_taken"],
        )
        allocation = lease.allocation
    notice = _("已将 %(n)d 个席位分配给 %(firm)s（合同 %(lease)s，%(start)s 至 %(end)s，不含止日）。") % {
        "n": len(allocation), "firm": data["firm"], "lease": lease.number,
        "start": data["start"] or lease.start, "end": data["end"] or lease.end,
    }
    if allocation.skipped:
        # One skipped seat a line (the floor's notice keeps line breaks), so a long list stays readable.
        notice += "\n" + _("跳过 %(n)d 个席位：%(why)s。") % {
            "n": len(allocation.skipped), "why": "；".join(f"\n{s.reason}" for s in allocation.skipped),
        }
    return notice


def _release(data, by) -> str:
    n = services.seats_release_any(
        seats=data["seats"], on=data["release_on"], by=by, confirm_remove_future=data["confirm_remove_future"]
    )
    return _("已从 %(on)s 起释放 %(n)d 处席位占用。") % {"on": data["release_on"], "n": n}


def _set_condition(data, by) -> str:
    n = services.seats_set_condition(
        seats=data["seats"], condition=data["action"], on=data["effective_on"], by=by, note=data["note"],
        end_holdings=data["end_holdings"],
    )
    return _("已将 %(n)d 个席位自 %(on)s 起设为“%(state)s”。") % {
        "n": n, "on": data["effective_on"], "state": dict(FloorActionForm.ACTIONS)[data["action"]],
    }


FLOOR_ACTIONS = {
    FloorActionForm.ALLOCATE: _allocate,
    FloorActionForm.RELEASE: _release,
    FloorActionForm.OUT_OF_SERVICE: _set_condition,
    FloorActionForm.IN_SERVICE: _set_condition,
}


def _error_list(form) -> list[str]:
    """Return the form's errors as sentences that name the field."""
    errors = []
    for name, field_errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        errors.extend(f"{label}：{e}" if label and name != "seats" else e for e in field_errors)
    return errors


def _run_floor_action(form, user) -> tuple[str, list[str]]:
    """Validate the form and run its action through the service; return (notice, errors)."""
    if not form.is_valid():
        return "", _error_list(form)
    try:
        return FLOOR_ACTIONS[form.cleaned_data["action"]](form.cleaned_data, user), []
    except ValidationError as exc:
        return "", exc.messages


@require_POST
@staff_required
def floor_action(request, pk):
    """Run one action on the selected seats. htmx gets only what changed (floor_changes); without JavaScript a
    success redirects to the floor page and a refusal renders it (422) with the form that says why."""
    floor = get_object_or_404(Floor.objects.select_related("building__zone"), pk=pk)
    form = FloorActionForm(request.POST, floor=floor)
    if request.htmx:
        return floor_changes(request, floor, form)
    notice, errors = _run_floor_action(form, request.user)
    on = form.cleaned_data.get("on") or timezone.localdate()
    if not errors:
        messages.success(request, notice)
        return redirect(f"{reverse('planner:floor', args=[floor.pk])}?{urlencode({'on': on.isoformat()})}")
    for error in errors:
        messages.error(request, error)
    request.GET = request.GET.copy()
    request.GET["on"] = on.isoformat()
    return _render_page(FloorView, request, {"form": form}, pk=pk)


def floor_changes(request, floor: Floor, form: FloorActionForm):
    """Run the action and answer htmx with only what changed: the cells of the selected seats and the other cells
    of every lease the action touched (their tooltip's usual dates may move), the leases they name, the summary
    and legend, the firm's lease options and the message. A refusal answers 422 with the errors alone: nothing
    changed, and the page keeps the selection.

    Firms keep the colours the page shows (its legend's, sent as `colours`), so no other cell is repainted. A
    request without them (not from the planner's script), or one naming a seat the floor does not draw that day,
    gets the whole floor back instead (retargeted to #floor-live).
    """
    kept = parse_colours(request.POST.get("colours", "")) if "colours" in request.POST else None
    touched = set()
    if form.is_valid() and form.cleaned_data["action"] != FloorActionForm.ALLOCATE:
        # The leases whose holdings a release or a change of condition may end (an allocation ends none).
        touched = set(
            LeaseSeat.objects.filter(seat__in=form.cleaned_data["seats"], end__gt=form.cleaned_data["on"] or timezone.localdate())
            .values_list("lease_id", flat=True)
        )
    on = form.cleaned_data.get("on") or timezone.localdate()
    notice, errors = _run_floor_action(form, request.user)
    if errors:
        return render(request, "planner/_floor_status.html", {"errors": errors}, status=422)
    selected = {s.code for s in form.cleaned_data["seats"]}
    # Only the cells sent are drawn: the selected seats and every cell of the leases the action touched (theirs
    # or those its release ended), so each lease's usual dates (_usual_ranges) are read from all its cells here.
    seat_ids = [s.pk for s in form.cleaned_data["seats"]]
    leases = Q(lease__in=LeaseSeat.objects.filter(seat__in=seat_ids, end__gt=on).values("lease_id")) | Q(lease__in=sorted(touched))
    their_seats = LeaseSeat.objects.filter(leases, end__gt=on, seat__floor=floor).values("seat_id")
    states = [] if kept is None else selectors.some_seat_states(floor, on, Q(pk__in=seat_ids) | Q(pk__in=their_seats))
    if kept is None or not selected <= {s.code for s in states}:
        context = floor_plan(floor, on)
        context.update(notice=notice, ok=True)
        return reswap(retarget(render(request, "planner/_floor_live.html", context), "#floor-live"), "outerHTML")
    touched |= {s.lease_id for s in states if s.code in selected and s.lease_id}
    sent = [s for s in states if s.code in selected or s.lease_id in touched]
    after = floor_summary(floor, on, kept)
    colours, usual = after["colours"], _usual_ranges(sent)
    # An allocation may have made a lease: the firm's lease options offer it (a release ends no lease).
    firm = form.cleaned_data.get("firm") if form.cleaned_data["action"] == FloorActionForm.ALLOCATE else None
    after.update(
        notice=notice, ok=True, changed=len(sent), cells_html=mark_safe("".join(cell_html(s, colours, usual) for s in sent)),
        changed_leases=dict(sorted(lease_tooltips(sent, usual).items(), key=lambda kv: int(kv[0]))),
        lease_options=None if firm is None else open_leases(firm.pk),
        chosen_lease=getattr(form.cleaned_data.get("lease"), "pk", None),
    )
    return render(request, "planner/_floor_changes.html", after)


@require_GET
@staff_required
def floor_free(request, pk):
    """Return the codes of a floor's seats free for the whole period [?start, ?end) as JSON, for the planner to
    highlight before staff allocate (selectors.seats_free_over)."""
    floor = get_object_or_404(Floor.objects.only("id"), pk=pk)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": _error_list(form)}, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    codes = selectors.seats_free_over(floor, start, end)
    return JsonResponse({"start": start.isoformat(), "end": end.isoformat(), "codes": codes})


# --- seat history ------------------------------------------------------------------------------


class SeatHistoryView(StaffRequiredMixin, TemplateView):
    """Who held a seat and when, with every recorded change to its holdings and its condition."""

    template_name = "planner/seat_history.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        seat = get_object_or_404(Seat.objects.select_related("floor__building"), pk=self.kwargs["pk"])
        changes = LeaseSeat.history.filter(seat_id=seat.pk).select_related("lease", "history_user").order_by("-history_date")
        context.update(
            seat=seat,
            holders=HolderTable(selectors.seat_holders(seat)),
            holding_changes=HoldingChangeTable(changes),
            seat_changes=SeatChangeTable(seat.history.select_related("history_user").order_by("-history_date")),
            outage_changes=OutageChangeTable(
                SeatOutage.history.filter(seat_id=seat.pk).select_related("history_user").order_by("-history_date")
            ),
        )
        return context


@require_GET
@staff_required
def seat_history_lookup(request):
    """Redirect a seat code (from the floor grid) to that seat's history page."""
    seat = get_object_or_404(Seat.objects.only("id"), code=request.GET.get("code", "").strip())
    return redirect("planner:seat_history", pk=seat.pk)


# --- search -------------------------------------------------------------------------------------


def _floor_url(floor_id: int, on: datetime.date, highlight: str) -> str:
    return f"{reverse('planner:floor', args=[floor_id])}?{urlencode({'on': on.isoformat(), 'highlight': highlight})}"


class SearchView(StaffRequiredMixin, DayMixin, TemplateView):
    """Find a seat code or a firm; one hit jumps straight to its floor with the seats highlighted."""

    template_name = "planner/search.html"

    def get(self, request, *args, **kwargs):
        form = SearchForm({"q": request.GET.get("q", "")})
        self.q = form.cleaned_data["q"].strip() if form.is_valid() else ""
        on = self.get_day()
        if self.q:
            exact = Seat.objects.filter(existing_on(on), code__iexact=self.q).values("code", "floor_id").first()
            if exact:
                return redirect(_floor_url(exact["floor_id"], on, exact["code"]))
        context = self.get_context_data(**kwargs)
        hits = context["firm_hits"]
        if len(hits) == 1 and len(hits[0]["floors"]) == 1 and not context["seat_hits"]:
            return redirect(hits[0]["floors"][0]["url"])
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["q"] = self.q
        context["seat_hits"], context["firm_hits"] = ([], []) if not self.q else self._hits(context["on"])
        return context

    def _hits(self, on):
        seat_hits = [
            dict(row, url=_floor_url(row["floor"], on, f"~{self.q}"))
            for row in Seat.objects.filter(existing_on(on), code__icontains=self.q)
            .values("floor", "floor__building__code", "floor__level")
            .annotate(n=Count("id"))
            .order_by("floor__building__code", "floor__level")[:SEARCH_LIMIT]
        ]
        firms = list(
            Firm.objects.filter(Q(name__icontains=self.q) | Q(short_name__icontains=self.q) | Q(name_en__icontains=self.q))
            .order_by("short_name")[:SEARCH_LIMIT]
        )
        floors = defaultdict(list)
        for row in (
            LeaseSeat.objects.on(on)
            .filter(lease__firm__in=firms)
            .values("lease__firm", "seat__floor", "seat__floor__building__code", "seat__floor__level")
            .annotate(n=Count("seat", distinct=True))
            .order_by("seat__floor__building__code", "seat__floor__level")
        ):
            row["url"] = _floor_url(row["seat__floor"], on, f"firm:{row['lease__firm']}")
            floors[row["lease__firm"]].append(row)
        return seat_hits, [{"firm": f, "floors": floors.get(f.pk, [])} for f in firms]


# --- stacking plan ------------------------------------------------------------------------------


class BuildingStackView(StaffRequiredMixin, DayMixin, TemplateView):
    """One bar per floor, split into blocks per firm by seat count, with free and out-of-service space."""

    template_name = "planner/building_stack.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        building = get_object_or_404(Building.objects.select_related("zone", "phase__zone"), pk=self.kwargs["pk"])
        stack = selectors.building_stack(building, context["on"])
        totals = Counter()
        names = {}
        for level in stack:
            for firm_id, name, n in level.firms:
                totals[firm_id] += n
                names[firm_id] = name
        colours = firm_colours(f for f, _n in totals.most_common())
        widest = max([s.occupancy.seats for s in stack] + [1])
        context.update(
            building=building,
            levels=[
                {"stack": s, "blocks": [(f, name, n, colours[f], stack_label(name, n, widest)) for f, name, n in s.firms],
                 "free_label": stack_label("", s.occupancy.open, widest),
                 "booked_label": stack_label("", s.occupancy.booked, widest),
                 "oos_label": stack_label("", s.occupancy.out_of_service, widest)}
                for s in stack
            ],
            legend=[{"name": names[f], "seats": n, "colour": colours[f]} for f, n in totals.most_common()],
            widest=widest,
        )
        return context


# Shares of the widest bar below which a stacking-plan block's label is shortened, then dropped (its title keeps it).
STACK_FULL_LABEL, STACK_SHORT_LABEL, STACK_NUMBER_ONLY = 0.14, 0.07, 0.035


def stack_label(name: str, n: int, widest: int) -> str:
    """Return what a stacking-plan block of `n` seats can show without overflowing into its neighbours:
    the firm and the count, a two-character abbreviation and the count, the count alone, or nothing."""
    share = n / widest if widest else 0
    if share >= STACK_FULL_LABEL or (share >= STACK_SHORT_LABEL and len(name) <= 2):
        return f"{name} {n}".strip()
    if share >= STACK_SHORT_LABEL:
        return f"{name[:2]}… {n}"
    return str(n) if share >= STACK_NUMBER_ONLY else ""


# --- zone-D capacity board ----------------------------------------------------------------------


class ZoneDView(StaffRequiredMixin, DayMixin, TemplateView):
    """Each zone-D phase: planned capacity, reservations, seats laid out and leased; add, change, cancel, convert."""

    template_name = "planner/zone_d.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        on = context["on"]
        context["phases"] = versioning.figures("planner:zone_d", lambda: zone_d_phases(on), on)
        add_form = context.setdefault("add_form", ReservationForm(initial={"wanted_from": None}))
        context["add_phase"] = str(add_form["phase"].value() or "")
        return context


def zone_d_phases(on: datetime.date) -> list[dict]:
    """Return the board's phases on a day: each one's capacity figures, its reservations and their rows' markup."""
    # The reservations made by the day, each read as it stood that day (a later cancellation still active).
    every = list(
        CapacityReservation.objects.filter(reserved_on__lte=on)
        .select_related("firm", "lease")
        .only("phase_id", "status", "seats", "wanted_from", "note", "reserved_on", "closed_on", "firm__short_name",
              "lease__number")
        .order_by("phase", "status", "-seats")
    )
    reservations = defaultdict(list)
    for r in every:
        reservations[r.phase_id].append(r)
    # A row's change / cancel / convert forms load when its 操作 is opened (reservation_actions), so the
    # board stays one line per reservation however many there are.
    phases = []
    for cap in selectors.phase_capacity(on, reservations=every):
        mine = reservations[cap.phase.pk]
        phases.append(
            {"cap": cap, "open": max(cap.planned - cap.committed, 0), "reservations": mine,
             "rows_html": reservation_rows_html(mine, on)}
        )
    return phases


def reservation_rows_html(reservations, day: datetime.date) -> str:
    """Return a phase's reservation rows (<tr>s) as one safe string: firm and note, seats, wanted date, status
    with the converted lease, and for active ones the 操作 that loads their forms (reservation_actions).

    Written here rather than in a template loop, which was half the board's render time; every value is
    escaped or an int.
    """
    on = day.isoformat()
    open_label, page_label = escape(_("修改 / 取消 / 转为租约")), escape(_("打开预留操作"))
    statuses = {value: escape(str(label)) for value, label in ReservationStatus.choices}
    # One reverse() for all rows: the URLs differ only in the reservation's id, the pattern's last part.
    url_of = reverse("planner:reservation_actions", args=[0]).removesuffix("0/") + "{}/?on=" + on
    parts = []
    for r in reservations:
        note = f'<br><small class="pl-muted">{escape(r.note)}</small>' if r.note else ""
        status = ReservationStatus.ACTIVE if r.stands_on(day) else r.status
        lease = f"<br><small>{escape(r.lease.number)}</small>" if r.lease_id else ""
        wanted = r.wanted_from.isoformat() if r.wanted_from else "—"
        actions = ""
        if r.status == ReservationStatus.ACTIVE:
            url = url_of.format(int(r.pk))
            actions = (
                f'<details class="pl-res-actions" hx-get="{url}" hx-trigger="toggle once" hx-target="find .pl-res-forms" '
                f'hx-swap="innerHTML"><summary>{open_label}</summary><div class="pl-res-forms"><a href="{url}">{page_label}</a>'
                "</div></details>"
            )
        parts.append(
            f'<tr class="pl-res-{escape(status)}"><td>{escape(r.firm.short_name)}{note}</td>'
            f'<td class="num">{int(r.seats):,}</td><td>{wanted}</td><td>{statuses.get(status, escape(status))}{lease}</td>'
            f"<td>{actions}</td></tr>"
        )
    return mark_safe("".join(parts))


@method_decorator(vary_on_headers("HX-Request"), name="dispatch")  # the same URL answers a fragment or a page
class ReservationActionsView(StaffRequiredMixin, DayMixin, TemplateView):
    """An active reservation's forms: change, cancel, and convert into a lease on one of its phase's floors.

    The board loads this into the row (htmx) when its 操作 is opened; without JavaScript it is a page of its own.
    """

    def get_template_names(self):
        return ["planner/_reservation_actions.html" if self.request.htmx else "planner/reservation_actions.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reservation = get_object_or_404(
            CapacityReservation.objects.select_related("firm", "phase__zone"), pk=self.kwargs["pk"], status=ReservationStatus.ACTIVE
        )
        context.update(reservation=reservation, floor_options=_phase_floor_options(reservation.phase_id, context["on"]),
                       rent_terms=RentTerms.choices)
        return context


def _phase_floor_options(phase_id: int, on: datetime.date) -> list[tuple[Floor, int]]:
    """Return a phase's floors, by building and level, each with its free seats on a day. Three queries."""
    floors = Floor.objects.filter(building__phase=phase_id).select_related("building").order_by("building__code", "level")
    counted = selectors.occupancy_by("floor", on, seat_filter=Q(floor__building__phase=phase_id))
    return [(f, counted.get(f.pk, selectors.Occupancy(key=f.pk)).free) for f in floors]


def _board(on=None) -> str:
    url = reverse("planner:zone_d")
    return f"{url}?{urlencode({'on': on.isoformat()})}" if on else url


@require_POST
@staff_required
def reservation_add(request):
    """Reserve capacity in a phase for a firm (services.reservation_create)."""
    form = ReservationForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            r = services.reservation_create(
                firm=d["firm"], phase=d["phase"], seats=d["seats"], wanted_from=d["wanted_from"], note=d["note"], by=request.user
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("已为 %(firm)s 在 %(phase)s 预留 %(n)d 席。") % {"firm": r.firm, "phase": r.phase, "n": r.seats})
            return redirect(_board(), permanent=False)
    return _render_page(ZoneDView, request, {"add_form": form})


def _report(request, form, exc=None):
    """Turn form or service errors into one error message each."""
    for message in exc.messages if exc else _error_list(form):
        messages.error(request, message)


@require_POST
@staff_required
def reservation_change(request, pk):
    """Change an active reservation's seats, wanted date or note (services.reservation_change)."""
    reservation = get_object_or_404(CapacityReservation.objects.select_related("firm"), pk=pk)
    form = ReservationChangeForm(request.POST)
    if not form.is_valid():
        _report(request, form)
        return redirect(_board())
    try:
        services.reservation_change(reservation=reservation, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        _report(request, form, exc)
    else:
        messages.success(request, _("已修改 %(firm)s 的预留。") % {"firm": reservation.firm})
    return redirect(_board())


@require_POST
@staff_required
def reservation_cancel(request, pk):
    """Cancel an active reservation (services.reservation_cancel)."""
    reservation = get_object_or_404(CapacityReservation.objects.select_related("firm"), pk=pk)
    try:
        services.reservation_cancel(reservation=reservation, by=request.user)
    except ValidationError as exc:
        _report(request, None, exc)
    else:
        messages.success(request, _("已取消 %(firm)s 的预留。") % {"firm": reservation.firm})
    return redirect(_board())


@require_POST
@staff_required
def reservation_convert(request, pk):
    """Convert a reservation into a lease on the first free seats of a phase floor (services.reservation_convert)."""
    reservation = get_object_or_404(CapacityReservation.objects.select_related("firm", "phase"), pk=pk)
    form = ReservationConvertForm(request.POST, reservation=reservation)
    if not form.is_valid():
        _report(request, form)
        return redirect(_board())
    d = form.cleaned_data
    seats = selectors.free_seats(Q(floor=d["floor"]), d["start"], d["end"], limit=d["seats"])
    try:
        if len(seats) < d["seats"]:
            raise ValidationError(
                _("楼层 %(floor)s 在 %(start)s 至 %(end)s 只有 %(free)d 个空闲席位，不足 %(n)d 个；请减少席位数或换一个楼层。")
                % {"floor": d["floor"].code, "start": d["start"], "end": d["end"], "free": len(seats), "n": d["seats"]}
            )
        lease = services.reservation_convert(
            reservation=reservation, seats=seats, start=d["start"], end=d["end"], rent_terms=d["rent_terms"],
            monthly_rate=d["monthly_rate"] or 0, by=request.user,
        )
    except ValidationError as exc:
        _report(request, form, exc)
    else:
        messages.success(
            request,
            _("已将 %(firm)s 的 %(n)d 席预留转为租约 %(lease)s（%(floor)s）。")
            % {"firm": reservation.firm, "n": len(seats), "lease": lease.number, "floor": d["floor"].code},
        )
    return redirect(_board())


# --- a firm's leases (the firm autocomplete is firms.views.firm_autocomplete) ------------------------------------------------------



@require_GET
@staff_required
def firm_leases(request):
    """Return <option>s of a firm's leases open today (not terminated, not ended), with their state, for allocating under one."""
    firm_id = request.GET.get("firm", "")
    leases = open_leases(int(firm_id)) if firm_id.isdigit() else Lease.objects.none()
    return render(request, "planner/_lease_options.html", {"leases": leases})


def open_leases(firm_id: int):
    """Return a firm's leases open today (not terminated, not ended), newest first, with their state."""
    today = timezone.localdate()
    return Lease.objects.filter(firm_id=firm_id).open_on(today).with_state(today).order_by("-start")
