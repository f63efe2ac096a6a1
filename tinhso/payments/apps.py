from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "tinhso.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self):
        from tinhso.payments import personal_data, rules  # noqa: F401 - rules, personal-data export
