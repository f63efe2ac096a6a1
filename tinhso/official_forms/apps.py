from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficialFormsConfig(AppConfig):
    name = "tinhso.official_forms"
    label = "official_forms"
    verbose_name = _("One-stop forms")

    def ready(self):
        from tinhso.dossiers.signals import dossier_accepted, supplement_requested
        from tinhso.official_forms import actions, rules  # noqa: F401 - registers the permission rules

        dossier_accepted.connect(actions.issue_receipt, dispatch_uid="official_forms.issue_receipt")
        supplement_requested.connect(
            actions.issue_supplement_request, dispatch_uid="official_forms.issue_supplement_request"
        )
