from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "tinhso.dossiers"
    label = "dossiers"
    verbose_name = _("Dossiers")

    def ready(self):
        from tinhso.dossiers import personal_data, retention, rules  # noqa: F401 - rules, retention, data export
