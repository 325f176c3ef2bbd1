"""URLs of the leases app's list and detail pages."""
from django.urls import path

from . import views

app_name = "leases"
urlpatterns: list = [
    # lease and headcount lists (reports)
    path("", views.LeaseListView.as_view(), name="lease_list"),
    path("headcount/", views.HeadcountListView.as_view(), name="headcount_list"),
    # seat requests (staff queue and decision)
    path("requests/", views.SeatRequestListView.as_view(), name="seat_request_list"),
    path("requests/<int:pk>/decide/", views.SeatRequestDecideView.as_view(), name="seat_request_decide"),
]
