"""The one range of dates the product accepts, and the form fields that hold every input to it.

Every date a form, a filter or a query string accepts lies in [EARLIEST, LATEST]. The range is wide
enough for any lease, report or history the park keeps, and far enough from the ends of Python's
calendar (0001-01-01, 9999-12-31) that a page may add a year, or step back a few months, without
overflowing. A date outside it is refused with a message that names the range.
"""
from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EARLIEST = datetime.date(2000, 1, 1)
LATEST = datetime.date(2100, 12, 31)

DATE_FORMATS = ["%Y-%m-%d"]
MONTH_FORMATS = ["%Y-%m"]


def in_range(day: datetime.date) -> bool:
    return EARLIEST <= day <= LATEST


def validate_park_date(day: datetime.date | None) -> None:
    """Refuse a date outside the product's range (2000-01-01 to 2100-12-31)."""
    if day is None:
        return
    if isinstance(day, datetime.datetime):
        day = day.date()
    if not in_range(day):
        raise ValidationError(
            _("日期 %(day)s 超出范围；请填写 %(earliest)s 至 %(latest)s 之间的日期。"),
            code="date_range",
            params={"day": day.isoformat(), "earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
        )


def validate_park_month(day: datetime.date | None) -> None:
    """Refuse a month outside the product's range, named as YYYY-MM."""
    if day is None:
        return
    if not in_range(day):
        raise ValidationError(
            _("月份 %(month)s 超出范围；请填写 %(earliest)s 至 %(latest)s 之间的月份。"),
            code="date_range",
            params={"month": day.strftime("%Y-%m"), "earliest": EARLIEST.strftime("%Y-%m"), "latest": LATEST.strftime("%Y-%m")},
        )


def clamp(day: datetime.date) -> datetime.date:
    """Return `day` moved into the product's range (for stored dates a page computes from)."""
    return min(max(day, EARLIEST), LATEST)


class ParkDateField(forms.DateField):
    """A date field that accepts only dates in the product's range (2000-01-01 to 2100-12-31)."""

    default_validators = [validate_park_date]
    default_error_messages = {
        "invalid": _("日期无效；请按 YYYY-MM-DD 填写，例如 2026-03-01。"),
    }


class ParkMonthField(forms.DateField):
    """A month (YYYY-MM, read as its first day) in the product's range."""

    input_formats = MONTH_FORMATS
    default_validators = [validate_park_month]
    default_error_messages = {
        "invalid": _("月份格式不正确：请填写 YYYY-MM，例如 2026-03。"),
    }


class ParkDateFilter(django_filters.DateFilter):
    """A django-filter date filter held to the product's range."""

    field_class = ParkDateField


class ParkDateRangeField(django_filters.fields.DateRangeField):
    """A from/to pair of dates, each held to the product's range."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields:
            field.validators.append(validate_park_date)


class ParkDateFromToRangeFilter(django_filters.DateFromToRangeFilter):
    """A django-filter from/to date filter held to the product's range."""

    field_class = ParkDateRangeField


def month_start(day: datetime.date, months: int = 0) -> datetime.date:
    """Return the first day of the month `months` after day's month (0: day's own month; negative: earlier).

    The one month arithmetic of reports and headcount. (The park loader's add_months is another rule: the same
    day of the month, clamped to the month's last day.)
    """
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_end(day: datetime.date) -> datetime.date:
    """Return the last day of day's month."""
    return month_start(day, 1) - datetime.timedelta(days=1)
