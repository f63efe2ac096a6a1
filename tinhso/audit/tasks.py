"""Background tasks of the audit trail (django-tasks, database-backed queue)."""

from django_tasks import task

from tinhso.audit.services import anchor_trail


@task()
def anchor_audit_trail() -> str | None:
    """Anchor the audit trail; returns the new anchor's hash, or None when nothing was recorded."""
    anchor = anchor_trail()
    return anchor.hash if anchor else None
