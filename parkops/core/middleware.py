"""Middleware of the site: a database outage answers a clean 503 page instead of a stack trace or a
bare 500; a request whose parameters carry control characters answers 400 before any view runs."""
import logging
import re

from django.db import InterfaceError, OperationalError
from django.template import loader
from django.http import HttpResponse

logger = logging.getLogger("django.request")


class DatabaseUnavailableMiddleware:
    """Turn a lost or refused database connection in a view into "503 service unavailable".

    The transaction the view was in has been rolled back by then (ATOMIC_REQUESTS is off; each
    service is its own atomic block), so nothing was half written. The next request opens a
    fresh connection: CONN_MAX_AGE with health checks drops the broken one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("Database unavailable: %s %s", request.method, request.path, exc_info=exception)
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = "10"
        return response


# NUL and the other C0 control characters (tab, line feed and carriage return excepted) and DEL.
# No field of the park holds them; PostgreSQL cannot store NUL in text at all, and XLSX cannot hold
# the rest. Refusing them at the door keeps every view, the admin's search and filters included, from
# seeing them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(querydict) -> bool:
    """Return whether any key or value of a QueryDict holds a control character."""
    for key, values in querydict.lists():
        if CONTROL_CHARACTERS.search(key):
            return True
        if any(isinstance(v, str) and CONTROL_CHARACTERS.search(v) for v in values):
            return True
    return False


class ControlCharacterMiddleware:
    """Answer 400, changing nothing, when a query string or a form's fields carry control characters.

    Uploaded files are not looked at (an import reads and checks them cell by cell); their file names are.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._refused(request):
            logger.warning("Control characters refused: %s %s", request.method, request.path)
            return HttpResponse(loader.render_to_string("400.html"), status=400)
        return self.get_response(request)

    @staticmethod
    def _refused(request) -> bool:
        if CONTROL_CHARACTERS.search(request.path) or has_control_characters(request.GET):
            return True
        if request.method in ("POST", "PUT", "PATCH"):
            if has_control_characters(request.POST):
                return True
            if any(CONTROL_CHARACTERS.search(f.name or "") for f in request.FILES.values()):
                return True
        return False
