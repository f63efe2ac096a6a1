from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MotcuaConfig(AppConfig):
    name = "tinhso.motcua"
    label = "motcua"
    verbose_name = _("One-stop back office")

    def ready(self):
        from tinhso.motcua import rules  # noqa: F401  (permission rules)
