from django.apps import AppConfig
from django.core.signals import request_finished, request_started
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tinhso.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self):
        from django_tasks_db.compat import task_finished, task_started

        from tinhso.core import (
            checks,  # noqa: F401 - registers the deployment checks
            logs,
            reference,
        )

        request_started.connect(reference.request_started, dispatch_uid="core.reference.started")
        request_finished.connect(reference.request_finished, dispatch_uid="core.reference.finished")
        connection_created.connect(reference.install_wrapper, dispatch_uid="core.reference.wrapper")
        task_started.connect(logs.task_started, dispatch_uid="tinhso.core.logs.task_started")
        task_finished.connect(logs.task_finished, dispatch_uid="tinhso.core.logs.task_finished")
