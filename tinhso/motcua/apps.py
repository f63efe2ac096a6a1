from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MotcuaConfig(AppConfig):
    name = "tinhso.motcua"
    label = "motcua"
    verbose_name = _("One-stop back office")

    def ready(self):
        from tinhso.documents import links
        from tinhso.dossiers.rules import register_viewer
        from tinhso.motcua import rules
        from tinhso.motcua.parts import register_part

        # Whoever may open a dossier here reads its documents and answers too (the attachments
        # are served by the dossiers app, below this one).
        register_viewer(rules.may_view)

        # The official documents linked to the dossier (the documents app is below this one).
        register_part("documents/_dossier_links.html", links.dossier_part)
