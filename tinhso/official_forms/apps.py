from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficialFormsConfig(AppConfig):
    name = "tinhso.official_forms"
    label = "official_forms"
    verbose_name = _("One-stop forms")

    def ready(self):
        from tinhso.dossiers.signals import dossier_accepted, supplement_requested
        from tinhso.motcua.parts import register_part
        from tinhso.motcua.signals import dossier_extended, dossier_refused, dossier_stopped
        from tinhso.official_forms import actions, rules, views  # noqa: F401 - registers the permission rules

        dossier_accepted.connect(actions.issue_receipt, dispatch_uid="official_forms.issue_receipt")
        supplement_requested.connect(
            actions.issue_supplement_request, dispatch_uid="official_forms.issue_supplement_request"
        )
        dossier_refused.connect(actions.issue_refusal, dispatch_uid="official_forms.issue_refusal")
        dossier_extended.connect(
            actions.issue_extension_letter, dispatch_uid="official_forms.issue_extension_letter"
        )
        dossier_stopped.connect(actions.issue_stop_notice, dispatch_uid="official_forms.issue_stop_notice")
        register_part("official_forms/_dossier_forms.html", views.dossier_part)
