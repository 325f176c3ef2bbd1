"""The hostile-input sweep: every URL pattern, every form field and query parameter it takes, as every role,
filled with input meant to break it (issue 13, "How it is tested").

Nothing here is a hand-kept list of pages. The URL patterns come from the resolver (as in
tests/portal/test_isolation.py), filled with the real ids and codes of a small park. Each URL is opened as
each role (anonymous, tenant firm admin, park staff, bureau admin); the fields of the forms on the page it
answers, and the query parameters the park's pages read, are then sent hostile values, by GET and by POST:

- date edges: 0001-01-01, 9999-12-31, 2026-02-30 and a non-date
- NUL and control characters
- 10**12 and negative numbers
- a 10,000-character string

first every field at once, then (on the park's own forms) one field at a time with the others left at the
values the page filled in, so that a bad value reaches code behind a form that is otherwise valid. Every
response must be below 500; a request refused (answered 4xx) must leave the main tables' row counts as they
were, and control characters must be refused. The values are fixed lists, not random: the sweep is the
same on every run. It prints the cases tried per class.
"""
from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from html.parser import HTMLParser
from urllib.parse import quote_plus

import pytest
from django.db import connection
from django.test import Client

from tests import factories
from tests.conftest import StayLoggedIn
from tests.portal.test_isolation import candidate_values, fill, give_each_model_its_own_ids, walk

HOSTILE = {
    "date edges": ["0001-01-01", "9999-12-31", "2026-02-30", "20266-13-45x"],
    "control characters": ["\x00", "a\x01b\x0bc\x1f"],
    "huge numbers": [str(10**12)],
    "negatives": ["-1", str(-(10**12))],
    "long strings": ["长" * 10_000],
}
# Query parameters the park's pages read from request.GET (beyond their forms' fields).
QUERY_PARAMS = ["on", "q", "code", "page", "format", "_export", "sort", "highlight", "firm", "as", "month",
                "start", "end", "seats_page", "o", "p", "next", "term", "app_label", "model_name", "field_name"]
MAIN_TABLES = ["leases_lease", "leases_leaseseat", "leases_seatrequest", "leases_headcountreport",
               "leases_capacityreservation", "firms_firm", "firms_firmmember", "zones_seat", "zones_floor", "auth_user"]
# POSTs that end the session: the sweep logs back in after them.
SKIP_FIELDS = {"csrfmiddlewaretoken"}


class FormFields(HTMLParser):
    """The forms of a page: each one's method and fields with the values the page filled in."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (a.get("method") or "get").lower(), "fields": {}})
        if not self.forms and tag in ("input", "select", "textarea"):
            self.forms.append({"method": "get", "fields": {}})
        fields = self.forms[-1]["fields"] if self.forms else None
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file", "image", "reset"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                fields.setdefault(name, None)
            else:
                fields[name] = a.get("value") or fields.get(name) or ""
        elif tag == "textarea" and name:
            fields[name] = ""
        elif tag == "select" and name:
            self._select = name
            fields.setdefault(name, None)
        elif tag == "option" and self._select and fields is not None:
            if fields.get(self._select) is None or "selected" in a:
                fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def page_forms(response) -> list[dict]:
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    parser = FormFields()
    parser.feed(response.content.decode("utf-8", errors="replace"))
    return [f for f in parser.forms if f["fields"]]


@functools.lru_cache(maxsize=None)
def quoted(text: str) -> str:
    return quote_plus(text)


def query_string(data: dict) -> str:
    """Return the query string of `data` (str values) as the test client's get() encodes it."""
    return "&".join(f"{quoted(name)}={quoted(value)}" for name, value in data.items())


def row_counts() -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {t})" for t in MAIN_TABLES))
        return cursor.fetchone()


class Sweep:
    def __init__(self, client, user):
        self.client, self.user = client, user
        self.tried = Counter()
        self.failures = defaultdict(list)
        self.session = StayLoggedIn(client, user)

    def send(self, method, url, data, kind):
        # A GET changes nothing in this app (every write is a POST); its URL's counts are compared once, in sweep().
        before = row_counts() if method == "post" else None
        if method == "get":
            # The query string the test client would build (django.utils.http.urlencode of str values), each
            # value percent-encoded once per sweep rather than once per field and request.
            response = self.client.get(url, QUERY_STRING=query_string(data))
        else:
            response = self.client.post(url, data)
        self.tried[kind] += 1
        status = response.status_code
        if response.streaming:
            b"".join(response.streaming_content)
        self.session.check()
        problem = None
        if status >= 500:
            exc = getattr(response, "exc_info", None)
            problem = f"{status} {exc[0].__name__}: {str(exc[1])[:120]}" if exc else f"{status}"
        elif before is not None and status >= 400 and row_counts() != before:
            problem = f"{status} but the database changed"
        elif kind == "control characters" and status != 400 and status not in (301, 302, 404, 405, 403):
            problem = f"{status}: control characters not refused"
        if problem:
            shown = {k: (v[:20] + "…" if len(v) > 20 else v) for k, v in list(data.items())[:6]}
            self.failures[kind].append(f"{method.upper()} {url} {shown!r} -> {problem}")
        return response

    def once_per_class(self, url):
        """A URL that refuses this role before any form (a login redirect, 403, 404): one case of each class."""
        for kind, values in HOSTILE.items():
            self.send("get", url, {"q": values[0], "on": values[0], "code": values[0]}, kind)
            self.send("post", url, {"q": values[0], "on": values[0], "code": values[0]}, kind)

    def sweep(self, url, *, one_by_one: bool):
        before = row_counts()
        base = self.client.get(url)
        self.session.check()
        if base.status_code in (301, 302, 403, 404, 405) and not (base.status_code == 302 and url.startswith("/i18n/")):
            self.once_per_class(url)
            return
        forms = page_forms(base)
        names = sorted({n for f in forms for n in f["fields"]} - SKIP_FIELDS | set(QUERY_PARAMS))
        for kind, values in HOSTILE.items():
            for value in values:
                self.send("get", url, {n: value for n in names}, kind)
                self.send("post", url, {n: value for n in names}, kind)
        if not one_by_one:
            return
        for form in forms:
            if form["method"] != "post":
                continue
            filled = {k: v for k, v in form["fields"].items() if v is not None and k not in SKIP_FIELDS}
            for name in form["fields"]:
                if name in SKIP_FIELDS:
                    continue
                for kind, values in HOSTILE.items():
                    for value in values:
                        self.send("post", url, {**filled, name: value}, kind)
        if row_counts() != before and not one_by_one:
            self.failures["GET"].append(f"{url}: the sweep of a page without writable forms changed the database")


@pytest.fixture
def park(db):
    give_each_model_its_own_ids()
    world = factories.two_firm_world()
    world.staff = factories.staff_user("staff-hostile")
    world.bureau = factories.staff_user("bureau-hostile", bureau=True)
    return world


ROLES = ["anonymous", "tenant", "staff", "bureau-admin"]


def urls_of(world) -> list[str]:
    values = candidate_values(world, world.firm)
    urls = []
    for pattern in walk():
        if not pattern.params:
            urls.append("/" + pattern.fmt)
        else:
            urls += [url for _what, url in fill(pattern, values)[:1]]
    return sorted(set(urls))


# The park's own forms are swept one field at a time; the admin's many generated ones all fields at once.
OWN_FORMS = re.compile(r"^/(portal|planner|leases|reports|firms|zones|accounts/password)/")
# Pages whose POST ends the session or switches language: swept, but not field by field.
SESSION_PAGES = re.compile(r"^/(accounts/logout/|i18n/)")


# Each role's URLs are swept in SHARDS parts (every SHARDS-th URL), each on a fresh park, so that pytest-xdist can
# spread one role's sweep over several workers. Together the parts send every case.
SHARDS = 2


@pytest.mark.parametrize("shard", range(SHARDS), ids=lambda n: f"part{n + 1}of{SHARDS}")
@pytest.mark.parametrize("role", ROLES)
def test_no_hostile_input_reaches_a_server_error(park, role, shard, capsys):
    user = {"anonymous": None, "tenant": park.admin, "staff": park.staff, "bureau-admin": park.bureau}[role]
    sweep = Sweep(Client(raise_request_exception=False), user)
    all_urls = urls_of(park)
    assert len(all_urls) > 60  # a guard against a walk that finds nothing
    urls = all_urls[shard::SHARDS]
    for url in urls:
        sweep.sweep(url, one_by_one=bool(OWN_FORMS.match(url)) and role != "anonymous" and not SESSION_PAGES.match(url))
    with capsys.disabled():
        print(f"\nhostile-input sweep as {role}, part {shard + 1} of {SHARDS}: {len(urls)} of {len(all_urls)} URLs; cases per class: "
              + ", ".join(f"{k} {sweep.tried[k]} ({len(sweep.failures[k])} failed)" for k in HOSTILE))
    failures = [f"[{kind}] {line}" for kind, lines in sweep.failures.items() for line in lines]
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:60])
