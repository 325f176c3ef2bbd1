"""The park's admin site: Chinese header, apps in the park's order, no entry for tenant users.

Installed through ParkAdminConfig (settings.INSTALLED_APPS) so that ``admin.site``
everywhere is a ParkAdminSite and every app's admin.py registers on it.
"""
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# Apps and their models in the order the park thinks of them: supply, tenants, allocation.
APP_ORDER = ["zones", "firms", "leases", "auth"]
MODEL_ORDER = {
    "zones": ["Zone", "Phase", "Building", "Floor", "Seat", "SeatOutage"],
    "firms": ["BusinessLine", "Firm", "FirmMember"],
    "leases": ["Lease", "LeaseSeat", "CapacityReservation", "SeatRequest", "HeadcountReport"],
}


def _position(order: list, key) -> tuple:
    return (order.index(key), "") if key in order else (len(order), str(key))


def hold_dates_to_range(admin_class) -> None:
    """Make the admin class's date form fields ParkDateField (2000-01-01 to 2100-12-31, parkops/core/dates.py)."""
    from .dates import ParkDateField  # imported late: this module is loaded while apps load

    overrides = dict(admin_class.formfield_overrides)
    if overrides.get(models.DateField, {}).get("form_class") is ParkDateField:
        return
    overrides[models.DateField] = {**overrides.get(models.DateField, {}), "form_class": ParkDateField}
    admin_class.formfield_overrides = overrides


class SafeAutocompleteMixin:
    """Autocomplete widgets that skip a submitted value they cannot look up (adminkit.holdable_values)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from .adminkit import harden_autocomplete  # imported late: this module is loaded while apps load

        return harden_autocomplete(super().formfield_for_foreignkey(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        from .adminkit import harden_autocomplete

        return harden_autocomplete(super().formfield_for_manytomany(db_field, request, **kwargs))


class SafeInitialMixin(SafeAutocompleteMixin):
    """Drop an add page's initial values (?field=value) that the field cannot hold; harden autocompletes.

    Django's admin fills the add form from the query string; a related field given a value that is
    not an id (?firm=abc) fails while the page renders, a server error. Such a value is left out, as
    if it had not been given.
    """

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            target = field.target_field if field.is_relation and getattr(field, "target_field", None) else field
            values = value if isinstance(value, list) else [value]
            try:
                for one in values:
                    target.to_python(one)
            except (ValidationError, ValueError, TypeError):
                del initial[name]
        return initial


class ParkAdminSite(admin.AdminSite):
    """Django admin for the commerce bureau (商务局管理后台)."""

    site_header = _("内江服务外包产业园 · 商务局管理后台")
    site_title = _("内江服务外包产业园 · 商务局管理后台")
    index_title = _("园区管理")
    # The changelists carry many counted columns; the app sidebar would squeeze them.
    enable_nav_sidebar = False
    # A user name longer than the column is refused by the form, before django-axes records it (core/auth.py).
    login_form = None

    def login(self, request, extra_context=None):
        from .auth import ParkAdminAuthenticationForm  # imported late: this module is loaded while apps load

        self.login_form = ParkAdminAuthenticationForm
        return super().login(request, extra_context)

    def has_permission(self, request):
        """Let in active staff accounts that are park staff or bureau admins; never a tenant user."""
        from .access import is_park_staff  # imported late: this module is loaded while apps load

        user = request.user
        return bool(user.is_active and user.is_staff and is_park_staff(user))

    def register(self, model_or_iterable, admin_class=None, **options):
        """Register as Django does, with the park's input rules: every date the admin's forms (inlines too)
        accept is held to the product's range, and an add page's initial values from the query string
        are checked (SafeInitialMixin)."""
        admin_class = admin_class or admin.ModelAdmin
        for cls in (admin_class, *getattr(admin_class, "inlines", ())):
            hold_dates_to_range(cls)
        if not issubclass(admin_class, SafeInitialMixin):
            admin_class = type(admin_class.__name__, (SafeInitialMixin, admin_class), {"__module__": admin_class.__module__})
        admin_class.inlines = [
            inline if issubclass(inline, SafeAutocompleteMixin)
            else type(inline.__name__, (SafeAutocompleteMixin, inline), {"__module__": inline.__module__})
            for inline in admin_class.inlines
        ]
        super().register(model_or_iterable, admin_class, **options)

    def get_app_list(self, request, app_label=None):
        """Return the apps in the park's order (zones, firms, leases), models in the park's order."""
        apps = super().get_app_list(request, app_label)
        apps.sort(key=lambda app: _position(APP_ORDER, app["app_label"]))
        for app in apps:
            order = MODEL_ORDER.get(app["app_label"], [])
            app["models"].sort(key=lambda m: _position(order, m["object_name"]))
        return apps


class ParkAdminConfig(AdminConfig):
    """django.contrib.admin with ParkAdminSite as the default site."""

    default_site = "parkops.core.admin_site.ParkAdminSite"
