from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    name = "tinhso.signing"
    label = "signing"
    verbose_name = _("Electronic signatures")

    def ready(self):
        from tinhso.signing import rules  # noqa: F401 - registers the permission rules
