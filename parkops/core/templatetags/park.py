"""Template filters for figures and days, cheap enough for pages that print hundreds of them.

Django's ``intcomma`` and ``date:"Y-m-d"`` look up the active language's formats on every call; both
languages of parkops group digits with a comma and write days as ISO dates, so these print the same
text without the lookups.
"""
import datetime

from django import template

register = template.Library()


@register.filter(is_safe=True)
def thousands(value):
    """Return an integer with comma thousands separators (12,345); other values unchanged."""
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(value)
        except (TypeError, ValueError):
            return value
    return f"{value:,}"


@register.filter(is_safe=True)
def ymd(value):
    """Return a date (or datetime's date) as YYYY-MM-DD, "" for None."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else value
