from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "tinhso.documents"
    label = "documents"
    verbose_name = _("Official documents")

    def ready(self):
        from tinhso.documents import rules  # noqa: F401 - registers the permission rules
