from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tinhso.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self):
        from tinhso.core import checks  # noqa: F401 - registers the deployment checks
