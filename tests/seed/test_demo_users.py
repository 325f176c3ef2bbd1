"""manage.py demo_users: demo logins for every role, only with DEBUG on."""
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

from parkops.core.access import is_bureau_admin, is_park_staff, user_firm
from parkops.seed.management.commands.demo_users import DEMO_USERS, FIRM_PASSWORD
from parkops.firms.choices import MemberRole
from parkops.firms.models import Firm, FirmMember
from tests.factories import FirmFactory

User = get_user_model()


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    # Five PBKDF2 hashes per run cost seconds; what is tested is who gets which password, not the hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo_firms(db):
    return {name: FirmFactory(short_name=name, name=f"{name}（测试）") for name in ("平安金服", "迈睿中国", "大宇宙")}


def run() -> str:
    out = io.StringIO()
    call_command("demo_users", stdout=out)
    return out.getvalue()


@override_settings(DEBUG=False)
def test_refuses_when_debug_is_off(demo_firms):
    with pytest.raises(CommandError, match="DEBUG=1"):
        run()
    assert not User.objects.exists()


@override_settings(DEBUG=True)
def test_refuses_before_the_park_is_loaded(db):
    with pytest.raises(CommandError, match="load_park"):
        run()
    assert not User.objects.exists()


@override_settings(DEBUG=True)
def test_creates_every_role_and_prints_the_passwords(demo_firms):
    out = run()
    for spec in DEMO_USERS:
        assert f"{spec.username:<10} {spec.password}" in out
    admin, staff = User.objects.get(username="admin"), User.objects.get(username="staff")
    assert admin.is_superuser and admin.is_staff and is_bureau_admin(admin)
    assert admin.groups.filter(name="Bureau admins").exists()
    assert staff.is_staff and not staff.is_superuser and is_park_staff(staff) and not is_bureau_admin(staff)
    pingan, majorel, viewer = (User.objects.get(username=u) for u in ("pingan", "majorel", "dayuzhou"))
    assert user_firm(pingan) == demo_firms["平安金服"] and pingan.firm_membership.role == MemberRole.ADMIN
    assert user_firm(majorel) == demo_firms["迈睿中国"] and majorel.firm_membership.role == MemberRole.ADMIN
    assert viewer.firm_membership.role == MemberRole.VIEWER and not is_park_staff(viewer)
    assert all(User.objects.get(username=spec.username).check_password(spec.password) for spec in DEMO_USERS)
    assert Firm.objects.get(pk=demo_firms["平安金服"].pk).task_force_lead == staff


@override_settings(DEBUG=True)
def test_second_run_resets_passwords_without_duplicates(demo_firms):
    run()
    pingan = User.objects.get(username="pingan")
    pingan.set_password("changed-Password-1")
    pingan.is_active = False
    pingan.save()
    run()
    pingan.refresh_from_db()
    assert pingan.check_password(FIRM_PASSWORD) and pingan.is_active
    assert User.objects.count() == 5
    assert FirmMember.objects.count() == 3
