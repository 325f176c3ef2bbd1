"""Who a user is in the park: bureau admin, park staff, or a tenant firm's member.

Every tenant-facing view starts from a model's ``visible_to(user)`` (parkops.core.scoping); those
querysets use the helpers here to decide the user's role and firm.

The kernel imports no domain app: the model that links a user to a firm is named by the setting
PARKOPS_FIRM_MEMBER_MODEL ("app_label.ModelName", like AUTH_USER_MODEL), and is looked up through the
app registry. That model has a ``user`` one-to-one field and a ``firm`` foreign key.
"""
from __future__ import annotations

from functools import wraps

from django.apps import apps
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404

BUREAU_ADMINS = "Bureau admins"
PARK_STAFF = "Park staff"
# The groups the role checks read (_group_names): core.auth.ParkModelBackend loads them with the user.
ROLE_GROUPS = (BUREAU_ADMINS, PARK_STAFF)


def _group_names(user) -> set[str]:
    cache = getattr(user, "_parkops_groups", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._parkops_groups = cache
    return cache


def is_bureau_admin(user) -> bool:
    """Return True for superusers and members of the Bureau admins group."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or BUREAU_ADMINS in _group_names(user)))


def is_park_staff(user) -> bool:
    """Return True for anyone who may use the staff screens (staff or bureau admin)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return is_bureau_admin(user) or PARK_STAFF in _group_names(user)


def get_firm_member_model():
    """Return the model named by settings.PARKOPS_FIRM_MEMBER_MODEL (the link from a user to a firm)."""
    return apps.get_model(settings.PARKOPS_FIRM_MEMBER_MODEL, require_ready=False)


def user_firm(user):
    """Return the Firm a tenant user belongs to, or None. Cached on the user object: one query per request."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_parkops_firm"):
        FirmMember = get_firm_member_model()
        # One row at most (the membership is one-to-one): no ORDER BY, which would join the user for the
        # model's default ordering.
        member = next(iter(FirmMember.objects.select_related("firm").filter(user_id=user.pk).order_by()[:1]), None)
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
