"""Release dates: a release on or before a holding's start never removes it silently (half-open ranges: a release
on the start day would leave nothing, so it counts as a removal); one after the start shortens it as before."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from parkops.leases import services
from parkops.leases.models import LeaseSeat
from parkops.zones.models import Seat
from tests import factories

pytestmark = pytest.mark.django_db
START, END = dt.date(2024, 3, 1), dt.date(2027, 1, 1)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def held(floor, firm):
    """Seats 1-2 held from START; seat 3 held from a day later."""
    seats = list(Seat.objects.filter(floor=floor).order_by("code")[:3])
    lease = factories.make_lease(firm, seats=seats[:2], start=START, end=END)
    services.seats_allocate(lease=lease, seats=seats[2:], start=START + dt.timedelta(days=1), by=None)
    return lease, seats


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def spans(lease):
    return sorted(LeaseSeat.objects.filter(lease=lease).values_list("seat__code", "start", "end"))


@pytest.mark.parametrize("release", ["lease", "any"])
@pytest.mark.parametrize("on", [dt.date(2020, 1, 1), START], ids=["years-before", "start-day"])
def test_release_on_or_before_start_is_refused_listing_seat_lease_and_start(held, release, on):
    lease, seats = held
    before = spans(lease)
    call = services.seats_release if release == "lease" else services.seats_release_any
    kwargs = {"lease": lease} if release == "lease" else {}
    with pytest.raises(ValidationError) as exc:
        call(seats=seats, on=on, by=None, **kwargs)
    assert exc.value.code == "future_holdings"
    (message,) = exc.value.messages
    assert "3 处" in message and lease.number in message
    for seat in seats:
        assert seat.code in message
    assert f"自 {START.isoformat()} 起" in message and f"自 {(START + dt.timedelta(days=1)).isoformat()} 起" in message
    assert spans(lease) == before  # nothing changed
    assert call(seats=seats, on=on, confirm_remove_future=True, by=None, **kwargs) == 3
    assert spans(lease) == []
    assert LeaseSeat.history.filter(history_type="-", history_change_reason="release").count() == 3


def test_release_the_day_after_start_shortens_and_lists_only_later_starts(held):
    # The day after START: seats 1-2 (started the day before) shorten to a one-day holding; seat 3 starts that very day.
    lease, seats = held
    day_after = START + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.seats_release_any(seats=seats, on=day_after, by=None)
    (message,) = exc.value.messages
    assert "1 处" in message and seats[2].code in message and seats[0].code not in message
    assert services.seats_release_any(seats=seats[:2], on=day_after, by=None) == 2  # no confirmation needed
    assert spans(lease) == [(seats[0].code, START, day_after), (seats[1].code, START, day_after), (seats[2].code, day_after, END)]


def test_the_planner_lists_the_holdings_and_removes_them_once_confirmed(staff_client, floor, held):
    lease, seats = held
    url = reverse("planner:floor_action", args=[floor.pk])
    data = {"action": "release", "seats": ",".join(s.code for s in seats), "release_on": "2020-01-01", "on": "2024-06-01"}
    response = staff_client.post(url, data, **HTMX)
    assert response.status_code == 422
    (error,) = response.context["errors"]
    assert seats[0].code in error and lease.number in error and "确认撤销尚未开始的占用" in error
    assert len(spans(lease)) == 3
    page = staff_client.get(reverse("planner:floor", args=[floor.pk])).content.decode()
    assert 'name="confirm_remove_future"' in page
    response = staff_client.post(url, {**data, "confirm_remove_future": "on"}, **HTMX)
    assert response.status_code == 200 and spans(lease) == []


def test_the_planner_shortens_a_started_holding_without_asking(staff_client, floor, held):
    lease, seats = held
    url = reverse("planner:floor_action", args=[floor.pk])
    data = {"action": "release", "seats": seats[0].code, "release_on": "2024-06-01", "on": "2024-06-01"}
    assert staff_client.post(url, data, **HTMX).status_code == 200
    assert spans(lease)[0] == (seats[0].code, START, dt.date(2024, 6, 1))
