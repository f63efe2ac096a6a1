from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpendataConfig(AppConfig):
    name = "tinhso.opendata"
    label = "opendata"
    verbose_name = _("Open data")

    def ready(self):
        from tinhso.motcua.parts import register_link
        from tinhso.opendata import rules  # noqa: F401  (registers "opendata.manage")

        register_link("opendata:index", _("Open data"), "opendata.manage")
