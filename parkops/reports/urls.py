"""URLs of the reports screens."""
from django.urls import path

from . import views

app_name = "reports"
urlpatterns: list = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("occupancy/", views.OccupancyView.as_view(), name="occupancy"),
    path("trends/", views.TrendsView.as_view(), name="trends"),
    path("expiry/", views.ExpiryView.as_view(), name="expiry"),
    path("forecast/", views.ForecastView.as_view(), name="forecast"),
]
