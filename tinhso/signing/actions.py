"""Business actions of the signing app.

``issue_signed_result(actor, dossier, pdf_bytes, title) -> SignedDocument`` is what the back
office calls when a leader signs a dossier's electronic result: the verification QR code is
stamped on the last page, the PDF is signed with the certificate of the agency competent for the
dossier (``competent_agency``: a department for a dossier received at a service centre; PAdES
B-B), stored under a random name, registered for the public verification page, audited, and
copied into the applicant's personal document store as a result of the dossier.

``demo_ca`` creates the demo root CA once, audited. ``issue_agency_certificate`` gives an
agency a new signing certificate from a CA the platform holds (the demo CA by default; province
administrators only), audited.
"""

import datetime
import hashlib
import secrets
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.accounts.permissions import Actor, require
from tinhso.agencies.models import Agency
from tinhso.audit.services import record
from tinhso.core.links import site_url
from tinhso.core.text import nfc
from tinhso.dossiers.actions import competent_agency
from tinhso.dossiers.models import Dossier, PersonalDocument, Status
from tinhso.signing import ca, keys
from tinhso.signing.models import AgencyCertificate, SignedDocument, TrustRoot
from tinhso.signing.pdf import active_certificate, sign_pdf
from tinhso.signing.stamp import stamp_verification


def demo_ca(actor: Actor = None, request: HttpRequest | None = None) -> TrustRoot:
    """The demo root CA, created on first use: its creation is audited. ``actor`` None is the
    platform itself (a command); a person must be allowed to manage certificates."""
    if actor is not None:
        require(actor, "signing.manage_certificates")
    with transaction.atomic():
        existing = (
            TrustRoot.objects.select_for_update().filter(is_demo=True).exclude(private_key_encrypted="")
        )
        root = existing.order_by("created_at").first()
        if root is not None:
            return root
        certificate, key = ca.demo_root_certificate()
        root = TrustRoot.objects.create(
            name=ca.demo_ca_name(),
            certificate_pem=keys.certificate_pem(certificate),
            private_key_encrypted=keys.encrypt_private_key(key),
            is_demo=True,
        )
        record(
            actor,
            "signing.create_demo_ca",
            root,
            {
                "name": root.name,
                "fingerprint": root.fingerprint,
                "valid_from": certificate.not_valid_before_utc.isoformat(),
                "valid_to": certificate.not_valid_after_utc.isoformat(),
            },
            request,
            new=True,
        )
    return root


def issue_agency_certificate(
    actor: Actor,
    agency: Agency,
    issuer: TrustRoot | None = None,
    request: HttpRequest | None = None,
    **validity: datetime.datetime,
) -> AgencyCertificate:
    """A new active certificate for ``agency`` signed by ``issuer`` (default the demo CA); the
    previous active one is deactivated. ``actor`` None is the platform itself (a command)."""
    if actor is not None:
        require(actor, "signing.manage_certificates", agency)
    with transaction.atomic():
        issuer = issuer or demo_ca(actor, request)
        certificate, key = ca.issue_certificate(agency, issuer, **validity)
        replaced = list(
            AgencyCertificate.objects.filter(agency=agency, is_active=True).values_list("pk", flat=True)
        )
        AgencyCertificate.objects.filter(pk__in=replaced).update(is_active=False)
        issued = AgencyCertificate.objects.create(
            agency=agency,
            certificate_pem=keys.certificate_pem(certificate),
            chain_pem=issuer.certificate_pem,
            private_key_encrypted=keys.encrypt_private_key(key),
            valid_from=certificate.not_valid_before_utc,
            valid_to=certificate.not_valid_after_utc,
        )
        record(
            actor,
            "signing.issue_certificate",
            issued,
            {
                "agency": agency.code,
                "issuer": issuer.name,
                "serial": format(certificate.serial_number, "x"),
                "valid_from": issued.valid_from.isoformat(),
                "valid_to": issued.valid_to.isoformat(),
                "replaced": replaced,
            },
            request,
            new=True,
        )
    return issued


def ensure_agency_certificate(
    actor: Actor, agency: Agency, issuer: TrustRoot | None = None
) -> tuple[AgencyCertificate, bool]:
    """The agency's active, currently valid certificate, issuing one if needed: (cert, created)."""
    current = AgencyCertificate.objects.filter(agency=agency, is_active=True).first()
    if current is not None and current.is_valid_at():
        return current, False
    return issue_agency_certificate(actor, agency, issuer), True


# A result is not signed for a dossier that was refused, withdrawn or stopped.
CLOSED_WITHOUT_RESULT = frozenset({Status.REFUSED, Status.WITHDRAWN, Status.STOPPED})
MAX_TITLE = 255


def verification_url(document_id: uuid.UUID) -> str:
    base: str = site_url()
    return base + reverse("signing:verify", args=[document_id])


def _province_name(agency: Agency) -> str:
    unit = agency.unit
    while unit.parent is not None:
        unit = unit.parent
    return unit.name.removeprefix("Tỉnh ").removeprefix("Thành phố ")


def issue_signed_result(actor: User, dossier: Dossier, pdf_bytes: bytes, title: str) -> SignedDocument:
    require(actor, "signing.sign", dossier)
    title = nfc(title)
    if not title:
        raise ValidationError(_("Enter the title of the result."), code="title")
    if len(title) > MAX_TITLE:
        raise ValidationError(_("The title is too long."), code="title")
    if dossier.is_draft or dossier.status in CLOSED_WITHOUT_RESULT:
        raise ValidationError(_("This dossier cannot receive a result."), code="status")
    agency = competent_agency(dossier)
    certificate = active_certificate(agency)
    document_id = uuid.uuid4()
    stamped = stamp_verification(pdf_bytes, verification_url(document_id), document_id)
    signer_name = nfc(actor.full_name) or actor.get_username()
    signed = sign_pdf(
        stamped,
        agency,
        reason=_("Electronic result of dossier %(code)s") % {"code": dossier.code},
        location=_province_name(agency),
        signer_name=signer_name,
    )
    digest = hashlib.sha256(signed).hexdigest()
    now = timezone.now()
    name = default_storage.save(f"ket-qua/{now:%Y/%m}/{secrets.token_hex(16)}.pdf", ContentFile(signed))
    try:
        with transaction.atomic():
            document = SignedDocument.objects.create(
                id=document_id,
                title=title,
                agency=agency,
                dossier=dossier,
                certificate=certificate,
                file=name,
                size=len(signed),
                sha256=digest,
                signed_at=now,
                signer=actor,
                signer_name=signer_name,
            )
            if dossier.applicant_id:
                PersonalDocument.objects.get_or_create(
                    owner_id=dossier.applicant_id,
                    sha256=digest,
                    defaults={
                        "title": title,
                        "source": PersonalDocument.Source.RESULT,
                        "dossier": dossier,
                        "file": name,
                        "content_type": "application/pdf",
                        "size": len(signed),
                    },
                )
            record(
                actor,
                "signing.issue_result",
                document,
                {
                    "dossier": dossier.code,
                    "title": title,
                    "sha256": digest,
                    "certificate": certificate.fingerprint,
                },
            )
    except Exception:
        default_storage.delete(name)
        raise
    return document
