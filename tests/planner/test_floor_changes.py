"""Issue 21, item 5: after an action the planner receives only what changed; HTML is compressed.

The htmx answer to a floor action carries the changed cells (in <template id="pl-cells">), the leases they name,
the summary and legend (out of band), the firm's lease options and the message; a refusal answers 422 with the
message alone. Without JavaScript the action answers a whole page. Dates are read at test time (today, a past
day, a later day).
"""
import datetime
import gzip
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from parkops.leases.models import Lease, LeaseSeat
from parkops.zones.models import Seat
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}
DAY = datetime.timedelta(days=1)


def seats_of(floor, *numbers):
    return list(Seat.objects.filter(code__in=[f"C-1-3F-{n:04d}" for n in numbers]).order_by("code"))


def cells(html: str) -> dict[str, str]:
    """Return seat code -> state of the cells in the answer's <template id="pl-cells">."""
    template = re.search(r'<template id="pl-cells"[^>]*>(.*?)</template>', html, re.S)
    assert template, html[:400]
    return dict(re.findall(r'<i data-seat-code="([^"]+)" data-state="(\w+)"', template.group(1)))


def colour_of(html: str, code: str) -> str | None:
    match = re.search(rf'<i data-seat-code="{code}"[^>]*class="(f\d+)', html)
    return match and match.group(1)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def shared(floor, firm, other_firm, today):
    """迈睿中国 holds seats 21-30 of the 40 from a month ago for a year: the page shows it in colour f0."""
    factories.make_lease(other_firm, seats=seats_of(floor, *range(21, 31)), start=today - 30 * DAY, end=today + 365 * DAY)
    return floor


def post(client, floor, data, **headers):
    return client.post(reverse("planner:floor_action", args=[floor.pk]), data, **headers)


def allocate_data(floor, firm, today, numbers, **extra):
    return {"action": "allocate", "seats": ",".join(s.code for s in seats_of(floor, *numbers)), "on": today.isoformat(),
            "firm": firm.pk, "start": today.isoformat(), "end": (today + 200 * DAY).isoformat(), **extra}


def test_allocate_answers_the_changed_cells_and_the_summaries(staff_client, shared, firm, other_firm, today):
    # The page shows 迈睿中国 in f3 (as it may after earlier actions); the firm taking 15 seats becomes the largest.
    data = allocate_data(shared, firm, today, range(1, 16), colours=f"{other_firm.pk}:3")
    response = post(staff_client, shared, data, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert cells(html) == {s.code: "leased" for s in seats_of(shared, *range(1, 16))}  # 15 of the 40, nothing else
    assert html.count("data-seat-code=") == 15
    # Firms keep the colours the page shows; the newcomer takes the first free one.
    assert colour_of(html, "C-1-3F-0001") == "f0"
    assert f'data-colours="{firm.pk}:0,{other_firm.pk}:3"' in html
    lease = Lease.objects.get(firm=firm)
    changed_leases = json.loads(re.search(r'id="pl-changed-leases" type="application/json">(.*?)</script>', html).group(1))
    assert changed_leases == {str(lease.pk): ["平安金服", lease.number, today.isoformat(), (today + 200 * DAY).isoformat()]}
    # The summary and legend swap out of band, with the counts after the change.
    summary = re.search(r'<p class="pl-summary" id="pl-summary" hx-swap-oob="true">(.*?)</p>', html, re.S).group(1)
    assert "空闲 15" in " ".join(summary.split()) and "已分配 25" in " ".join(summary.split())
    assert re.search(r'<ul class="pl-legend" id="pl-legend" hx-swap-oob="true"', html)
    assert "平安金服 <b>15</b>" in html and "迈睿中国 <b>10</b>" in html
    # The firm's lease options now offer the new lease; the message says what happened.
    assert '<select id="pl-lease" hx-swap-oob="innerHTML">' in html and f'<option value="{lease.pk}"' in html
    assert 'data-ok="1"' in html and f"已将 15 个席位分配给 平安金服（合同 {lease.number}" in html
    assert 'id="pl-grid"' not in html


def test_release_answers_the_released_cells_and_the_rest_of_their_lease(staff_client, shared, firm, other_firm, today):
    post(staff_client, shared, allocate_data(shared, firm, today - 10 * DAY, range(1, 6), on=today.isoformat(), colours=""), **HTMX)
    data = {"action": "release", "seats": "C-1-3F-0001,C-1-3F-0002", "release_on": today.isoformat(), "on": today.isoformat(),
            "colours": f"{firm.pk}:1,{other_firm.pk}:0"}
    response = post(staff_client, shared, data, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    # Seats 3-5 stay leased but come too: their lease's usual dates here, which the tooltips read, may have moved.
    assert cells(html) == {"C-1-3F-0001": "free", "C-1-3F-0002": "free",
                           "C-1-3F-0003": "leased", "C-1-3F-0004": "leased", "C-1-3F-0005": "leased"}
    assert colour_of(html, "C-1-3F-0003") == "f1"
    assert "平安金服 <b>3</b>" in html and "已从" in html
    # Yesterday they were held, tomorrow they are free: the database says so, the answer drew today.
    assert set(LeaseSeat.objects.filter(seat__code="C-1-3F-0001").values_list("end", flat=True)) == {today}


def test_a_refusal_answers_422_with_the_seats_named_and_nothing_else(staff_client, shared, firm, today):
    before = (Lease.objects.count(), LeaseSeat.objects.count())
    response = post(staff_client, shared, allocate_data(shared, firm, today, range(19, 24), colours=""), **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    message = re.search(r'id="pl-error">(.*?)</div>', html, re.S).group(1)
    for code in ("C-1-3F-0021", "C-1-3F-0022", "C-1-3F-0023"):
        assert code in message
    assert "C-1-3F-0019" not in message and "C-1-3F-0020" not in message
    assert 'data-ok="0"' in html and "pl-cells" not in html and "hx-swap-oob" not in html and "data-seat-code" not in html
    assert (Lease.objects.count(), LeaseSeat.objects.count()) == before
    # A form error too: no seat selected.
    response = post(staff_client, shared, allocate_data(shared, firm, today, [], colours=""), **HTMX)
    assert response.status_code == 422 and "没有选择任何席位" in response.content.decode()


def test_without_the_pages_colours_the_whole_floor_comes_back(staff_client, shared, firm, today):
    response = post(staff_client, shared, allocate_data(shared, firm, today, range(1, 4)), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#floor-live" and response["HX-Reswap"] == "outerHTML"
    assert response.content.decode().count("data-seat-code=") == 40


def test_without_javascript_an_action_answers_a_whole_page(staff_client, shared, firm, other_firm, today):
    response = post(staff_client, shared, allocate_data(shared, firm, today, range(1, 4)))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('planner:floor', args=[shared.pk])}?on={today.isoformat()}"
    page = staff_client.get(response["Location"]).content.decode()
    assert page.count("data-seat-code=") == 40 and "已将 3 个席位分配给 平安金服" in page
    assert '<p class="pl-summary" id="pl-summary">' in page and 'id="pl-action"' in page
    # A refusal: the page again, 422, the conflict named, the form still filled in.
    response = post(staff_client, shared, allocate_data(shared, other_firm, today, range(2, 6)))
    assert response.status_code == 422
    page = response.content.decode()
    assert page.count("data-seat-code=") == 40 and "C-1-3F-0002" in page and 'id="pl-action"' in page
    assert f'value="{(today + 200 * DAY).isoformat()}"' in page


def test_html_is_compressed_for_clients_that_accept_gzip(staff_client, shared, firm, today):
    url = reverse("planner:floor", args=[shared.pk])
    plain = staff_client.get(url, {"on": today.isoformat()})
    assert "Content-Encoding" not in plain
    packed = staff_client.get(url, {"on": today.isoformat()}, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert html.count("data-seat-code=") == 40 and len(packed.content) < len(plain.content) / 3
    # The CSRF token is masked anew in every response, so no secret repeats for a compression oracle to find.
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    assert token.search(html).group(1) != token.search(plain.content.decode()).group(1)
    # The htmx answer to an action is compressed too.
    response = post(staff_client, shared, allocate_data(shared, firm, today, range(1, 4), colours=""),
                    HTTP_ACCEPT_ENCODING="gzip", **HTMX)
    assert response["Content-Encoding"] == "gzip"
    assert len(cells(gzip.decompress(response.content).decode())) == 3
