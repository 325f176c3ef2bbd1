"""Root URL configuration: one include per app."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from parkops.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("zones/", include("parkops.zones.urls")),
    path("firms/", include("parkops.firms.urls")),
    path("leases/", include("parkops.leases.urls")),
    path("planner/", include("parkops.planner.urls")),
    path("portal/", include("parkops.portal.urls")),
    path("reports/", include("parkops.reports.urls")),
]
