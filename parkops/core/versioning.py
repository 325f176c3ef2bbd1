"""The allocation version: one number every write to a table that feeds a park-wide figure raises, in its own
transaction, and the cache of figures keyed by it.

Figures (the overview's counts, the reports' tables, a firm's portal home...) are always computed from rows.
What is cached is the result of that computation, under a key that carries the version read *before* the rows:
- A write raises the version in its own transaction (allocation_write's first statement, and database triggers
  for any write that bypasses the services: admin, imports, bulk_create, raw SQL). The new number becomes
  visible at commit, together with the rows it changed.
- A reader reads the version first, then looks up (key, version). Under READ COMMITTED every later statement
  sees at least what the version's commit made visible, so a figure stored under version V was computed from
  rows no older than V. A reader that sees V+1 misses the cache and computes. No figure older than the
  version shown can be served, and no stored count exists to drift.
- Numbers are not handed out twice, so what a rolled-back transaction may have cached is never looked up again,
  and a cache that outlives a restore or a re-created database never answers with another incarnation's figures.
  A bump sets max(number + 1, the clock in microseconds), evaluated under the row's lock; on PostgreSQL also a
  sequence's next value, which no rollback returns and which keeps numbers apart if the clock steps back. (A
  pg_restore brings back an old number and sequence: the clock term still moves past both.) SQLite's clock
  has millisecond steps: two writers in one millisecond, the first rolled back after caching, could share a
  number there; SQLite serves development and tests.
- Without the row (a flushed database) nothing is cached: figures() computes every time until the next write
  puts the row back.

Lock order: the version row is the first lock every allocation write takes (allocation_write bumps before any
seat or lease lock; PostgreSQL's triggers fire BEFORE each statement, so even an admin edit takes it before its
row locks). Allocation writes are serialised by it; no new deadlock between them is possible.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import connection, migrations
from django.utils import timezone, translation

T = TypeVar("T")

TABLE = "core_allocationversion"
ROW_ID = 1
SEQUENCE = "core_allocationversion_number"
FUNCTION = "core_bump_allocation_version"
CACHE_ALIAS = "default"
TIMEOUT = 24 * 3600  # entries under an old version are never read again; this only returns their memory
# Settings that figures depend on besides the rows (the expiry window moves lease states and the expiry report):
# their values are in every key, so a changed setting never meets a figure computed under the old one.
KEY_SETTINGS = ("PARKOPS_EXPIRY_DAYS",)

# One statement: raise the number, or put the row back if a flush removed it.
BUMP = {
    "postgresql": (
        f"INSERT INTO {TABLE} (id, number, changed_at) VALUES ({ROW_ID}, nextval('{SEQUENCE}'), clock_timestamp()) "
        f"ON CONFLICT (id) DO UPDATE SET number = GREATEST({TABLE}.number + 1, nextval('{SEQUENCE}'), "
        "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint), changed_at = EXCLUDED.changed_at"
    ),
    "sqlite": (
        f"INSERT INTO {TABLE} (id, number, changed_at) VALUES ({ROW_ID}, "
        "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER), strftime('%Y-%m-%d %H:%M:%f', 'now')) "
        f"ON CONFLICT (id) DO UPDATE SET number = max({TABLE}.number + 1, excluded.number), "
        "changed_at = excluded.changed_at"
    ),
}

_MISSING = object()


def bump() -> None:
    """Raise the allocation version in the current transaction (one statement; it takes the version row's lock)."""
    with connection.cursor() as cursor:
        cursor.execute(BUMP[connection.vendor])


def current() -> int | None:
    """Return the allocation version as committed (or as this transaction raised it); None without the row."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT number FROM {TABLE} WHERE id = %s", [ROW_ID])
        row = cursor.fetchone()
    return row[0] if row else None


def figure_key(name: str, version: int, parts: Iterable[Hashable] = ()) -> str:
    """Return the cache key of a figure: its name, the version, today, the language, KEY_SETTINGS and the caller's
    parts."""
    bits = [name, str(version), timezone.localdate().isoformat(), translation.get_language() or "-"]
    bits.extend(str(getattr(settings, setting, "")) for setting in KEY_SETTINGS)
    bits.extend(str(p) for p in parts)
    return "fig:" + ":".join(bits)


def figures(name: str, compute: Callable[[], T], *parts: Hashable) -> T:
    """Return compute()'s result for (name, *parts), cached under the allocation version read first.

    `parts` must name everything the result depends on besides the rows (the day shown, the firm, the
    grouping...); today, the active language and KEY_SETTINGS are always in the key. The result must be picklable.
    """
    version = current()
    if version is None:
        return compute()
    cache = caches[CACHE_ALIAS]
    key = figure_key(name, version, parts)
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value


# --- the triggers: the safety net for writes that bypass the services ---------------------------


def trigger_sql(table: str, vendor: str) -> tuple[list[str], list[str]]:
    """Return (create, drop) statements for the triggers that raise the version on any write to `table`.

    PostgreSQL: one BEFORE ... FOR EACH STATEMENT trigger calling FUNCTION (core/migrations/0003), so the version
    lock comes before the statement's row locks. SQLite: AFTER INSERT / UPDATE / DELETE row triggers running
    BUMP. SQLite drops a table's triggers when a migration rebuilds the table; tests/core/test_versioning.py checks
    that every table in FIGURE_TABLES still has them.
    """
    name = f"{table}_allocation_version"
    if vendor == "postgresql":
        return (
            [
                f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            ],
            [f"DROP TRIGGER IF EXISTS {name} ON {table}"],
        )
    if vendor == "sqlite":
        create = [
            f"CREATE TRIGGER IF NOT EXISTS {name}_{event.lower()} AFTER {event} ON {table} FOR EACH ROW "
            f"BEGIN {BUMP['sqlite']}; END"
            for event in ("INSERT", "UPDATE", "DELETE")
        ]
        drop = [f"DROP TRIGGER IF EXISTS {name}_{event.lower()}" for event in ("INSERT", "UPDATE", "DELETE")]
        return create, drop
    return [], []


def trigger_names(table: str, vendor: str) -> list[str]:
    """Return the trigger names trigger_sql makes for `table` (for the check that they still exist)."""
    name = f"{table}_allocation_version"
    if vendor == "sqlite":
        return [f"{name}_{event}" for event in ("insert", "update", "delete")]
    return [name]


def version_triggers(*tables: str) -> migrations.RunPython:
    """Return a migration operation that adds the version triggers to `tables` (and removes them on reverse)."""

    def run(which: int):
        def apply(apps, schema_editor):
            for table in tables:
                for sql in trigger_sql(table, schema_editor.connection.vendor)[which]:
                    schema_editor.execute(sql)

        return apply

    return migrations.RunPython(run(0), run(1), elidable=False)


def function_sql(vendor: str) -> tuple[list[str], list[str]]:
    """Return (create, drop) statements for what the triggers call: PostgreSQL's sequence and function."""
    if vendor != "postgresql":
        return [], []
    start = int(timezone.now().timestamp() * 1_000_000)
    return (
        [
            f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} START WITH {start}",
            f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {BUMP['postgresql']}; RETURN NULL; END $$",
        ],
        [f"DROP FUNCTION IF EXISTS {FUNCTION}() CASCADE", f"DROP SEQUENCE IF EXISTS {SEQUENCE}"],
    )

