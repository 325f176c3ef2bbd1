"""URLs of the leases app's list and detail pages."""
from django.urls import path  # noqa: F401

app_name = "leases"
urlpatterns: list = []
