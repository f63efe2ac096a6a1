from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorktimeConfig(AppConfig):
    name = "tinhso.worktime"
    label = "worktime"
    verbose_name = _("Working calendar")

    def ready(self):
        from tinhso.worktime import rules  # noqa: F401 - registers the rule
