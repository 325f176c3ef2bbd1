"""Site glue: the landing page that sends each role to its screens (staff to the reports app's dashboard,
tenant users to their firm's portal). It lives here, not in core, because it names screen apps."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from parkops.core.access import is_park_staff, user_firm
from parkops.reports.views import DashboardView


@login_required
def home(request):
    """Show staff their dashboard (the reports app's) and send tenant users to their firm's portal."""
    if is_park_staff(request.user):
        return DashboardView.as_view()(request)
    if user_firm(request.user) is not None:
        return redirect("portal:home")
    return render(request, "core/no_role.html", status=403)
