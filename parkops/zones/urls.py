"""URLs of the zones app's list and detail pages."""
from django.urls import path  # noqa: F401

app_name = "zones"
urlpatterns: list = []
