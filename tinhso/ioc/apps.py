from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IocConfig(AppConfig):
    name = "tinhso.ioc"
    label = "ioc"
    verbose_name = _("Operations centre")

    def ready(self):
        from tinhso.ioc import rules  # noqa: F401  (registers "ioc.view" and "ioc.configure")
