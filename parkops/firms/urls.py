"""URLs of the firms app's list and detail pages."""
from django.urls import path  # noqa: F401

app_name = "firms"
urlpatterns: list = []
