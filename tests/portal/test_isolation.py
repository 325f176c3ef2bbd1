"""The tenant isolation sweep: every URL pattern of the project, filled with another firm's ids and codes.

Nothing here is a hand-kept list of URLs. The sweep walks django.urls' resolver (admin included), fills
each pattern's parameters with values taken from the other firm's objects (and, for patterns whose
parameters are not objects, such as the admin's app label, with the installed apps' labels), checks
that the filled URL resolves back to the same pattern, and requests it as a tenant user with GET and
POST. A URL added later is covered the day it is added.

- A pattern filled with the other firm's value must answer 404, 405, 403 (admin only) or a redirect
  to a login page or the portal, and never show the other firm's names, seat codes or lease numbers.
- A pattern without parameters is refused the same way, unless it is one of the tenant's own pages
  (/, /portal/..., login, language switch); those, and patterns filled with the tenant's own values,
  may answer 200 but must not leak either (nor fail with 500). Their GETs are also tried as CSV exports.
- After the sweep the other firm's rows are unchanged.
Patterns no candidate value can fill are printed as such (none today).
"""
import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import connection, models
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils.regex_helper import normalize

from parkops.leases import services
from parkops.leases.models import CapacityReservation, HeadcountReport, Lease, LeaseSeat, SeatRequest
from parkops.zones.models import Seat
from tests import factories
from tests.conftest import StayLoggedIn

from .conftest import other_firm_secrets

ID_SPACING = 100_000


def give_each_model_its_own_ids():
    """Start every model's ids at a different multiple of ID_SPACING.

    An id then names at most one object in the whole database: the other firm's lease id can never be
    the tenant's own floor id by coincidence, so "404 for every foreign id" is a sharp assertion.
    """
    concrete = [m for m in apps.get_models(include_auto_created=True) if isinstance(m._meta.pk, models.AutoField)]
    with connection.cursor() as cursor:
        for i, model in enumerate(sorted(concrete, key=lambda m: m._meta.db_table), start=1):
            table, start = model._meta.db_table, i * ID_SPACING
            if connection.vendor == "sqlite":
                cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [start, table])
                if cursor.rowcount == 0:
                    cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, start])
            elif connection.vendor == "postgresql":
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, %s), %s)",
                               [connection.ops.quote_name(table), model._meta.pk.column, start])


@pytest.fixture
def sweep_world(db):
    give_each_model_its_own_ids()
    world = factories.two_firm_world(name_en="Majorel Test")
    # A floor only the other firm uses: the tenant may not even see that it exists.
    world.other_floor = factories.zone_c_floor(12, code="C-9", level=5, cols=20)
    services.seats_allocate(lease=world.other_lease, seats=list(world.other_floor.seats.all()), by=None)
    return world


def candidate_values(world, firm) -> list[tuple[str, str]]:
    """Return (what, value) pairs naming a firm's objects: one id per model, and its codes and names."""
    lease = Lease.objects.filter(firm=firm).first()
    held = LeaseSeat.objects.filter(lease__firm=firm).select_related("seat").order_by("-seat_id").first()
    member = firm.members.select_related("user").first()
    floor = world.other_floor if firm == world.other_firm else world.floor
    values = [
        ("firm", firm.pk), ("firm member", member.pk), ("user", member.user_id), ("lease", lease.pk),
        ("lease seat", held.pk), ("seat", held.seat_id), ("floor", floor.pk),
        ("seat request", SeatRequest.objects.filter(firm=firm).first().pk),
        ("headcount", HeadcountReport.objects.filter(firm=firm).first().pk),
        ("reservation", CapacityReservation.objects.filter(firm=firm).first().pk),
        ("firm name", firm.name), ("short name", firm.short_name), ("username", member.user.username),
        ("lease number", lease.number), ("seat code", held.seat.code),
    ]
    return [(what, str(value)) for what, value in values]


APP_LABELS = [(f"app {cfg.label}", cfg.label) for cfg in apps.get_app_configs()]


@dataclass
class Pattern:
    route: str
    fmt: str
    params: list[str]
    name: str


def walk(resolver=None, prefix_route="", prefix_fmt="", prefix_params=()):
    """Yield every endpoint of the URL tree with its format string and parameter names."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        regex = entry.pattern.regex.pattern.removeprefix("^")
        fmt, params = normalize(regex)[0]
        route = prefix_route + str(entry.pattern).removeprefix("^") if prefix_route else str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry, route, prefix_fmt + fmt, (*prefix_params, *params))
        elif isinstance(entry, URLPattern):
            yield Pattern(route, prefix_fmt + fmt, [*prefix_params, *params], entry.name or entry.lookup_str)


def fill(pattern: Pattern, values) -> list[tuple[str, str]]:
    """Return (what, url) for each candidate value that, put in every parameter, resolves back to this pattern."""
    urls = []
    for what, value in values:
        url = "/" + pattern.fmt % {p: value for p in pattern.params}
        try:
            match = resolve(url)
        except Resolver404:
            continue
        if match.route == pattern.route:
            urls.append((what, url))
    return urls


@dataclass
class Sweep:
    patterns: int = 0
    requests: int = 0
    unfillable: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


ALLOWED_REDIRECTS = re.compile(r"^(/accounts/login/|/admin/login/|/admin/$|/portal/$)")
# Pages a tenant may open. Every other parameterless URL (a staff list, a report, a page added later)
# must refuse a tenant like a foreign object does: the default for a new URL is "refused".
# /healthz is the load balancer's probe and /favicon.ico the site's icon: public, and they carry no data
# (the leak check still runs on them).
TENANT_PAGES = re.compile(r"^/($|portal/|accounts/|i18n/|admin/login/|healthz$|favicon\.ico$)")


class Sweeper:
    def __init__(self, client, user, secrets):
        self.client, self.user, self.secrets, self.stats = client, user, secrets, Sweep()
        self.session = StayLoggedIn(client, user)

    def request(self, method, url):
        response = getattr(self.client, method)(url)
        self.stats.requests += 1
        self.session.check()  # the sweep may just have hit logout: log back in
        return response

    def check_leak(self, method, url, response):
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", errors="replace")
        leaked = [s for s in self.secrets if s in text]
        if leaked:
            self.stats.failures.append(f"{method.upper()} {url} -> {response.status_code} shows {leaked[:3]}")
        if response.status_code >= 500:
            self.stats.failures.append(f"{method.upper()} {url} -> {response.status_code}")

    def foreign(self, url):
        """A URL naming another firm's object: refuse it."""
        for method in ("get", "post"):
            response = self.request(method, url)
            status = response.status_code
            ok = status in (404, 405) or (status == 403 and url.startswith("/admin/"))
            if status in (301, 302):
                ok = bool(ALLOWED_REDIRECTS.match(response["Location"]))
            if not ok:
                where = response.get("Location", "")
                self.stats.failures.append(f"{method.upper()} {url} -> {status} {where}")
            self.check_leak(method, url, response)

    def own(self, url, *, exports=False):
        """A URL with no parameters or the tenant's own values: it may answer, but must not leak."""
        for method in ("get", "post"):
            self.check_leak(method, url, self.request(method, url))
        if exports:
            for query in ("?format=csv", "?_export=csv"):
                self.check_leak("get", url + query, self.request("get", url + query))


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_isolation_sweep_every_url_pattern(client, sweep_world, capsys, role, settings):
    # Sessions in the cache for the sweep's 10,000 requests (an engine the product supports: core/backup.py): what
    # the sweep proves is which firm's data each page shows, not where the login is kept.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    world = sweep_world
    secrets = other_firm_secrets(world)
    assert len(secrets) > 20 and "NJ-OTHER-777" in secrets and "迈睿中国" in secrets
    before = snapshot(world.other_firm)
    sweeper = Sweeper(client, getattr(world, role), secrets)
    foreign_values = candidate_values(world, world.other_firm) + APP_LABELS
    own_values = candidate_values(world, world.firm)
    for pattern in walk():
        sweeper.stats.patterns += 1
        if not pattern.params:
            url = "/" + pattern.fmt
            if TENANT_PAGES.match(url):
                sweeper.own(url, exports=True)
            else:
                sweeper.foreign(url)
            continue
        foreign_urls = fill(pattern, foreign_values)
        if not foreign_urls:
            sweeper.stats.unfillable.append(pattern.route)
        for _what, url in foreign_urls:
            sweeper.foreign(url)
        for _what, url in fill(pattern, own_values):
            sweeper.own(url)
    stats = sweeper.stats
    with capsys.disabled():
        print(f"\nisolation sweep: {stats.patterns} URL patterns, {stats.requests} requests as tenant "
              f"{getattr(world, role).username}; unfillable patterns: {stats.unfillable or 'none'}")
    assert not stats.failures, "\n".join(stats.failures[:40])
    assert not stats.unfillable
    assert snapshot(world.other_firm) == before
    assert stats.patterns > 30 and stats.requests > 500  # a guard against a walk that finds nothing


def snapshot(firm):
    """Return everything the other firm owns, to prove the sweep's POSTs changed none of it."""
    return (
        list(Lease.objects.filter(firm=firm).values_list("pk", "stage", "end", "terminated_on")),
        list(LeaseSeat.objects.filter(lease__firm=firm).values_list("pk", "seat_id", "start", "end")),
        list(SeatRequest.objects.filter(firm=firm).values_list("pk", "status", "decision_reason")),
        list(HeadcountReport.objects.filter(firm=firm).values_list("pk", "month", "headcount")),
        list(CapacityReservation.objects.filter(firm=firm).values_list("pk", "status", "seats")),
        list(firm.members.values_list("pk", "user_id", "role")),
    )


def test_sweep_fills_portal_patterns_with_the_other_firms_ids(sweep_world):
    """The sweep really reaches the portal's parameterised views with the other firm's ids (a guard on fill())."""
    values = candidate_values(sweep_world, sweep_world.other_firm)
    patterns = {p.name: p for p in walk()}
    floor_urls = dict(fill(patterns["floor"], values))
    assert floor_urls["floor"] == f"/portal/floor/{sweep_world.other_floor.pk}/"
    assert f"/portal/requests/{sweep_world.other_request.pk}/withdraw/" in dict(fill(patterns["seat_request_withdraw"], values)).values()
    user_change = dict(fill(patterns["auth_user_change"], values))
    assert user_change["user"] == f"/admin/auth/user/{sweep_world.other_admin.pk}/change/"


def test_ids_of_different_models_never_coincide(sweep_world):
    assert sweep_world.other_floor.pk != sweep_world.other_lease.pk
    assert len({sweep_world.floor.pk, sweep_world.firm.pk, sweep_world.lease.pk, sweep_world.request.pk}) == 4
    assert Seat.objects.order_by("pk").first().pk > 1000


def test_other_firms_floor_map_is_404_and_shared_floor_hides_other_firm(client, sweep_world):
    client.force_login(sweep_world.admin)
    assert client.get(f"/portal/floor/{sweep_world.other_floor.pk}/").status_code == 404
    page = client.get(f"/portal/floor/{sweep_world.floor.pk}/").content.decode()
    assert "NJ-OWN-001" in page and sweep_world.seats[0].code in page
    for secret in other_firm_secrets(sweep_world):
        assert secret not in page
    assert page.count('class="seat occupied gr-') == 10


