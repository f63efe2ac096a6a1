"""Background tasks: telling the applicant about their dossier by email and SMS."""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from tinhso.dossiers import mailer
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.sms import get_provider
from tinhso.dossiers.status import status_label

SUBMITTED = "submitted"
STATUS_CHANGED = "status_changed"
# What the messages say, read in plain SQL: the worker sends one notification per submission and
# status change, and building this query through the ORM cost it more than the query itself.
MESSAGE_SQL = """
SELECT d.code, d.status, d.applicant_name, d.applicant_email, d.applicant_phone, p.name, a.name
FROM dossiers_dossier d
JOIN procedures_procedure p ON p.id = d.procedure_id
JOIN agencies_agency a ON a.id = d.receiving_agency_id
WHERE d.id = %s
"""


@dataclass(frozen=True)
class Recipient:
    """The dossier as its notifications speak of it."""

    code: str
    status: int
    name: str
    email: str
    phone: str
    procedure: str
    agency: str


def tracking_url(code: str) -> str:
    base = getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")
    return base + reverse("dossiers:track_code", args=[code])


def _message(recipient: Recipient, kind: str) -> tuple[str, str, str]:
    """(email subject, email body, SMS text)."""
    values = {
        "code": recipient.code,
        "procedure": recipient.procedure,
        "agency": recipient.agency,
        "status": status_label(recipient.status),
        "url": tracking_url(recipient.code),
        "name": recipient.name,
    }
    if kind == SUBMITTED:
        subject = _("Dossier %(code)s has been submitted") % values
        body = (
            _(
                "Dear %(name)s,\n\nYour dossier for “%(procedure)s” has been submitted to %(agency)s.\n"
                "Dossier code: %(code)s\n\nTrack it at %(url)s with your phone number or the last digits "
                "of your citizen ID.\n"
            )
            % values
        )
        sms = _("Your dossier %(code)s has been submitted. Track it at %(url)s") % values
    else:
        subject = _("Dossier %(code)s: %(status)s") % values
        body = (
            _(
                "Dear %(name)s,\n\nThe status of your dossier %(code)s (“%(procedure)s”) is now: "
                "%(status)s.\n\n"
                "Track it at %(url)s\n"
            )
            % values
        )
        sms = _("Dossier %(code)s: %(status)s. %(url)s") % values
    return subject, body, sms


@task()
def notify_applicant(dossier_id: int, kind: str) -> list[str]:
    """Email and text the applicant; returns the channels used."""
    with connection.cursor() as cursor:
        cursor.execute(MESSAGE_SQL, [dossier_id])
        row = cursor.fetchone()
    if row is None:
        raise Dossier.DoesNotExist(f"No dossier {dossier_id}.")
    recipient = Recipient(*row)
    sent = []
    with translation.override(settings.LANGUAGE_CODE):
        subject, body, sms = _message(recipient, kind)
        if recipient.email:
            mailer.send(subject, body, recipient.email)
            sent.append("email")
        if recipient.phone:
            get_provider().send(recipient.phone, sms)
            sent.append("sms")
    return sent
