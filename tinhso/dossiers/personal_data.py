"""The dossiers' part of the citizen's personal-data export (``tinhso.accounts.personal_data``,
Law 91/2025/QH15 art. 4): their dossiers with answers, attachment list and rating, and their
personal documents."""

from tinhso.accounts import personal_data
from tinhso.dossiers import answers
from tinhso.dossiers.models import Dossier, DossierRating, PersonalDocument


def _answer_rows(dossier, context) -> list[dict]:
    """The e-form answers with their labels, as the dossier page shows them."""
    pages = (dossier.procedure.eform or {}).get("pages", [])
    return [row for page in pages for row in answers.display_rows(page["fields"], dossier.form_data, context)]


def dossier_rows(person, readable: bool) -> list[dict]:
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
                    "document": item.required_document.name if item.required_document is not None else "",
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


def document_rows(person, readable: bool) -> list[dict]:

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


personal_data.register_section("dossiers", 1, dossier_rows)
personal_data.register_section("personal_documents", 4, document_rows)
