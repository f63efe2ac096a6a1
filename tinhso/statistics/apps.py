from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatisticsConfig(AppConfig):
    name = "tinhso.statistics"
    label = "statistics"
    verbose_name = _("Statistics")

    def ready(self):
        from tinhso.statistics import rules  # noqa: F401  (registers "statistics.view")
