"""The urlconf while measuring (the command overrides ROOT_URLCONF with it): the site's own urls plus the
trivial view and the empty page that the floors are built from (bench.benchmarking)."""
from django.urls import path

from parkops.urls import urlpatterns as site_urlpatterns

from .benchmarking import EMPTY_PAGE_PATH, TRIVIAL_PATH, empty_page_view, trivial_view

urlpatterns = [
    path(TRIVIAL_PATH, trivial_view, name="bench_trivial"),
    path(EMPTY_PAGE_PATH, empty_page_view, name="bench_empty_page"),
    *site_urlpatterns,
]
