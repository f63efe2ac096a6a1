"""The task worker's national-portal sync."""

from django_tasks import task

from tinhso.national.sync import BATCH, sync_due


@task()
def sync_portal() -> int:
    """Send the due status changes; when a full batch went, queue the next batch."""
    done = sync_due(BATCH)
    if done >= BATCH:
        sync_portal.enqueue()
    return done
