"""The task worker's webhook run: dispatch the feed's new events and deliver what is due."""

from django_tasks import task

from tinhso.events.webhooks import deliver_due


@task()
def deliver_webhooks() -> int:
    return deliver_due()
