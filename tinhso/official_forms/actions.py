"""Business actions of the one-stop forms.

``issue_form(actor, dossier, number, agency=None, at=None, letter=None) -> IssuedForm | None``
is called inside the transaction of the action that issues a form to the applicant of an online
dossier, on the signal that action sends: Form 01 when it is accepted (the engine's
``dossier_accepted``), 02 when it must be completed (``dossiers.request_supplement``), 03 when it
is refused, 04 with an extension, 05 when it is stopped (``tinhso.motcua.signals``); Forms 04 and
05 are letters, registered first in the agency's outgoing register (``letters.issue_letter``,
audited as ``official_forms.letter``, walk-ins' letters too). The action keeps the form's text as
it stands then (``IssuedForm.html``); ``sign_issued_form(issued_id)`` prints it, signs it with
the issuing agency's certificate through the signing app (``sign_pdf``, PAdES B-B) and keeps the
signed bytes, once: the task worker does it just after the action commits
(``tasks.sign_form``), or the first download if that comes first. Printing and signing cost
about nine tenths of an officer's reception (120 of 140 ms of CPU measured), which the officer
no longer waits for; the document is the same whichever of the two signs it.

Who signs: a form is an administrative paper of the agency that issues it; on an electronic
paper the agency's seal is its digital signature ("Dấu, chữ ký số của cơ quan, tổ chức",
Decree 30/2020/NĐ-CP Art. 8(2)(h) and Appendix I), and the 2025 forms carry the note that an
electronic form bears a digital signature (as reproduced in Decision 3621/QĐ-BYT; the text of
Circular 03/2025/TT-VPCP itself could not be read, nor what Decree 118/2025 says on signing
the forms). The platform holds organisation certificates only, so the officer who acted is named
in the signature (``/Name``) but does not sign personally (Decree 30/2020's signature of the
competent person, item (g), is not applied: unverified whether the forms need it).

An online dossier's forms are issued electronically; a walk-in's are printed and signed by hand
at the counter. An agency without a valid certificate cannot issue an electronic paper: the
action goes on, the form is printed instead, and the audit trail says why (``not_issued``).
"""

import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.agencies.places import place_name
from tinhso.audit.services import record
from tinhso.core.pdf import html_to_pdf
from tinhso.core.text import nfc
from tinhso.dossiers.models import Channel, Dossier
from tinhso.official_forms.letters import issue_letter
from tinhso.official_forms.models import IssuedForm, Letter
from tinhso.official_forms.rendering import form_html
from tinhso.official_forms.tasks import sign_form
from tinhso.signing.pdf import active_certificate, sign_pdf

# The forms sent to the applicant: 01 receipt, 02 supplement request, 03 refusal, 04 extension
# apology, 05 stop notice. Form 06 travels with the dossier between agencies (printed by the
# back office), Form 07 is the desk's book.
ISSUED_FORMS = frozenset({1, 2, 3, 4, 5})


def issued_electronically(dossier: Dossier) -> bool:
    """Whether ``dossier``'s forms go to the applicant electronically: it was submitted online."""
    return dossier.channel == Channel.ONLINE


def issue_form(
    actor: User | None,
    dossier: Dossier,
    number: int,
    agency: Agency | None = None,
    at: datetime.datetime | None = None,
    letter: Letter | None = None,
) -> IssuedForm | None:
    """Render, sign and keep Form ``number`` of a locked ``dossier`` in the name of ``agency``
    (default: the receiving agency). Returns ``None`` for a walk-in's dossier, and, audited,
    when the agency has no valid certificate. Call inside the issuing action's transaction."""
    if number not in ISSUED_FORMS:
        raise ValueError(f"Form {number!r} is not issued to the applicant.")
    if not issued_electronically(dossier):
        return None
    agency = agency or dossier.receiving_agency
    at = at or timezone.now()
    try:
        certificate = active_certificate(agency)
    except ValidationError as refusal:
        record(
            actor,
            "official_forms.not_issued",
            dossier,
            {"form": number, "agency": agency.code, "reason": refusal.messages},
        )
        return None
    issued = IssuedForm.objects.create(
        dossier=dossier,
        form_number=number,
        agency=agency,
        certificate=certificate,
        letter=letter,
        html=form_html(number, dossier, date=timezone.localdate(at)),
        issued_at=at,
        actor=actor,
    )
    # In the action's transaction: the database queue's worker takes it once that commits (the
    # tests' immediate queue signs it at once).
    sign_form.enqueue(issued.pk)
    return issued


def signed_bytes(issued: IssuedForm) -> bytes:
    """The signed PDF of ``issued``, signed now when the worker has not done it yet."""
    content = issued.content if issued.content is not None else sign_issued_form(issued.pk).content
    assert content is not None  # sign_issued_form always keeps the bytes
    return bytes(content)


def sign_issued_form(issued_id: int) -> IssuedForm:
    """Print the issued form's kept text, sign it with its agency's certificate and keep the
    signed bytes, audited as ``official_forms.issue`` with their digest; a form already signed is
    returned as it is. The row lock makes the worker and a download sign it once between them."""
    with transaction.atomic():
        issued = (
            IssuedForm.objects.select_for_update(of=("self",))
            .select_related("dossier", "agency", "actor")
            .get(pk=issued_id)
        )
        if issued.content is not None:
            return issued
        agency, actor, dossier = issued.agency, issued.actor, issued.dossier
        certificate = active_certificate(agency)
        signer_name = (nfc(actor.full_name) or actor.get_username()) if actor else agency.name
        signed = sign_pdf(
            html_to_pdf(issued.html),
            agency,
            reason=_("Form %(number)02d of dossier %(code)s")
            % {"number": issued.form_number, "code": dossier.code},
            location=place_name(agency),
            signer_name=signer_name,
        )
        issued.content, issued.size = signed, len(signed)
        issued.sha256, issued.certificate = hashlib.sha256(signed).hexdigest(), certificate
        issued.save(update_fields=["content", "size", "sha256", "certificate"])
        record(
            actor,
            "official_forms.issue",
            dossier,
            {
                "form": issued.form_number,
                "agency": agency.code,
                "sha256": issued.sha256,
                "certificate": certificate.fingerprint,
            },
        )
    return issued


def issue_receipt(
    sender: object, dossier: Dossier, actor: User | None, at: datetime.datetime, **kwargs: object
) -> None:
    """Form 01 (receipt and appointment) when the flow engine accepts a dossier
    (``tinhso.dossiers.signals.dossier_accepted``)."""
    issue_form(actor, dossier, 1, at=at)


def issue_supplement_request(
    sender: object, dossier: Dossier, actor: User | None, at: datetime.datetime, **kwargs: object
) -> None:
    """Form 02 (request to complete the dossier) when a supplement is requested
    (``tinhso.dossiers.signals.supplement_requested``)."""
    issue_form(actor, dossier, 2, at=at)


def issue_refusal(
    sender: object, dossier: Dossier, actor: User | None, at: datetime.datetime, **kwargs: object
) -> None:
    """Form 03 (refusal) when a dossier is refused (``tinhso.motcua.signals.dossier_refused``)."""
    issue_form(actor, dossier, 3, at=at)


def _issue_letter_form(
    actor: User | None, dossier: Dossier, number: int, agency: Agency, at: datetime.datetime
) -> None:
    letter = issue_letter(dossier, number, agency, actor, at)
    record(
        actor,
        "official_forms.letter",
        dossier,
        {"form": number, "agency": agency.code, "letter": letter.reference},
    )
    issue_form(actor, dossier, number, agency, at, letter)


def issue_extension_letter(
    sender: object,
    dossier: Dossier,
    agency: Agency,
    actor: User | None,
    at: datetime.datetime,
    **kwargs: object,
) -> None:
    """Form 04 (apology and extension) in the name of the agency that is late, numbered in its
    outgoing register (``tinhso.motcua.signals.dossier_extended``)."""
    _issue_letter_form(actor, dossier, 4, agency, at)


def issue_stop_notice(
    sender: object, dossier: Dossier, actor: User | None, at: datetime.datetime, **kwargs: object
) -> None:
    """Form 05 (stop notice) of the receiving agency, numbered in its outgoing register
    (``tinhso.motcua.signals.dossier_stopped``)."""
    _issue_letter_form(actor, dossier, 5, dossier.receiving_agency, at)
