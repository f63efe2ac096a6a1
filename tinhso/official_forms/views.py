"""Downloads of the one-stop forms: one dossier's Forms 01–05 and an agency's Form 07.

A form issued electronically (``IssuedForm``) is always served as it was signed, to the
applicant and to officers alike; the applicant gets nothing else. Officers may print the other
forms of a dossier (a walk-in's papers, signed by hand at the counter) from the records.

The back office's dossier page shows the forms (``dossier_part``, registered with
``tinhso.motcua.parts``) and prints them, Form 06 included, filled from the handoffs the flow
keeps (``back_office_form``).
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tinhso.accounts.models import UserKind
from tinhso.accounts.permissions import agency_ids_in_scope, can, is_province_admin
from tinhso.agencies.models import Agency
from tinhso.audit.services import record_dossier_read
from tinhso.dossiers.models import Dossier, by_display_code
from tinhso.official_forms.actions import signed_bytes
from tinhso.official_forms.forms import RegisterForm
from tinhso.official_forms.models import IssuedForm
from tinhso.official_forms.rendering import (
    available_forms,
    register_rows,
    render_form,
    render_register_pdf,
    render_register_xlsx,
    step_result,
)
from tinhso.official_forms.rules import PrintRequest
from tinhso.workflows.models import DossierFlow

DOSSIER_FORMS = frozenset({1, 2, 3, 4, 5})
# Forms 01–06 are printed per dossier in the back office; Form 07, the tracking book, covers a period.
BACK_OFFICE_FORMS = range(1, 7)
# What Forms 01–05 print of the applicant (the applicant's own download is not logged).
FORM_FIELDS = ["full_name", "cccd", "phone", "email", "address"]
REGISTER_FIELDS = ["full_name", "address", "phone"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def dossier_form(request, code, number):
    dossier = get_object_or_404(
        Dossier.objects.select_related("procedure", "receiving_agency__parent", "receiving_agency__unit"),
        by_display_code(code),
        is_draft=False,
    )
    if number not in DOSSIER_FORMS or not can(
        request.user, "official_forms.print", PrintRequest(dossier, number)
    ):
        raise Http404
    issued = latest_issued(dossier, number)
    if issued is not None:
        return send_issued(request, issued)
    if request.user.kind != UserKind.OFFICER:
        raise Http404
    context = {}
    if request.user.kind == UserKind.OFFICER:
        context["officer_name"] = request.user.full_name
    try:
        content = render_form(number, dossier, request=request, **context)
    except ValidationError as error:
        # The dossier has no such paper yet (e.g. Form 03 of a dossier that was not refused).
        raise Http404(error.messages[0]) from error
    record_dossier_read(request.user, dossier, FORM_FIELDS, f"official_forms.form_{number:02d}", request)
    return _download(content, "application/pdf", f"mau-{number:02d}-{dossier.display_code}.pdf")


def latest_issued(dossier, number: int) -> IssuedForm | None:
    """The last Form ``number`` issued to ``dossier``'s applicant, if any."""
    issued = IssuedForm.objects.filter(dossier=dossier, form_number=number)
    return issued.order_by("-issued_at", "-pk").first()


# How long a reader is asked to wait before trying an unsigned form again.
UNSIGNED_RETRY_SECONDS = 3600


def send_issued(request, issued: IssuedForm) -> HttpResponse:
    """The signed bytes of ``issued``; an officer's read of the applicant's data is logged. A
    form that could not be signed yet (its agency's certificate expired or was withdrawn before
    the worker signed it) is answered with the reason, and signed on the first download after
    the agency has a valid certificate again."""
    try:
        content = signed_bytes(issued)
    except ValidationError as refusal:
        response = render(
            request,
            "core/error.html",
            {
                "status": 503,
                "title": _("This paper has not been signed yet"),
                "message": _(
                    "%(paper)s was issued on %(date)s but has not been digitally signed yet: "
                    "%(reason)s It will be available as soon as the agency can sign it; please "
                    "try again later."
                )
                % {
                    "paper": issued.name,
                    "date": date_format(timezone.localtime(issued.issued_at), "d/m/Y H:i"),
                    "reason": " ".join(refusal.messages),
                },
            },
            status=503,
        )
        response["Retry-After"] = str(UNSIGNED_RETRY_SECONDS)
        return response
    record_dossier_read(
        request.user, issued.dossier, FORM_FIELDS, f"official_forms.form_{issued.form_number:02d}", request
    )
    return _download(content, "application/pdf", issued.filename)


@login_required
def issued_form(request, pk):
    issued = IssuedForm.objects.select_related("dossier").filter(pk=pk).first()
    if issued is None or not can(request.user, "official_forms.download_issued", issued):
        raise Http404
    return send_issued(request, issued)


def log_register_reads(request, rows: list[dict]) -> None:
    """Form 07 lists each applicant's name and contact: one read per dossier in the export."""
    dossiers = Dossier.objects.filter(code__in=[row["code"] for row in rows], is_draft=False).order_by("pk")
    for dossier in dossiers:
        record_dossier_read(request.user, dossier, REGISTER_FIELDS, "official_forms.register", request)


@login_required
def register(request):
    if is_province_admin(request.user):
        agencies = Agency.objects.all()
    elif request.user.kind == UserKind.OFFICER:
        agencies = Agency.objects.filter(pk__in=agency_ids_in_scope(request.user))
    else:
        raise Http404
    form = RegisterForm(request.GET or None, agencies=agencies.order_by("path"))
    if request.GET and form.is_valid():
        agency = form.cleaned_data["agency"]
        if not can(request.user, "official_forms.print_register", agency):
            raise Http404
        period = (form.cleaned_data["start"], form.cleaned_data["end"])
        rows = register_rows(agency, *period, field=form.cleaned_data["field"])
        log_register_reads(request, rows)
        name = f"so-theo-doi-ho-so-{agency.code}-{period[0]:%Y%m%d}-{period[1]:%Y%m%d}"
        if form.cleaned_data["format"] == "xlsx":
            return _download(render_register_xlsx(rows, agency, period), XLSX, f"{name}.xlsx")
        return _download(render_register_pdf(rows, agency, period), "application/pdf", f"{name}.pdf")
    return render(request, "official_forms/register.html", {"form": form}, status=400 if form.errors else 200)


def dossier_part(request: HttpRequest, dossier: Dossier) -> dict[str, Any]:
    """The forms on the back office's dossier page: those signed and sent to the applicant, and
    the numbers of those its records can fill, to print."""
    return {
        "issued_forms": dossier.issued_forms.select_related("agency").defer("content", "html"),
        "form_numbers": available_forms(dossier),
    }


def handoff_rows(dossier) -> list[dict]:
    """Form 06 rows, one per step: who handed the dossier to whom and when, the receiving side's
    step due time (set by the flow at the handoff) and how that step ended (early, on time,
    late; empty while it runs)."""
    records = list(
        dossier.step_records.select_related("from_user", "to_user", "from_agency", "to_agency").order_by(
            "at", "pk"
        )
    )
    flow = DossierFlow.objects.filter(dossier=dossier).values_list("step_due_at", flat=True).first()
    rows = []
    for index, record in enumerate(records):
        following = records[index + 1] if index + 1 < len(records) else None
        row = {
            "from": _party(record.from_user, record.from_agency),
            "to": _party(record.to_user, record.to_agency),
            "at": record.at,
            "due_at": following.step_due_at if following else flow,
            "note": record.action_name,
        }
        row["result"] = step_result(following.at, following.step_due_at) if following else ""
        rows.append(row)
    return rows


def _party(user, agency) -> str:
    names = [
        name
        for name in (user.full_name if user else "", agency.short_name or agency.name if agency else "")
        if name
    ]
    return " — ".join(names)


@login_required
def back_office_form(request, pk, number):
    """Form ``number`` of a dossier, for an officer who may see it in the back office (the signed
    copy when it was issued electronically)."""
    if request.user.kind != UserKind.OFFICER:
        raise PermissionDenied("motcua")
    dossier = get_object_or_404(
        Dossier.objects.select_related("procedure", "receiving_agency", "applicant", "applicant_unit"),
        pk=pk,
        is_draft=False,
    )
    if not can(request.user, "motcua.view", dossier) or number not in BACK_OFFICE_FORMS:
        raise Http404
    issued = latest_issued(dossier, number)
    if issued is not None:
        return send_issued(request, issued)
    context = {"rows": handoff_rows(dossier)} if number == 6 else {}
    try:
        pdf = render_form(number, dossier, request=request, officer_name=request.user.full_name, **context)
    except ValidationError as refusal:
        for message in refusal.messages:
            messages.error(request, message)
        return redirect("motcua:dossier", pk=dossier.pk)
    record_dossier_read(request.user, dossier, FORM_FIELDS, f"official_forms.form_{number:02d}", request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="mau-{number:02d}-{dossier.display_code}.pdf"'
    return response
