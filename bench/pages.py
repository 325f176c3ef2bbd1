"""What a measured page is: its URL name, how to build its URL for a park, who looks at it, its floor query.

Its own module so that the floor queries (bench.benchmark_sql) and the measuring (bench.benchmarking) both
use it without importing each other in a circle.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass
class Page:
    """A page to measure: its URL name, how to build its URL for a park, who looks at it, its floor query."""

    name: str
    url_name: str
    args: Callable = lambda park: ()
    query: Callable = lambda park: ""
    as_tenant: bool = False
    floor_sql: Callable = None  # (park) -> (sql, params)
    # sums the whole park: measured warm and right after an allocation write (bench.benchmarking.measure_page)
    park_wide: bool = False
    export: str = ""  # "csv" / "xlsx": also timed to its first byte
    expected_status: int = 200
    variant: str = ""  # where one URL name has several pages (exports, groupings): its records say "name[variant]"
