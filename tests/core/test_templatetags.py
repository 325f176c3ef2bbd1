"""The park's number and day filters: figures grouped by thousands and ISO days, the same in both languages.

Django's zh-hans formats print 35000 ungrouped; park figures run to 100,000 seats, and staff read them
grouped (35,000), as the English pages and the park's documents do.
"""
import datetime

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import date as date_filter
from django.utils import translation

from parkops.core.templatetags.park import thousands, ymd


@pytest.mark.parametrize("value", [0, 7, 999, 1000, 35000, 100000, 1234567, -4200])
def test_thousands_matches_english_intcomma(value):
    with translation.override("en"):
        assert thousands(value) == intcomma(value)


def test_thousands_groups_in_chinese_too():
    with translation.override("zh-hans"):
        assert thousands(35000) == "35,000" and thousands(100000) == "100,000" and thousands(950) == "950"


def test_thousands_leaves_non_numbers_alone():
    assert thousands(None) is None and thousands("—") == "—" and thousands("1200") == "1,200"
    assert thousands(True) is True and thousands("12.5") == "12.5"


def test_thousands_keeps_fractions():
    from decimal import Decimal

    assert thousands(Decimal("1234.90")) == "1,234.90" and thousands(1234.5) == "1,234.5"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_ymd_matches_the_date_filter(language):
    day = datetime.date(2026, 3, 1)
    with translation.override(language):
        assert ymd(day) == date_filter(day, "Y-m-d") == "2026-03-01"
        moment = datetime.datetime(2026, 12, 31, 23, 5)
        assert ymd(moment) == date_filter(moment, "Y-m-d")
    assert ymd(None) == ""


def test_ymd_prints_the_local_day_of_an_aware_datetime(settings):
    """20:00 UTC on 1 January is 2 January in Neijiang (Asia/Shanghai), as the date filter prints it."""
    from django.template import Context, Template
    from django.utils import timezone

    moment = datetime.datetime(2025, 1, 1, 20, 0, tzinfo=datetime.timezone.utc)
    assert settings.TIME_ZONE == "Asia/Shanghai" and timezone.is_aware(moment)
    rendered = Template("{% load park %}{{ m|ymd }} {{ m|date:'Y-m-d' }}").render(Context({"m": moment}))
    assert rendered == "2025-01-02 2025-01-02"
