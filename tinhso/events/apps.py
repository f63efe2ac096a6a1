from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "tinhso.events"
    label = "events"
    verbose_name = _("Events and webhooks")

    def ready(self):
        from tinhso.events import retention, rules  # noqa: F401  (registers "events.read" and "events.manage")
        from tinhso.motcua.parts import register_link

        register_link("events:subscriptions", _("Webhooks"), "events.manage")
