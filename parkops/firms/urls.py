"""URLs of the firms app's list and detail pages."""
from django.urls import path

from . import views

app_name = "firms"
urlpatterns: list = [
    path("", views.FirmListView.as_view(), name="firm_list"),
]
