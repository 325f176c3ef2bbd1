"""URLs of the planner screens."""
from django.urls import path  # noqa: F401

app_name = "planner"
urlpatterns: list = []
