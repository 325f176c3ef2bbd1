"""A database outage answers a clean 503 page instead of a stack trace or a bare 500."""
import logging

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
