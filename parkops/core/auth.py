"""Login protection hooks for django-axes: the client address behind proxies, and the lockout page; the
authentication backend that loads a user with their role groups.

Settings: AXES_CLIENT_IP_CALLABLE and AXES_LOCKOUT_CALLABLE point here, and AUTHENTICATION_BACKENDS names
ParkModelBackend.
"""
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.db import connection
from django.shortcuts import render

from .access import ROLE_GROUPS


def client_ip(request) -> str | None:
    """Return the address failures are counted against.

    Behind TRUSTED_PROXY_COUNT proxies the client is the entry that many places from the right of
    X-Forwarded-For (entries further left are written by the client and cannot be trusted).
    Without proxies it is the socket's peer. Counting per proxy address would lock out everyone
    behind the proxy after a few typos.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """Render the login page again with a lockout notice, as 429 Too Many Requests."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "locked_out": True, "cooloff_minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "registration/login.html", context, status=429)


class LengthCheckedLogin:
    """A login form whose user name is held to the user model's length before anyone authenticates.

    Django's AuthenticationForm sets the field's max_length after the field is built, so the limit is
    only the input's maxlength attribute: a longer name still reaches authenticate(), and django-axes
    then stores it in a 255-character column (a server error on PostgreSQL). Here the field refuses it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        if field.max_length and not any(isinstance(v, MaxLengthValidator) for v in field.validators):
            field.validators.append(MaxLengthValidator(field.max_length))


class ParkAuthenticationForm(LengthCheckedLogin, AuthenticationForm):
    """The site's login form."""


class ParkAdminAuthenticationForm(LengthCheckedLogin, AdminAuthenticationForm):
    """The admin's login form."""


class ParkModelBackend(ModelBackend):
    """Django's ModelBackend, whose get_user (run on every signed-in request) also reads whether the user is in
    the two role groups, in the same query: the navigation's and the views' role checks (core.access) then
    need no query of their own, one round trip fewer on every page.

    The query is written once per process as SQL (Manager.raw): built by the ORM with two Exists() on every
    request, it cost more to compile than the round trip it saves.
    """

    _sql = None

    def get_user(self, user_id):
        UserModel = get_user_model()
        try:
            user = next(iter(UserModel._default_manager.raw(self._user_sql(), [*ROLE_GROUPS, user_id])))
        except StopIteration:
            return None
        user._parkops_groups = {name for i, name in enumerate(ROLE_GROUPS) if getattr(user, f"in_role_{i}")}
        return user if self.user_can_authenticate(user) else None

    @classmethod
    def _user_sql(cls) -> str:
        if cls._sql is None:
            User = get_user_model()
            link = User.groups.through._meta
            quote = connection.ops.quote_name
            user_col = quote(link.get_field("user").column)
            group_col = quote(link.get_field("group").column)
            flags = ", ".join(
                f"EXISTS (SELECT 1 FROM {quote(link.db_table)} ug JOIN {quote(Group._meta.db_table)} g "
                f"ON g.id = ug.{group_col} WHERE ug.{user_col} = u.{quote(User._meta.pk.column)} AND g.name = %s) "
                f"AS in_role_{i}"
                for i in range(len(ROLE_GROUPS))
            )
            cls._sql = f"SELECT u.*, {flags} FROM {quote(User._meta.db_table)} u WHERE u.{quote(User._meta.pk.column)} = %s"
        return cls._sql
