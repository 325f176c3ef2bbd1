"""parkops.reports.charts: the SVG geometry drawn on the report pages."""
from parkops.reports import charts


def test_line_chart_places_points_on_the_axes():
    chart = charts.line_chart("t", ["a", "b", "c"], [("x", [0, 50, 100], False), ("y", [None, 25, None], True)], y_max=100)
    # x runs from the left edge to the right edge; y from the baseline (0) to the top (100).
    assert chart.series[0].points == "56.0,220.0 340.0,118.0 624.0,16.0"
    assert (chart.left, chart.right_edge, chart.top, chart.baseline) == (56, 624, 16, 220)
    assert chart.series[1].points.count(",") == 1 and chart.series[1].dashed  # None values are left out
    assert [t.label for t in chart.y_ticks] == ["0", "25", "50", "75", "100"]


def test_nice_max_rounds_up():
    assert [charts._nice_max(v) for v in (0, 7, 35000, 443, 12123)] == [1, 10, 50000, 500, 20000]


def test_markers_sit_on_their_label():
    chart = charts.line_chart("t", ["a", "b", "c"], [("x", [1, 2, 3], False)], markers=[(2, "交付")])
    assert chart.markers[0].pos == chart.right_edge and chart.markers[0].label == "交付"
