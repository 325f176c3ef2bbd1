from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeasesConfig(AppConfig):
    name = "parkops.leases"
    label = "leases"
    verbose_name = _("租约与分配")
