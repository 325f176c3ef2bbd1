"""Root URL configuration: one include per app."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from parkops import views
from parkops.core import views as core_views
from parkops.core.auth import ParkAuthenticationForm
from parkops.core.health import healthz

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=ParkAuthenticationForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Changing the password keeps this session and ends every other one (update_session_auth_hash).
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(template_name="core/password_change_form.html"),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="core/password_change_done.html"),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # The staff list pages keep their addresses: /zones/seats/, /firms/, /leases/... (parkops/registers/urls.py).
    path("", include("parkops.registers.urls")),
    path("", include("parkops.firms.urls")),
    path("planner/", include("parkops.planner.urls")),
    path("portal/", include("parkops.portal.urls")),
    path("reports/", include("parkops.reports.urls")),
]
