"""django-tasks-db with Vietnamese names in the administration: the package's app name
("Tasks Database Backend") and three of its admin columns are plain strings, not translatable."""

from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class BackgroundTasksConfig(TasksAppConfig):
    verbose_name = _("Background tasks")

    def ready(self):
        super().ready()
        from django.contrib import admin
        from django_tasks_db.admin import DBTaskResultAdmin
        from django_tasks_db.models import DBTaskResult

        class TranslatedTaskResultAdmin(DBTaskResultAdmin):
            @admin.display(description=_("task"))
            def task_name(self, obj):
                return obj.task_name

            @admin.display(description=_("traceback"))
            def formatted_traceback(self, obj):
                return super().formatted_traceback(obj)

            @admin.display(description=_("run after"))
            def display_run_after(self, obj):
                return super().display_run_after(obj)

        # The admin (listed before this app) has already registered the package's own.
        admin.site.unregister(DBTaskResult)
        admin.site.register(DBTaskResult, TranslatedTaskResultAdmin)
