"""URLs of the staff list pages. They keep the addresses they had under the domain apps
(/zones/seats/, /firms/, /leases/...), so the root URLconf includes this module at the site root."""
from django.urls import path

from . import views

app_name = "registers"
urlpatterns: list = [
    path("zones/seats/", views.SeatListView.as_view(), name="seat_list"),
    path("firms/", views.FirmListView.as_view(), name="firm_list"),
    # lease and headcount lists (reports)
    path("leases/", views.LeaseListView.as_view(), name="lease_list"),
    path("leases/headcount/", views.HeadcountListView.as_view(), name="headcount_list"),
    # seat requests (staff queue and decision)
    path("leases/requests/", views.SeatRequestListView.as_view(), name="seat_request_list"),
    path("leases/requests/<int:pk>/decide/", views.SeatRequestDecideView.as_view(), name="seat_request_decide"),
]
