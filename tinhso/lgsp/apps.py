from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LgspConfig(AppConfig):
    name = "tinhso.lgsp"
    label = "lgsp"
    verbose_name = _("Integration and data-sharing platform")

    def ready(self):
        from tinhso.accounts.parts import register_part
        from tinhso.lgsp import retention, rules  # noqa: F401 - the permission rules, the retention schedule
        from tinhso.lgsp.views import account_part
        from tinhso.motcua.parts import register_link

        register_part("lgsp/_account_exchanges.html", account_part)
        register_link("lgsp:health", _("Data-sharing operations"), "lgsp.view_operations")
