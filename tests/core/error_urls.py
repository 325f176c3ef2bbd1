"""The real URLs plus views that fail on purpose, for the error page tests."""
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.urls import path

from parkops.urls import urlpatterns as real_patterns


def boom(request):
    raise RuntimeError("boom: secret detail that must not reach the page")


def database_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


def forbidden(request):
    raise PermissionDenied("not yours")


urlpatterns = [
    path("test-boom/", boom),
    path("test-database-gone/", database_gone),
    path("test-forbidden/", forbidden),
    *real_patterns,
]
