from django.apps import AppConfig
from django.core.signals import request_finished, request_started
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tinhso.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self):
        from tinhso.core import checks, reference  # noqa: F401 - checks registers the deployment checks

        request_started.connect(reference.request_started, dispatch_uid="core.reference.started")
        request_finished.connect(reference.request_finished, dispatch_uid="core.reference.finished")
        connection_created.connect(reference.install_wrapper, dispatch_uid="core.reference.wrapper")
