"""Views with no domain of their own: the landing page that sends each role to its screens."""
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles.storage import staticfiles_storage
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

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


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request):
    """Send /favicon.ico (asked for by browsers and tools that do not read the pages' <link rel="icon">) to the SVG icon."""
    return redirect(staticfiles_storage.url("favicon.svg"), permanent=False)
