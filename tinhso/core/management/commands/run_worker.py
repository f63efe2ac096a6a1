"""``manage.py run_worker``: the task worker (``db_worker`` of django-tasks-db) that outlives
database outages.

``db_worker`` exits on the first ``OperationalError`` or ``InterfaceError`` (PostgreSQL restarted,
failed over, the network gone) and stays down. This command runs the same worker loop and, when the
database goes away, closes the connections, waits and starts the loop again: 1 s, then twice as
long each time, at most ``--max-delay`` seconds (default 60), logging each retry. A loop that ran
longer than the longest delay before failing starts again from 1 s. SIGTERM and SIGINT still stop
it, also while it waits.

A job the worker was running when the database went away, or when the process was killed, stays
"running" for ever. So before each loop the worker puts back in the queue the jobs still marked
running under its own id: with a stable ``--worker-id`` (the systemd unit gives hostname and
instance), a worker restarted after kill -9 runs again what it had in hand. The platform's jobs
are safe to run twice (notifications are rows marked sent, rollups and anchors pick up where they
stopped).
"""

import logging
import time

from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("tinhso.worker")

FIRST_DELAY = 1.0


def requeue_abandoned(worker_id: str, backend_name: str) -> None:
    """Put back in the queue the jobs still marked running under ``worker_id``: this process is
    not running them, so the worker that claimed them died or lost the database."""
    for job in DBTaskResult.objects.running().filter(backend_name=backend_name):
        if job.worker_ids and job.worker_ids[-1] == worker_id:
            logger.warning("Job %s (%s) was abandoned by this worker; queued again.", job.id, job.task_path)
            DBTaskResult.objects.filter(pk=job.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.READY, started_at=None
            )


class Command(DbWorkerCommand):
    help = (
        "Run a database background worker that reconnects with growing delays when the database "
        "goes away (instead of exiting like db_worker)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--max-delay",
            type=float,
            default=60.0,
            help="The longest wait between two reconnection attempts, in seconds (default: %(default)s).",
        )

    def handle(self, *args, max_delay, **options):
        if not max_delay >= FIRST_DELAY:
            raise CommandError(f"--max-delay must be at least {FIRST_DELAY:.0f} s.")
        delay = FIRST_DELAY
        retries = 0
        while True:
            started = time.monotonic()
            try:
                requeue_abandoned(options["worker_id"], options["backend_name"])
                return super().handle(*args, **options)
            except (OperationalError, InterfaceError) as error:
                if time.monotonic() - started > max_delay:
                    delay = FIRST_DELAY
                retries += 1
                logger.warning(
                    "The database is unreachable (%s: %s); retry %d in %.0f s.",
                    type(error).__name__,
                    str(error).strip().splitlines()[0] if str(error).strip() else "",
                    retries,
                    delay,
                )
                connections.close_all()
                time.sleep(delay)
                delay = min(delay * 2, max_delay)
