from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "tinhso.workflows"
    label = "workflows"
    verbose_name = _("Processing workflows")

    def ready(self):
        from tinhso.dossiers.signals import dossier_completed_at_reception, dossier_created
        from tinhso.workflows import actions

        dossier_created.connect(actions.put_on_flow, dispatch_uid="workflows.put_on_flow")
        dossier_completed_at_reception.connect(actions.examine_again, dispatch_uid="workflows.examine_again")
