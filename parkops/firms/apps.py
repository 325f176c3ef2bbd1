from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FirmsConfig(AppConfig):
    name = "parkops.firms"
    label = "firms"
    verbose_name = _("入驻企业")
