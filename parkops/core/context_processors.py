"""Template context: the current user's role, for navigation.

Kernel, not site glue: it reads only parkops.core.access (roles, and the user's firm through the member model
that settings.PARKOPS_FIRM_MEMBER_MODEL names), so it needs no domain app.
"""
from parkops.core.access import is_bureau_admin, is_park_staff, user_firm


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_staff_user": False, "is_bureau_admin": False, "tenant_firm": None}
    return {
        "is_staff_user": is_park_staff(user),
        "is_bureau_admin": is_bureau_admin(user),
        # A callable, which the template calls only where it asks (the tenant branch of the nav): staff pages
        # never read the membership.
        "tenant_firm": lambda: user_firm(user),
    }
