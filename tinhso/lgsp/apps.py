from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LgspConfig(AppConfig):
    name = "tinhso.lgsp"
    label = "lgsp"
    verbose_name = _("Integration and data-sharing platform")

    def ready(self):
        from tinhso.lgsp import rules  # noqa: F401 - registers the permission rules
