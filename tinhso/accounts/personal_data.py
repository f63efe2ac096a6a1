"""What a person may see about their own data (Law 91/2025/QH15 on personal data protection,
art. 4: the data subject's rights to know about the processing of their data, to view it and to
have it provided; Decree 356/2025/NĐ-CP).

``read_rows`` turns the read log (``tinhso.audit.services.record_personal_data_read``) into what
the account page shows: when, which agency and role, why, for which dossier or report. The law
names the controller (the agency) as the one who processes the data; it does not say, as far as
could be checked, that the officer's own name must be shown, so the page shows the agency and the
role, not the officer (the name stays in the audit trail for inspectors).

``collect`` gathers everything the platform holds about one person for the export: only rows that
are theirs, and of other people nothing but the agency that handled or read their data.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.models import Role
from tinhso.audit.services import personal_data_reads_about

# What the purpose codes given to ``record_personal_data_read`` mean to the person.
PURPOSES = {
    "motcua.handle_dossier": _("Handling your dossier"),
    "motcua.draft_result": _("Preparing the result of your dossier"),
    "dossiers.attachment": _("Opening a document attached to your dossier"),
    "dossiers.api_view": _("Reading your dossier through the back-office interface"),
    "official_forms.register": _("Keeping the dossier register (Form 07)"),
    "feedback.handle": _("Handling your feedback report"),
    "accounts.admin_view": _("Account administration"),
    "payments.admin_view": _("Checking a payment"),
    "payments.receipt": _("Viewing the receipt of your payment"),
    "signing.download": _("Downloading the signed result of your dossier"),
}
FORM_PURPOSE_PREFIX = "official_forms.form_"
ADMIN_ROLE = "admin"


def purpose_label(code: str) -> str:
    if code in PURPOSES:
        return str(PURPOSES[code])
    if code.startswith(FORM_PURPOSE_PREFIX):
        return str(
            _("Printing form %(number)s of your dossier") % {"number": code.removeprefix(FORM_PURPOSE_PREFIX)}
        )
    return code


def role_label(codes: str) -> str:
    labels = []
    for code in filter(None, codes.split(",")):
        if code == ADMIN_ROLE:
            labels.append(str(_("System administrator")))
        else:
            labels.append(str(Role(code).label) if code in Role.values else code)
    return ", ".join(labels)


def read_rows(person):
    """The read log about ``person``, newest first, as (entry, row) pairs for a paginator."""
    return personal_data_reads_about(person)


def read_row(entry) -> dict:
    data = entry.data
    return {
        "at": entry.at,
        "agency": data.get("agency", ""),
        "role": role_label(data.get("role", "")),
        "purpose": purpose_label(data.get("purpose", "")),
        "reference": data.get("reference", ""),
        "fields": data.get("fields", []),
    }


def _answer_rows(dossier, context) -> list[dict]:
    """The e-form answers with their labels, as the dossier page shows them."""
    from tinhso.dossiers import answers

    pages = (dossier.procedure.eform or {}).get("pages", [])
    return [row for page in pages for row in answers.display_rows(page["fields"], dossier.form_data, context)]


def _dossiers(person, readable: bool) -> list[dict]:
    from tinhso.dossiers import answers
    from tinhso.dossiers.models import Dossier, DossierRating

    dossiers = (
        Dossier.objects.filter(applicant=person)
        .select_related("procedure", "receiving_agency")
        .prefetch_related("attachments__required_document")
        .order_by("created_at", "pk")
    )
    ratings = {
        rating.dossier_id: rating for rating in DossierRating.objects.filter(dossier__applicant=person)
    }
    context = answers.Context()
    rows = [
        {
            "code": dossier.code or "",
            "submission_reference": dossier.submission_reference or "",
            "draft": dossier.is_draft,
            "procedure": f"{dossier.procedure.code} — {dossier.procedure.name}",
            "agency": dossier.receiving_agency.name if dossier.receiving_agency_id else "",
            "channel": dossier.get_channel_display(),
            "status": dossier.get_status_display(),
            "applicant": {
                "name": dossier.applicant_name,
                "cccd": dossier.applicant_cccd,
                "phone": dossier.applicant_phone,
                "email": dossier.applicant_email,
                "address": dossier.applicant_address,
            },
            "answers": dossier.form_data,
            "attachments": [
                {
                    "name": item.original_name,
                    "document": item.required_document.name if item.required_document_id else "",
                    "content_type": item.content_type,
                    "size": item.size,
                    "uploaded_at": item.uploaded_at,
                }
                for item in dossier.attachments.all()
            ],
            "rating": {"stars": ratings[dossier.pk].stars, "comment": ratings[dossier.pk].comment}
            if dossier.pk in ratings
            else None,
            "created_at": dossier.created_at,
            "submitted_at": dossier.submitted_at,
            "received_at": dossier.received_at,
            "due_at": dossier.due_at,
            "finished_at": dossier.finished_at,
            "returned_at": dossier.returned_at,
        }
        for dossier in dossiers
    ]
    if readable:
        for row, dossier in zip(rows, dossiers, strict=True):
            row["answer_rows"] = _answer_rows(dossier, context)
    return rows


def _payments(person) -> list[dict]:
    from tinhso.payments.models import Payment, Receipt

    receipts = {receipt.payment_id: receipt for receipt in Receipt.objects.filter(payer=person)}
    rows = []
    for payment in (
        Payment.objects.filter(payer=person).select_related("dossier").order_by("created_at", "pk")
    ):
        receipt = receipts.get(payment.pk)
        rows.append(
            {
                "dossier": payment.dossier.display_code,
                "amount": payment.amount,
                "status": payment.get_status_display(),
                "created_at": payment.created_at,
                "paid_at": payment.paid_at,
                "receipt": {"number": receipt.number, "total": receipt.total, "issued_at": receipt.issued_at}
                if receipt
                else None,
            }
        )
    return rows


def _reports(person) -> list[dict]:
    from tinhso.feedback.models import Report

    reports = Report.objects.filter(reporter=person).select_related("category").order_by("received_at", "pk")
    return [
        {
            "code": report.code or "",
            "category": report.category.name,
            "description": report.description,
            "address": report.address,
            "contact": {
                "name": report.contact_name,
                "phone": report.contact_phone,
                "email": report.contact_email,
            },
            "anonymous": report.anonymous,
            "state": report.get_state_display(),
            "received_at": report.received_at,
            "closed_at": report.closed_at,
            "answers": [
                answer.text for answer in report.answers.exclude(approved_at=None).order_by("created_at")
            ],
        }
        for report in reports
    ]


def _documents(person) -> list[dict]:
    from tinhso.dossiers.models import PersonalDocument

    return [
        {
            "title": document.title,
            "source": document.get_source_display(),
            "content_type": document.content_type,
            "size": document.size,
            "added_at": document.created_at,
        }
        for document in PersonalDocument.objects.filter(owner=person).order_by("created_at", "pk")
    ]


def collect(person, readable: bool = False) -> dict:
    """Everything held about ``person``: account, dossiers with their answers and attachment
    list, payments and receipts, feedback reports, personal documents and the read log.
    ``readable`` adds each dossier's answers with their labels (for the printable page)."""
    memberships = person.memberships.select_related("agency").order_by("valid_from", "pk")
    return {
        "generated_at": timezone.now(),
        "account": {
            "full_name": person.full_name,
            "username": person.username,
            "kind": person.get_kind_display(),
            "cccd": person.cccd or "",
            "date_of_birth": person.date_of_birth,
            "gender": person.get_gender_display(),
            "phone": person.phone,
            "email": person.email,
            "tax_code": person.tax_code,
            "date_joined": person.date_joined,
            "last_login": person.last_login,
            "two_step_verification": person.totp_enabled,
            "single_sign_on": [identity.provider for identity in person.external_identities.all()],
            "roles": [
                {
                    "agency": membership.agency.name,
                    "role": membership.get_role_display(),
                    "valid_from": membership.valid_from,
                    "valid_to": membership.valid_to,
                }
                for membership in memberships
            ],
        },
        "dossiers": _dossiers(person, readable),
        "payments": _payments(person),
        "feedback_reports": _reports(person),
        "personal_documents": _documents(person),
        "reads": [read_row(entry) for entry in read_rows(person)],
    }
