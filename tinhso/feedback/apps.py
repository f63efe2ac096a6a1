from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "tinhso.feedback"
    label = "feedback"
    verbose_name = _("Citizen feedback")

    def ready(self):
        from tinhso.feedback import rules  # noqa: F401 - registers the permission rules
