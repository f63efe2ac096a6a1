from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficialFormsConfig(AppConfig):
    name = "tinhso.official_forms"
    label = "official_forms"
    verbose_name = _("One-stop forms")

    def ready(self):
        from tinhso.official_forms import rules  # noqa: F401 - registers the permission rules
