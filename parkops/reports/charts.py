"""Server-rendered SVG line charts: geometry is computed here, parkops/reports/templates/reports/_line_chart.html draws it.

No JavaScript and no CDN: the chart is plain SVG in the page, and every chart is shown beside a
table holding the same numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field

PALETTE = ("#0b5cab", "#e67700", "#2f9e44", "#c92a2a", "#7048e8", "#0c8599", "#862e9c", "#5c940d")
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40


@dataclass
class Series:
    """One line: its name, colour and the SVG points string."""

    name: str
    color: str
    points: str
    dashed: bool = False


@dataclass
class Tick:
    pos: float
    label: str


@dataclass
class LineChart:
    """A chart ready for the template: lines, axis ticks and optional vertical markers."""

    title: str
    series: list[Series] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    markers: list[Tick] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    baseline: int = HEIGHT - BOTTOM


def _nice_max(value: float) -> float:
    """Return a round upper bound at or above value (1, 2, 2.5, 5 times a power of ten)."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def line_chart(title, labels, lines, *, y_max=None, y_suffix="", markers=()) -> LineChart:
    """Return a LineChart for x labels and lines [(name, values, dashed)]; None values break nothing, they are skipped.

    markers: [(index, label)] drawn as vertical lines at a label's position (e.g. a handover month).
    """
    values = [v for _name, vals, _d in lines for v in vals if v is not None]
    top_value = _nice_max(y_max if y_max is not None else max(values, default=0))
    chart = LineChart(title=title)
    span_x = chart.right_edge - chart.left
    span_y = chart.baseline - chart.top
    step = span_x / max(len(labels) - 1, 1)

    def x(i):
        return round(chart.left + i * step, 1)

    def y(v):
        return round(chart.baseline - span_y * min(v, top_value) / top_value, 1)

    for n, (name, vals, dashed) in enumerate(lines):
        points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(vals) if v is not None)
        chart.series.append(Series(name=name, color=PALETTE[n % len(PALETTE)], points=points, dashed=dashed))
    every = max(1, round(len(labels) / 8))
    chart.x_ticks = [Tick(x(i), label) for i, label in enumerate(labels) if i % every == 0 or i == len(labels) - 1]
    chart.y_ticks = [Tick(y(top_value * k / 4), f"{top_value * k / 4:g}{y_suffix}") for k in range(5)]
    chart.markers = [Tick(x(i), label) for i, label in markers]
    return chart


def zone_rates_chart(title, labels, zones) -> LineChart:
    """Return the allocation rate per zone chart (0-100 %), one line per zone."""
    return line_chart(title, labels, [(z.zone.code, z.rates, False) for z in zones], y_max=100, y_suffix="%")


def firm_chart(title, labels, trend, *, leased_name, headcount_name) -> LineChart:
    """Return one firm's leased seats (solid) against its reported headcount (dashed)."""
    return line_chart(title, labels, [(leased_name, trend.leased, False), (headcount_name, trend.headcount, True)])


def phase_chart(title, labels, forecast, month_ends, *, names, handover_label) -> LineChart:
    """Return a phase's planned capacity (dashed), cumulative reservations and leases; its handover month marked."""
    handover = forecast.handover
    markers = [
        (i, handover_label)
        for i, (first, last) in enumerate(month_ends)
        if handover and first <= handover <= last
    ]
    capacity, reserved, leased = names
    lines = [
        (capacity, [forecast.capacity.planned] * len(labels), True),
        (reserved, forecast.reserved, False),
        (leased, forecast.leased, False),
    ]
    return line_chart(title, labels, lines, markers=markers)
