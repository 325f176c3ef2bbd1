"""Login protection: lockout per user name and per address (django-axes), the lockout page,
events visible to bureau admins, and a password change ending the user's other sessions."""
import datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.test import Client

from tests import factories

PASSWORD = "pw-Parkops-2026"
LIMIT = settings.AXES_FAILURE_LIMIT


def login(client, username, password, ip="10.1.1.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def pass_cool_off():
    """Move every recorded failure back past the cool-off, as if that much time had passed."""
    earlier = settings.AXES_COOLOFF_TIME + datetime.timedelta(minutes=1)
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - earlier)


def test_limit_is_five_failures():
    assert LIMIT == 5


def test_user_is_locked_out_after_n_failures_until_the_cool_off(client, staff):
    for n in range(LIMIT - 1):
        response = login(client, "staff", "wrong-password", ip=f"10.0.0.{n + 1}")
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.content.decode()
    # The Nth failure locks the user out and says so.
    assert login(client, "staff", "wrong-password", ip="10.0.0.50").status_code == 429

    # The N+1th attempt, with the right password and from yet another address, is refused.
    response = login(client, "staff", PASSWORD, ip="10.0.0.99")
    assert response.status_code == 429
    assert 'id="lockout"' in response.content.decode()
    assert "_auth_user_id" not in client.session

    pass_cool_off()
    response = login(client, "staff", PASSWORD, ip="10.0.0.99")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_address_is_locked_out_after_n_failures_on_any_names(client, staff):
    for n in range(LIMIT):
        login(client, f"guess{n}", "wrong-password", ip="10.9.9.9")

    refused = login(client, "staff", PASSWORD, ip="10.9.9.9")
    assert refused.status_code == 429
    # The same user from another address is not affected.
    elsewhere = Client()
    assert login(elsewhere, "staff", PASSWORD, ip="10.1.2.3").status_code == 302


def test_fewer_failures_than_the_limit_do_not_lock(client, staff):
    for _ in range(LIMIT - 1):
        login(client, "staff", "wrong-password")
    assert login(client, "staff", PASSWORD).status_code == 302


def test_lockout_page_says_what_happened_and_how_long(client, staff):
    for _ in range(LIMIT):
        login(client, "staff", "wrong-password")
    body = login(client, "staff", "wrong-password").content.decode()
    assert "已被暂时锁定" in body
    assert f"{int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)} 分钟" in body
    english = client.post(
        "/accounts/login/", {"username": "staff", "password": "x"}, REMOTE_ADDR="10.1.1.1", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "failed sign-ins in a row" in english


def test_force_login_is_not_affected_by_a_lockout(client, staff):
    for _ in range(LIMIT):
        login(client, "staff", "wrong-password")
    client.force_login(staff)
    assert client.get("/").status_code == 200


def test_bureau_admins_see_login_events_and_lockouts_in_admin(client, staff, bureau_admin):
    login(Client(), "staff", PASSWORD, ip="10.3.3.4")
    for _ in range(LIMIT):
        login(Client(), "staff", "wrong-password", ip="10.3.3.3")
    assert AccessAttempt.objects.filter(username="staff").exists()
    assert AccessLog.objects.filter(username="staff").exists()
    assert AccessFailureLog.objects.filter(username="staff", locked_out=True).exists()

    client.force_login(bureau_admin)
    for path in ("/admin/axes/accessattempt/", "/admin/axes/accesslog/", "/admin/axes/accessfailurelog/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "10.3.3." in response.content.decode()


def test_park_staff_cannot_see_the_login_log(client, staff):
    client.force_login(staff)
    assert client.get("/admin/axes/accesslog/").status_code == 403


@pytest.mark.parametrize("path", ["/accounts/password/"])
def test_password_change_ends_the_other_sessions(path, db):
    user = factories.tenant_user(factories.FirmFactory(short_name="平安金服"), "pingan")
    here, elsewhere = Client(), Client()
    here.force_login(user)
    elsewhere.force_login(user)

    response = here.post(
        path, {"old_password": PASSWORD, "new_password1": "Another-Secret-2026", "new_password2": "Another-Secret-2026"}
    )
    assert response.status_code == 302

    assert here.get("/accounts/password/done/").status_code == 200
    response = elsewhere.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_password_validators_refuse_a_weak_password(client, db):
    user = factories.tenant_user(factories.FirmFactory(short_name="迈睿中国"), "majorel")
    client.force_login(user)
    response = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_sessions_expire():
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_bureau_admin_lifts_a_lockout_in_admin(client, staff, bureau_admin):
    for _ in range(LIMIT):
        login(Client(), "staff", "wrong-password", ip="10.4.4.4")
    assert login(Client(), "staff", PASSWORD, ip="10.4.4.4").status_code == 429

    client.force_login(bureau_admin)
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    response = client.post(
        "/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )
    assert response.status_code == 302
    assert login(Client(), "staff", PASSWORD, ip="10.4.4.4").status_code == 302
