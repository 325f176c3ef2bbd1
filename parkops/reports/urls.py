"""URLs of the reports screens."""
from django.urls import path  # noqa: F401

app_name = "reports"
urlpatterns: list = []
