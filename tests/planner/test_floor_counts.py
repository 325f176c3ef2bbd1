"""A floor action's summary and legend are counted in the database (selectors.floor_counts), not from every
seat's state: they must be the numbers the full page shows, on a past day, today, a later day and the days a
holding or an outage starts or ends (half-open ranges). Dates are read at test time."""
import datetime
import re
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone

from parkops.leases import selectors, services
from tests import factories

from .test_floor_changes import HTMX, seats_of

DAY = datetime.timedelta(days=1)


@pytest.fixture
def busy_floor(floor, firm, other_firm, staff):
    """The 40-seat zone-C floor with every state: held (迈睿 21-30 for a year, 平安 1-4 ending in 10 days so
    expiring), booked from day 10 (平安 31-33), out of service (35-36 from 5 days ago, 35 back in service from day
    11; 37 from day 3, 39 from today) and a holding that ended 20 days ago (38)."""
    today = timezone.localdate()
    factories.make_lease(other_firm, seats=seats_of(floor, *range(21, 31)), start=today - 30 * DAY, end=today + 365 * DAY)
    factories.make_lease(firm, seats=seats_of(floor, 1, 2, 3, 4), start=today - 60 * DAY, end=today + 10 * DAY)
    factories.make_lease(firm, seats=seats_of(floor, 31, 32, 33), start=today + 10 * DAY, end=today + 200 * DAY)
    factories.make_lease(firm, seats=seats_of(floor, 38), start=today - 90 * DAY, end=today - 20 * DAY)
    for numbers, start in (((35, 36), today - 5 * DAY), ((37,), today + 3 * DAY), ((39,), today)):
        services.seats_set_condition(seats=seats_of(floor, *numbers), condition="out_of_service", on=start, by=staff)
    services.seats_set_condition(seats=seats_of(floor, 35), condition="in_service", on=today + 11 * DAY, by=staff)
    return floor


def days():
    today = timezone.localdate()
    return [today + n * DAY for n in (-30, -20, -21, -5, -6, 0, 2, 3, 9, 10, 11, 200, 400)]


def counted_from_states(floor, on):
    states = selectors.seat_states(floor, on)
    held = Counter(s.firm_id for s in states if s.firm_id and s.state != "booked")
    names = {s.firm_id: s.firm_name for s in states if s.firm_id}
    counts = dict.fromkeys(("free", "leased", "expiring", "booked", "out_of_service"), 0)
    counts.update(Counter(s.state for s in states))
    return len(states), counts, [(f, names[f], n) for f, n in held.most_common()]


def test_floor_counts_are_the_seat_states_counted(busy_floor):
    for on in days():
        counted = selectors.floor_counts(busy_floor, on)
        assert (counted.seat_total, counted.counts, counted.firms) == counted_from_states(busy_floor, on), on
    # The fixture really has every state on some day.
    seen = set()
    for on in days():
        seen |= {state for state, n in selectors.floor_counts(busy_floor, on).counts.items() if n}
    assert seen == {"free", "leased", "expiring", "booked", "out_of_service"}


def summary_and_legend(html: str) -> tuple[str, str]:
    """Return the summary and legend markup, as the page draws them and as an action's answer sends them."""
    html = html.replace(' hx-swap-oob="true"', "")
    summary = re.search(r'<p class="pl-summary".*?</p>', html, re.S)
    legend = re.search(r'<ul class="pl-legend".*?</ul>', html, re.S)
    assert summary and legend, html[:400]
    return summary.group(0), legend.group(0)


def page_colours(html: str) -> str:
    return re.search(r'id="pl-legend"[^>]*data-colours="([^"]*)"', html).group(1)


def test_an_actions_summary_and_legend_are_the_pages(staff_client, busy_floor, firm, other_firm):
    """Allocate then release on a past day, today and a later day: each answer's summary and legend read as the
    whole page's on that day, after the action."""
    today = timezone.localdate()
    url = reverse("planner:floor_action", args=[busy_floor.pk])
    page_url = reverse("planner:floor", args=[busy_floor.pk])
    for on, numbers in ((today - 20 * DAY, (5, 6)), (today, (7, 8, 9)), (today + 10 * DAY, (11, 12))):
        page = staff_client.get(page_url, {"on": on.isoformat()}).content.decode()
        codes = ",".join(s.code for s in seats_of(busy_floor, *numbers))
        allocate = {"action": "allocate", "seats": codes, "on": on.isoformat(), "firm": other_firm.pk,
                    "start": on.isoformat(), "end": (on + 30 * DAY).isoformat(), "colours": page_colours(page)}
        answer = staff_client.post(url, allocate, **HTMX)
        assert answer.status_code == 200, answer.content[:400]
        assert '<template id="pl-cells"' in answer.content.decode()  # only the changed cells, counted apart
        page = staff_client.get(page_url, {"on": on.isoformat()}).content.decode()
        assert summary_and_legend(answer.content.decode()) == summary_and_legend(page), on
        release = {"action": "release", "seats": codes, "on": on.isoformat(), "release_on": (on + DAY).isoformat(),
                   "colours": page_colours(page)}
        answer = staff_client.post(url, release, **HTMX)
        assert answer.status_code == 200, answer.content[:400]
        page = staff_client.get(page_url, {"on": on.isoformat()}).content.decode()
        assert summary_and_legend(answer.content.decode()) == summary_and_legend(page), on
        assert 'data-state="leased"' in answer.content.decode()  # released from the next day: still held on `on`
