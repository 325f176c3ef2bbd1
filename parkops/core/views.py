"""Views with no domain of their own. The landing page that sends each role to its screens is site glue
(parkops/views.py): it names the screen apps, which the kernel may not import."""
from django.contrib.staticfiles.storage import staticfiles_storage
from django.shortcuts import redirect
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request):
    """Send /favicon.ico (asked for by browsers and tools that do not read the pages' <link rel="icon">) to the SVG icon."""
    return redirect(staticfiles_storage.url("favicon.svg"), permanent=False)
