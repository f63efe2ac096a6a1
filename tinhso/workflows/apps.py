from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "tinhso.workflows"
    label = "workflows"
    verbose_name = _("Processing workflows")

    def ready(self):
        from tinhso.workflows import actions  # noqa: F401  (rules)
