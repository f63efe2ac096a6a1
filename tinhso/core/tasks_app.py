"""django-tasks-db under a translated name in the administration (the package's own name,
"Tasks Database Backend", is a plain string)."""

from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class BackgroundTasksConfig(TasksAppConfig):
    verbose_name = _("Background tasks")
