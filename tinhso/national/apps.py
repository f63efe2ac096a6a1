from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NationalConfig(AppConfig):
    name = "tinhso.national"
    label = "national"
    verbose_name = _("National connectors")

    def ready(self):
        from tinhso.dossiers.parts import register_page_part
        from tinhso.dossiers.signals import outbox_written
        from tinhso.motcua.parts import register_link, register_part
        from tinhso.national import rules, sync, views

        outbox_written.connect(sync.wake_on_commit, dispatch_uid="national.wake_portal_sync")
        register_part("national/_population_part.html", views.population_part)
        register_page_part("national/_population_fill.html", views.population_fill_part)
        assert rules  # registers the permission rules
        register_link("national:portal_sync", _("National portal sync"), "national.manage_portal_sync")
