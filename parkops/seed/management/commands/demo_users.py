"""manage.py demo_users: create the demo logins (bureau admin, park staff, firm users) with known passwords.

Refuses to run unless DEBUG is on: the passwords are printed and published in the README.
Running it again resets the passwords and memberships; it never deletes anyone.
"""
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from parkops.core.access import BUREAU_ADMINS, PARK_STAFF
from parkops.firms.choices import MemberRole
from parkops.firms.models import Firm, FirmMember

# The README lists these; change both together.
ADMIN_PASSWORD = "parkops-admin-2026"
STAFF_PASSWORD = "parkops-staff-2026"
FIRM_PASSWORD = "parkops-firm-2026"


@dataclass(frozen=True)
class DemoUser:
    """One demo login: a role in the park and, for a tenant, its firm (by short name) and role there."""

    username: str
    password: str
    label: str
    group: str = ""
    superuser: bool = False
    firm: str = ""
    role: str = MemberRole.VIEWER


DEMO_USERS = [
    DemoUser("admin", ADMIN_PASSWORD, "商务局管理员 bureau admin (/admin/)", group=BUREAU_ADMINS, superuser=True),
    DemoUser("staff", STAFF_PASSWORD, "园区工作人员 park staff", group=PARK_STAFF),
    DemoUser("pingan", FIRM_PASSWORD, "平安金服 企业管理员 firm admin", firm="平安金服", role=MemberRole.ADMIN),
    DemoUser("majorel", FIRM_PASSWORD, "迈睿中国 企业管理员 firm admin", firm="迈睿中国", role=MemberRole.ADMIN),
    DemoUser("dayuzhou", FIRM_PASSWORD, "大宇宙 只读用户 viewer", firm="大宇宙", role=MemberRole.VIEWER),
]
# Firms whose task force (一企一策一专班) the demo staff member leads.
STAFF_TASK_FORCES = ["平安金服", "迈睿中国", "大宇宙"]


class Command(BaseCommand):
    help = "创建演示账号（仅限 DEBUG=1）：admin、staff、pingan、majorel、dayuzhou，并打印演示密码。"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo_users 只能在 DEBUG=1 时运行：它创建密码公开的演示账号，不能用于生产环境。"
                "本地演示请运行：DEBUG=1 python manage.py demo_users"
            )
        firms = {f.short_name: f for f in Firm.objects.filter(short_name__in={u.firm for u in DEMO_USERS if u.firm})}
        missing = sorted({u.firm for u in DEMO_USERS if u.firm} - set(firms))
        if missing:
            raise CommandError(f"找不到企业 {'、'.join(missing)}：请先运行 python manage.py load_park。")
        with transaction.atomic():
            users = {spec.username: self.make_user(spec, firms) for spec in DEMO_USERS}
            self.lead_task_forces(users["staff"], firms)
        self.reset_lockouts()
        self.stdout.write("演示账号 demo logins（用户名 / 密码 / 角色）:")
        for spec in DEMO_USERS:
            self.stdout.write(f"  {spec.username:<10} {spec.password:<20} {spec.label}")

    def make_user(self, spec: DemoUser, firms: dict):
        user, _ = get_user_model().objects.get_or_create(username=spec.username)
        user.is_active = True
        user.is_staff = bool(spec.group)
        user.is_superuser = spec.superuser
        user.set_password(spec.password)
        user.save()
        user.groups.set([Group.objects.get(name=spec.group)] if spec.group else [])
        if spec.firm:
            FirmMember.objects.update_or_create(user=user, defaults={"firm": firms[spec.firm], "role": spec.role})
        else:
            FirmMember.objects.filter(user=user).delete()
        return user

    def lead_task_forces(self, staff, firms) -> None:
        for firm in Firm.objects.filter(short_name__in=STAFF_TASK_FORCES).exclude(task_force_lead=staff):
            firm.task_force_lead = staff
            firm.save(update_fields=["task_force_lead", "modified"])

    def reset_lockouts(self) -> None:
        # A demo login locked out by earlier wrong passwords should work again after a reset.
        if apps.is_installed("axes"):
            from axes.utils import reset

            for spec in DEMO_USERS:
                reset(username=spec.username)
