from django.core.management.base import BaseCommand

from tinhso.motcua.deadlines import sweep_deadlines


class Command(BaseCommand):
    help = "Mark due-soon and overdue dossiers and notify the assignees and leaders."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="Enqueue the task instead of running it.")

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            from tinhso.motcua.tasks import sweep_deadlines_task

            sweep_deadlines_task.enqueue()
            self.stdout.write("Enqueued.")
            return
        found = sweep_deadlines()
        self.stdout.write(
            f"Due soon: {found['due_soon']}, overdue: {found['overdue']}, "
            f"not examined in time: {found['not_examined']}, "
            f"not transferred in time: {found['not_transferred']}."
        )
