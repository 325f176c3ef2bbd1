"""URLs of the portal screens."""
from django.urls import path

from . import views

app_name = "portal"
urlpatterns: list = [
    path("", views.PortalHomeView.as_view(), name="home"),
    path("floor/<int:pk>/", views.FloorView.as_view(), name="floor"),
    path("headcount/", views.HeadcountView.as_view(), name="headcount"),
    path("requests/", views.SeatRequestCreateView.as_view(), name="seat_request"),
    path("requests/<int:pk>/withdraw/", views.SeatRequestWithdrawView.as_view(), name="seat_request_withdraw"),
    path("members/", views.MembersView.as_view(), name="members"),
    path("export/seats/", views.ExportSeatsView.as_view(), name="export_seats"),
    path("export/leases/", views.ExportLeasesView.as_view(), name="export_leases"),
]
