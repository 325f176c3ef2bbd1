"""URLs of the planner screens (names are relied on by other apps and the benchmark)."""
from django.urls import path

from . import views

app_name = "planner"
urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("floor/<int:pk>/", views.FloorView.as_view(), name="floor"),
    path("floor/<int:pk>/action/", views.floor_action, name="floor_action"),
    path("floor/<int:pk>/free/", views.floor_free, name="floor_free"),
    path("seat/<int:pk>/history/", views.SeatHistoryView.as_view(), name="seat_history"),
    path("seat/history/", views.seat_history_lookup, name="seat_history_lookup"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("building/<int:pk>/stack/", views.BuildingStackView.as_view(), name="building_stack"),
    path("zone-d/", views.ZoneDView.as_view(), name="zone_d"),
    path("zone-d/reservations/add/", views.reservation_add, name="reservation_add"),
    path("zone-d/reservations/<int:pk>/", views.ReservationActionsView.as_view(), name="reservation_actions"),
    path("zone-d/reservations/<int:pk>/change/", views.reservation_change, name="reservation_change"),
    path("zone-d/reservations/<int:pk>/cancel/", views.reservation_cancel, name="reservation_cancel"),
    path("zone-d/reservations/<int:pk>/convert/", views.reservation_convert, name="reservation_convert"),
    path("firms/leases/", views.firm_leases, name="firm_leases"),
]
