"""Template filters for figures and days, cheap enough for pages that print hundreds of them; and {% figures %},
which caches a block of figures under the allocation version.

Django's ``intcomma`` and ``date:"Y-m-d"`` look up the active language's formats on every call; both
languages of parkops group digits with a comma and write days as ISO dates, so these print the same
text without the lookups.
"""
import datetime
from decimal import Decimal

from django import template

from parkops.core import versioning

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


class FiguresNode(template.Node):
    def __init__(self, nodelist, name, parts):
        self.nodelist, self.name, self.parts = nodelist, name, parts

    def render(self, context):
        parts = [p.resolve(context) for p in self.parts]
        return versioning.figures(f"html:{self.name.resolve(context)}", lambda: self.nodelist.render(context), *parts)


@register.tag("figures")
def figures(parser, token):
    """Cache the enclosed markup under the allocation version: ``{% figures "planner:overview" on %}...{% endfigures %}``.

    The name and every value after it (the day shown...) make the key, with today and the language
    (core/versioning.py). The block must show only figures of the rows: nothing per user or per request (no
    form, no CSRF token, no message). Its data should be lazy, so that a cached block runs no query.
    """
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("'figures' takes a name, then the values the markup depends on.")
    nodelist = parser.parse(("endfigures",))
    parser.delete_first_token()
    return FiguresNode(nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(b) for b in bits[2:]])
