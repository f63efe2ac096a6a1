"""The exchange worker's task: deliver the due packages of the exchange outbox."""

from django_tasks import task

from tinhso.documents.exchange import deliver_due


@task()
def deliver_packages() -> int:
    return deliver_due()
