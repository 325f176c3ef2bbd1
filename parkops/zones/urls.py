"""URLs of the zones app's list and detail pages."""
from django.urls import path

from . import views

app_name = "zones"
urlpatterns: list = [
    path("seats/", views.SeatListView.as_view(), name="seat_list"),
]
