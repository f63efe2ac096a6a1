from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "tinhso.feedback"
    label = "feedback"
    verbose_name = _("Citizen feedback")

    def ready(self):
        from tinhso.core.errors import register_error_format
        from tinhso.feedback import open311, personal_data, retention, rules  # noqa: F401 - rules, retention, data export

        register_error_format("/open311/", open311.error_for_request)
