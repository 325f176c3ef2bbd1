"""Production readiness: deploy checks under production settings, /healthz, and error pages
that never leak a traceback or a setting."""
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client

BASE_DIR = Path(settings.BASE_DIR)
PRODUCTION_ENV = {"DEBUG": "0", "ALLOWED_HOSTS": "seats.park.example.cn", "SECRET_KEY": secrets.token_urlsafe(60)}


def run_django(args, **env):
    """Run python with the given args in a fresh process with production environment variables."""
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser fixture for this test process, never in production.
    harness = ("DEBUG", "SECRET_KEY", "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE")
    full_env = {k: v for k, v in os.environ.items() if k not in harness}
    full_env.update(env)
    return subprocess.run([sys.executable, *args], cwd=BASE_DIR, env=full_env, capture_output=True, text=True, timeout=120)


def production_settings(**env) -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k, None) for k in ("
        "'DEBUG','SECURE_SSL_REDIRECT','SECURE_PROXY_SSL_HEADER','SECURE_HSTS_SECONDS','SESSION_COOKIE_SECURE',"
        "'CSRF_COOKIE_SECURE','SESSION_COOKIE_AGE','SESSION_EXPIRE_AT_BROWSER_CLOSE','STORAGES','AXES_FAILURE_LIMIT')}, default=str))"
    )
    result = run_django(["-c", code], DJANGO_SETTINGS_MODULE="parkops.settings", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_is_clean_under_production_environment():
    result = run_django(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)" in result.stdout


def test_check_deploy_warns_when_ssl_redirect_is_switched_off_without_a_proxy():
    result = run_django(["manage.py", "check", "--deploy"], **PRODUCTION_ENV, SECURE_SSL_REDIRECT="0")
    assert "security.W008" in result.stdout + result.stderr


def test_check_deploy_is_clean_behind_a_proxy_that_redirects():
    """The README's set-up behind nginx: the proxy terminates TLS and redirects, Django trusts its header."""
    env = {**PRODUCTION_ENV, "SECURE_SSL_REDIRECT": "0", "SECURE_PROXY_SSL_HEADER": "1", "TRUSTED_PROXY_COUNT": "1"}
    result = run_django(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)" in result.stdout or "identified no issues" in result.stdout


def test_every_response_carries_a_content_security_policy_without_inline_script_or_style(client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = run_django(["manage.py", "check"], **env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_makemigrations_check_runs_without_the_production_environment():
    """A developer's (or a hook's) `manage.py makemigrations --check` needs no SECRET_KEY: it writes source only."""
    result = run_django(["manage.py", "makemigrations", "--check", "--dry-run"])  # no DEBUG, SECRET_KEY or ALLOWED_HOSTS
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_django(["manage.py", "check"], **{**PRODUCTION_ENV, "ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_production_settings_are_secure_by_default():
    values = production_settings(**PRODUCTION_ENV)
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_AGE"] <= 12 * 3600 and values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert "CompressedManifestStaticFilesStorage" in values["STORAGES"]["staticfiles"]["BACKEND"]
    assert values["AXES_FAILURE_LIMIT"] == 5


def test_proxy_switches_come_from_the_environment():
    values = production_settings(**PRODUCTION_ENV, SECURE_SSL_REDIRECT="0", SECURE_PROXY_SSL_HEADER="1")
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


# --- /healthz -------------------------------------------------------------------------------------


def test_healthz_answers_200_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_unreachable(client, db):
    with mock.patch("parkops.core.health.connection") as connection:
        connection.cursor.side_effect = OperationalError("could not connect to server: Connection refused")
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down"}
    assert b"Connection refused" not in response.content


def test_healthz_needs_no_login_and_shows_no_data(client, db, floor):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert floor.building.code not in response.content.decode()


# --- error pages ----------------------------------------------------------------------------------


def assert_clean(response):
    body = response.content.decode()
    assert "Traceback" not in body and "boom: secret detail" not in body
    assert settings.SECRET_KEY not in body
    assert "DATABASES" not in body and "settings.py" not in body and "Using the URLconf" not in body


@pytest.fixture
def quiet_client(db):
    """A client that receives the error page instead of the exception."""
    return Client(raise_request_exception=False)


def test_404_page_is_bilingual_and_leaks_nothing(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode() and "Page not found" in response.content.decode()
    assert_clean(response)


@pytest.mark.urls("tests.core.error_urls")
def test_500_page_is_bilingual_and_leaks_nothing(quiet_client):
    response = quiet_client.get("/test-boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "服务器内部错误" in body and "Server error" in body
    assert_clean(response)


@pytest.mark.urls("tests.core.error_urls")
def test_403_page_is_bilingual(quiet_client):
    response = quiet_client.get("/test-forbidden/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "无权访问" in body and "Access denied" in body
    assert_clean(response)


@pytest.mark.urls("tests.core.error_urls")
def test_database_outage_in_a_view_answers_a_clean_503(quiet_client):
    response = quiet_client.get("/test-database-gone/")
    assert response.status_code == 503
    assert response["Retry-After"]
    body = response.content.decode()
    assert "服务暂时不可用" in body and "Service temporarily unavailable" in body
    assert "server closed the connection" not in body


def test_500_template_renders_without_a_request():
    from django.template import loader

    html = loader.render_to_string("500.html")
    assert 'data-error-page="500"' in html


def test_csrf_failure_page_is_bilingual(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "页面已过期" in body and "This page has expired" in body
    assert_clean(response)
