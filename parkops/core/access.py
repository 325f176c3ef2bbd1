"""Who a user is in the park: bureau admin, park staff, or a tenant firm's member.

Every tenant-facing view starts from a model's ``visible_to(user)``; those
querysets use the helpers here to decide the user's role and firm.
"""
from __future__ import annotations

from functools import wraps

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.views import redirect_to_login
from django.http import Http404

BUREAU_ADMINS = "Bureau admins"
PARK_STAFF = "Park staff"


def _group_names(user) -> set[str]:
    cache = getattr(user, "_parkops_groups", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._parkops_groups = cache
    return cache


class ParkBackend(ModelBackend):
    """ModelBackend whose user for a signed-in request comes with its park role in the same query.

    Every page asks "staff, bureau admin or which firm's member?". Answered one query each (groups, then
    membership and firm), that was two more round trips on every request; here the groups are two EXISTS and
    the membership with its firm a join (FirmMember.user is one-to-one) in the user's own SELECT. The role is
    read on every request, never kept in the session, so a change takes effect on the next one.
    """

    def get_user(self, user_id):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.core.exceptions import ObjectDoesNotExist
        from django.db.models import Exists, OuterRef

        users = (
            get_user_model()
            ._default_manager.select_related("firm_membership__firm")
            .annotate(
                _in_bureau=Exists(Group.objects.filter(user=OuterRef("pk"), name=BUREAU_ADMINS)),
                _in_staff=Exists(Group.objects.filter(user=OuterRef("pk"), name=PARK_STAFF)),
            )
        )
        user = users.filter(pk=user_id).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        user._parkops_groups = {name for name, flag in ((BUREAU_ADMINS, user._in_bureau), (PARK_STAFF, user._in_staff)) if flag}
        try:
            member = user.firm_membership
        except ObjectDoesNotExist:
            member = None
        user._parkops_member = member
        user._parkops_firm = member.firm if member else None
        return user


def is_bureau_admin(user) -> bool:
    """Return True for superusers and members of the Bureau admins group."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or BUREAU_ADMINS in _group_names(user)))


def is_park_staff(user) -> bool:
    """Return True for anyone who may use the staff screens (staff or bureau admin)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return is_bureau_admin(user) or PARK_STAFF in _group_names(user)


def user_firm(user):
    """Return the Firm a tenant user belongs to, or None."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_parkops_firm"):
        from parkops.firms.models import FirmMember

        member = FirmMember.objects.select_related("firm").filter(user=user).first()
        user._parkops_firm = member.firm if member else None
        user._parkops_member = member
    return user._parkops_firm


def user_membership(user):
    """Return the FirmMember row of a tenant user, or None."""
    user_firm(user)
    return getattr(user, "_parkops_member", None)


def staff_required(view):
    """Let park staff and bureau admins in; send anonymous users to login; answer 404 to anyone else."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_park_staff(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


class StaffRequiredMixin:
    """Class-based-view version of staff_required."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_park_staff(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)
