"""Template filters for figures and days, cheap enough for pages that print hundreds of them.

Django's ``intcomma`` and ``date:"Y-m-d"`` look up the active language's formats on every call; both
languages of parkops group digits with a comma and write days as ISO dates, so these print the same
text without the lookups.
"""
import datetime
from decimal import Decimal

from django import template

register = template.Library()


@register.filter(is_safe=True)
def thousands(value):
    """Return a number with comma thousands separators (12,345; 1,234.5); other values unchanged."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, (int, float, Decimal)):
        return f"{value:,}"
    return value


@register.filter(is_safe=True, expects_localtime=True)
def ymd(value):
    """Return a date (or a datetime's local date, as the date filter does) as YYYY-MM-DD, "" for None."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else value


@register.filter
def pct(value) -> int:
    """Return a percentage as a whole number from 0 to 100, for the w-N / fb-N size classes (static/css/sizes.css)."""
    try:
        return max(0, min(100, round(float(value))))
    except (TypeError, ValueError):
        return 0


@register.simple_tag
def share(part, *whole) -> int:
    """Return part as a whole-number percentage (0 to 100) of the sum of `whole`, 0 when that is 0."""
    try:
        total = sum(float(w or 0) for w in whole)
        return max(0, min(100, round(100 * float(part or 0) / total))) if total else 0
    except (TypeError, ValueError):
        return 0
