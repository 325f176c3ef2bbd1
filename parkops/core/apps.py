from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "parkops.core"
    label = "core"
    verbose_name = _("公共")

    def ready(self):
        from parkops.core import lookups  # noqa: F401  registers field__in_ids
