"""The firm colour palette is spelled once, in static/css/planner.css; the planner only knows its size."""
import re
from pathlib import Path

from django.conf import settings

from parkops.planner.views import PALETTE_SIZE, firm_colours


def test_the_css_palette_has_exactly_the_colours_the_planner_hands_out():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "planner.css").read_text()
    variables = sorted(int(n) for n in re.findall(r"--f(\d+):", css))
    classes = sorted(int(n) for n in re.findall(r"\.f(\d+)\{background:var\(--f\1\)", css))
    assert variables == classes == list(range(PALETTE_SIZE))
    assert set(firm_colours(range(PALETTE_SIZE * 2)).values()) == set(range(PALETTE_SIZE))
