"""The exchange worker's task: deliver the due packages of the exchange outbox."""

from django_tasks import task

from tinhso.documents.exchange import deliver_due


@task()
def deliver_packages() -> int:
    return deliver_due()


@task()
def notify_withdrawal(incoming_id: int, handler_id: int | None, reason: str) -> int:
    """E-mail the clerks and leaders of the receiving agency, and the person whose assignment was
    pulled back, that the sender revoked, replaced or updated an incoming document; returns the
    number of messages."""
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext as _

    from tinhso.accounts.models import Membership, Role, User
    from tinhso.core import mailer
    from tinhso.documents.models import IncomingDocument

    document = IncomingDocument.objects.select_related("agency", "replaced_by").filter(pk=incoming_id).first()
    if document is None:
        return 0
    users = Membership.objects.active().filter(
        agency=document.agency, role__in=[Role.DOCUMENT_CLERK, Role.LEADER]
    )
    emails = set(
        User.objects.filter(pk__in=users.values("user_id")).exclude(email="").values_list("email", flat=True)
    )
    if handler_id is not None:
        emails |= set(User.objects.filter(pk=handler_id).exclude(email="").values_list("email", flat=True))
    with translation.override("vi"):
        reference = document.reference or document.subject
        if document.state == IncomingDocument.State.REVOKED:
            subject = _("The sender revoked the document %(reference)s") % {"reference": reference}
        elif document.state == IncomingDocument.State.REPLACED:
            subject = _("The sender replaced the document %(reference)s") % {"reference": reference}
        else:
            subject = _("The sender updated the document %(reference)s") % {"reference": reference}
        lines = [subject + ".", "", document.subject, _("Sender: %(name)s") % {"name": document.sender_name}]
        if reason:
            lines += [_("Reason: %(reason)s") % {"reason": reason}]
        if handler_id is not None:
            lines += ["", _("Its handling stops and the assignment is withdrawn.")]
        lines += ["", settings.PLATFORM_NAME]
    for email in sorted(emails):
        mailer.send(subject, "\n".join(lines), email)
    return len(emails)
