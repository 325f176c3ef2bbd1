"""Settings the foundation promises: Chinese first, SQLite in IMMEDIATE mode."""
from django.conf import settings
from django.db import connection
from django.utils import translation


def test_chinese_by_default_english_available():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    assert "django.middleware.locale.LocaleMiddleware" in settings.MIDDLEWARE


def test_english_translations_are_compiled():
    with translation.override("en"):
        assert translation.gettext("退出") == "Log out"


def test_sqlite_uses_immediate_transactions():
    if connection.vendor == "sqlite":
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
