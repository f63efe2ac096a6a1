"""Citizen pages: online submission (one thing per page, check your answers, confirmation),
my dossiers, withdrawal, supplement answers and public tracking. Views stay thin: every change
goes through ``tinhso.dossiers.actions``."""

import mimetypes

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tinhso.accounts.permissions import can
from tinhso.audit.services import record_dossier_read
from tinhso.core.net import client_ip
from tinhso.dossiers import actions, answers, tracking
from tinhso.dossiers.forms import (
    RatingForm,
    StartForm,
    SupplementForm,
    TrackForm,
    UploadForm,
    WithdrawForm,
    error_list,
)
from tinhso.dossiers.models import Attachment, Dossier, DossierRating, PersonalDocument, by_display_code
from tinhso.dossiers.parts import page_parts
from tinhso.dossiers.status import WITHDRAWABLE, Status
from tinhso.procedures.fees import chosen_at_payment, compute_fees
from tinhso.procedures.models import Procedure


def _pages(dossier) -> list[dict]:
    return (dossier.procedure.eform or {}).get("pages", [])


def _draft_or_404(request, pk) -> Dossier:
    return get_object_or_404(
        Dossier.objects.select_related("procedure", "receiving_agency", "applicant_unit"),
        pk=pk,
        applicant=request.user,
        is_draft=True,
    )


def _mine_or_404(request, code) -> Dossier:
    """The applicant's submitted dossier named by its code or submission reference."""
    return get_object_or_404(
        Dossier.objects.select_related("procedure", "receiving_agency"),
        by_display_code(code),
        applicant=request.user,
        is_draft=False,
    )


def _message_errors(exc: ValidationError) -> list[dict]:
    return [{"href": "", "text": message} for message in exc.messages]


def _summary(errors: dict[str, str]) -> list[dict]:
    return [{"href": "#" + answers.input_id(name), "text": text} for name, text in errors.items()]


def _step_urls(dossier) -> list[str]:
    urls = [reverse("dossiers:applicant", args=[dossier.pk])]
    urls += [reverse("dossiers:page", args=[dossier.pk, n]) for n in range(1, len(_pages(dossier)) + 1)]
    if dossier.procedure.documents.exists():
        urls.append(reverse("dossiers:documents", args=[dossier.pk]))
    urls.append(reverse("dossiers:check", args=[dossier.pk]))
    return urls


def _after(request, dossier, current: str) -> str:
    if request.GET.get("next") == "check":
        return reverse("dossiers:check", args=[dossier.pk])
    urls = _step_urls(dossier)
    return urls[urls.index(current) + 1]


def _back(dossier, current: str) -> str:
    urls = _step_urls(dossier)
    index = urls.index(current)
    return urls[index - 1] if index else reverse("dossiers:mine")


# Starting ---------------------------------------------------------------------------------


def _own_desk(user, agencies) -> dict:
    """The agency of the citizen's own commune (the address of their latest dossier), chosen
    in advance when it receives the procedure; the only agency when there is one."""
    if len(agencies) == 1:
        return {"receiving_agency": agencies[0].pk}
    unit_id = (
        Dossier.objects.filter(applicant=user, applicant_unit__isnull=False)
        .order_by("-updated_at")
        .values_list("applicant_unit_id", flat=True)
        .first()
    )
    agency = agencies.filter(unit_id=unit_id).first() if unit_id else None
    return {"receiving_agency": agency.pk} if agency else {}


@login_required
def start(request, procedure_code):
    procedure = get_object_or_404(Procedure.objects.current(), code=procedure_code)
    agencies = actions.receiving_agencies(procedure)
    form = StartForm(request.POST or None, agencies=agencies, initial=_own_desk(request.user, agencies))
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            draft = actions.start_draft(request.user, procedure, form.cleaned_data["receiving_agency"])
        except ValidationError as exc:
            errors = _message_errors(exc)
        else:
            return redirect("dossiers:applicant", draft.pk)
    online = procedure.submit_online and can(request.user, "dossiers.submit", procedure)
    return render(
        request,
        "dossiers/start.html",
        {"procedure": procedure, "form": form, "errors": errors or error_list(form), "online": online},
    )


# The e-form, one page at a time -----------------------------------------------------------


def _render_page(request, dossier, fields, source, errors, title, hint, current, status=200, number=0):
    context = answers.Context()
    return render(
        request,
        "dossiers/page.html",
        {
            "dossier": dossier,
            "title": title,
            "hint": hint,
            "nodes": answers.build_nodes(fields, source, errors, context=context),
            "errors": _summary(errors),
            "back": _back(dossier, current),
            "action": request.get_full_path(),
            "parts": page_parts(request, dossier, fields, number) if number else [],
        },
        status=status,
    )


@login_required
def applicant(request, pk):
    dossier = _draft_or_404(request, pk)
    fields = actions.applicant_fields()
    current = reverse("dossiers:applicant", args=[pk])
    title = _("Your contact details")
    hint = _("The dossier is submitted in the name of %(name)s.") % {"name": dossier.applicant_name}
    if request.method == "POST":
        values, errors = answers.parse_fields(fields, request.POST)
        if "save_draft" in request.POST:
            valid = {k: v for k, v in values.items() if not any(e.split(".")[0] == k for e in errors)}
            actions.save_applicant(request.user, dossier, valid)
            messages.success(
                request, _("Your draft has been saved. You can come back to it from “My dossiers”.")
            )
            return redirect("dossiers:mine")
        if not errors:
            actions.save_applicant(request.user, dossier, values)
            return redirect(_after(request, dossier, current))
        return _render_page(request, dossier, fields, request.POST, errors, title, hint, current, 400)
    source = answers.to_source(fields, actions.applicant_answers(dossier))
    return _render_page(request, dossier, fields, source, {}, title, hint, current)


@login_required
def page(request, pk, number):
    dossier = _draft_or_404(request, pk)
    pages = _pages(dossier)
    if not 1 <= number <= len(pages):
        raise Http404
    definition = pages[number - 1]
    fields = definition["fields"]
    current = reverse("dossiers:page", args=[pk, number])
    title, hint = definition["title"], definition.get("hint", "")
    if request.method == "POST":
        values, errors = answers.parse_fields(fields, request.POST)
        if request.POST.get("add") or request.POST.get("remove"):
            if request.POST.get("add"):
                answers.add_item(values, request.POST["add"])
            else:
                answers.remove_item(values, request.POST["remove"])
            actions.save_answers(request.user, dossier, values, fields)
            return redirect(request.get_full_path())
        if "save_draft" in request.POST:
            actions.save_answers(request.user, dossier, values, fields)
            messages.success(
                request, _("Your draft has been saved. You can come back to it from “My dossiers”.")
            )
            return redirect("dossiers:mine")
        if not errors:
            actions.save_answers(request.user, dossier, values, fields)
            return redirect(_after(request, dossier, current))
        return _render_page(request, dossier, fields, request.POST, errors, title, hint, current, 400, number)
    source = answers.to_source(fields, actions.answers_with_account(dossier, fields))
    return _render_page(request, dossier, fields, source, {}, title, hint, current, number=number)


# Documents --------------------------------------------------------------------------------


@login_required
def documents(request, pk):
    dossier = _draft_or_404(request, pk)
    current = reverse("dossiers:documents", args=[pk])
    errors = []
    if request.method == "POST":
        if request.POST.get("remove"):
            attachment = get_object_or_404(Attachment, pk=request.POST["remove"], dossier=dossier)
            actions.remove_attachment(request.user, dossier, attachment)
            return redirect(current)
        missing = actions.missing_documents(dossier)
        if not missing:
            return redirect(_after(request, dossier, current))
        errors = [
            {"href": f"#doc-{doc.pk}", "text": _("Attach “%(document)s”.") % {"document": doc.name}}
            for doc in missing
        ]
    attached: dict[int | None, list] = {}
    for attachment in dossier.attachments.all():
        attached.setdefault(attachment.required_document_id, []).append(attachment)
    components = [(doc, attached.get(doc.pk, [])) for doc in dossier.procedure.documents.all()]
    return render(
        request,
        "dossiers/documents.html",
        {"dossier": dossier, "components": components, "errors": errors, "back": _back(dossier, current)},
        status=400 if errors else 200,
    )


@login_required
def upload(request, pk, document_pk):
    dossier = _draft_or_404(request, pk)
    component = get_object_or_404(dossier.procedure.documents, pk=document_pk)
    store = PersonalDocument.objects.filter(owner=request.user)
    form = UploadForm(request.POST or None, request.FILES or None, documents=store)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data.get("file"):
                actions.add_attachment(request.user, dossier, form.cleaned_data["file"], component)
            else:
                actions.reuse_personal_document(request.user, dossier, form.cleaned_data["reuse"], component)
        except ValidationError as exc:
            errors = [{"href": "#id_file", "text": message} for message in exc.messages]
        else:
            return redirect("dossiers:documents", dossier.pk)
    errors = errors or error_list(form)
    return render(
        request,
        "dossiers/upload.html",
        {
            "dossier": dossier,
            "component": component,
            "form": form,
            "errors": errors,
            "has_store": store.exists(),
        },
        status=400 if errors else 200,
    )


# Check your answers, submit, confirmation -------------------------------------------------


def _check_rows(dossier) -> list[dict]:
    """The answers of ``dossier`` by page, each section with the link to change it (a draft)."""
    context = answers.Context()
    sections = [
        {
            "title": _("Your contact details"),
            "change": reverse("dossiers:applicant", args=[dossier.pk]) if dossier.is_draft else "",
            "rows": answers.display_rows(
                actions.applicant_fields(), actions.applicant_answers(dossier), context
            ),
        }
    ]
    for number, definition in enumerate(_pages(dossier), start=1):
        sections.append(
            {
                "title": definition["title"],
                "change": reverse("dossiers:page", args=[dossier.pk, number]) if dossier.is_draft else "",
                "rows": answers.display_rows(definition["fields"], dossier.form_data, context),
            }
        )
    return sections


def _check_errors(dossier, errors: dict[str, list[str]]) -> list[dict]:
    items = []
    for key, messages_ in errors.items():
        if key.startswith("applicant.") or key == "receiving_agency":
            href = reverse("dossiers:applicant", args=[dossier.pk])
        elif key == "attachments":
            href = reverse("dossiers:documents", args=[dossier.pk])
        else:
            number = answers.first_page_with_errors(_pages(dossier), {key.removeprefix("form_data."): ""})
            href = reverse("dossiers:page", args=[dossier.pk, number or 1])
        items += [{"href": href + "?next=check", "text": message} for message in messages_]
    return items


@login_required
def check(request, pk):
    dossier = Dossier.objects.filter(pk=pk, applicant=request.user).first()
    if dossier is not None and not dossier.is_draft:
        return redirect("dossiers:confirmation", dossier.display_code)  # e.g. a double-clicked submit
    dossier = _draft_or_404(request, pk)
    status = 200
    if request.method == "POST":
        try:
            submitted = actions.submit_dossier(request.user, dossier)
        except ValidationError as exc:
            if getattr(exc, "code", None) == "submitted":
                # The same draft posted twice at once: the first request submitted it.
                dossier.refresh_from_db(fields=["code", "submission_reference"])
                return redirect("dossiers:confirmation", dossier.display_code)
            errors = (
                _check_errors(dossier, exc.message_dict)
                if hasattr(exc, "error_dict")
                else _message_errors(exc)
            )
            status = 400
        else:
            return redirect("dossiers:confirmation", submitted.display_code)
    else:
        errors = _check_errors(dossier, actions.dossier_errors(dossier))
    return render(
        request,
        "dossiers/check.html",
        {
            "dossier": dossier,
            "sections": _check_rows(dossier),
            "attachments": dossier.attachments.select_related("required_document"),
            "has_documents": dossier.procedure.documents.exists(),
            "fees": compute_fees(dossier.procedure, answers=dossier.form_data),
            "fees_chosen_later": chosen_at_payment(dossier.procedure, dossier.form_data),
            "errors": errors,
            "back": _back(dossier, reverse("dossiers:check", args=[pk])),
        },
        status=status,
    )


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


@login_required
def confirmation(request, code):
    dossier = _mine_or_404(request, code)
    url = request.build_absolute_uri(reverse("dossiers:track_code", args=[dossier.display_code]))
    return render(
        request,
        "dossiers/confirmation.html",
        {
            "dossier": dossier,
            "qr": qr_data_uri(url),
            "track_url": url,
            "owes_fees": actions.owes_fees(dossier),
        },
    )


@login_required
@require_POST
def delete(request, pk):
    dossier = _draft_or_404(request, pk)
    actions.delete_draft(request.user, dossier)
    messages.success(request, _("The draft has been deleted."))
    return redirect("dossiers:mine")


# After submission -------------------------------------------------------------------------


def index(request):
    """/ho-so/: a citizen's own dossiers once signed in; otherwise the ways in (find a procedure
    to submit, track a dossier, sign in)."""
    if request.user.is_authenticated:
        if request.user.is_officer:
            return redirect("motcua:inbox")
        return mine(request)
    return render(request, "dossiers/index.html")


@login_required
def mine(request):
    dossiers = Dossier.objects.filter(applicant=request.user).select_related("procedure", "receiving_agency")
    return render(
        request,
        "dossiers/mine.html",
        {
            "drafts": dossiers.filter(is_draft=True).order_by("-updated_at"),
            "submitted": dossiers.filter(is_draft=False).order_by("-submitted_at"),
        },
    )


def _render_detail(request, dossier, rating_form=None, status=200):
    rating = DossierRating.objects.filter(dossier=dossier).first()
    ratable = rating is None and actions.can_be_rated(dossier)
    return render(
        request,
        "dossiers/detail.html",
        {
            "dossier": dossier,
            "history": tracking.history(dossier),
            "sections": _check_rows(dossier),
            "results": dossier.signed_documents.order_by("signed_at"),
            "issued_forms": dossier.issued_forms.select_related("agency").defer("content"),
            "payments": dossier.payments.select_related("receipt").order_by("-created_at"),
            "attachments": dossier.attachments.select_related("required_document"),
            "supplement": actions.open_supplement_request(dossier)
            if dossier.status == Status.SUPPLEMENT
            else None,
            "can_withdraw": dossier.status in WITHDRAWABLE,
            "owes_fees": actions.owes_fees(dossier),
            "rating": rating,
            "rating_form": (rating_form or RatingForm()) if ratable else None,
            "errors": error_list(rating_form) if rating_form is not None else [],
        },
        status=status,
    )


@login_required
def detail(request, code):
    return _render_detail(request, _mine_or_404(request, code))


@login_required
@require_POST
def rate(request, code):
    dossier = _mine_or_404(request, code)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            actions.rate_dossier(
                request.user, dossier, form.cleaned_data["stars"], form.cleaned_data["comment"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Thank you for rating how your dossier was handled."))
        return redirect("dossiers:detail", code)
    return _render_detail(request, dossier, form, status=400)


@login_required
def withdraw(request, code):
    dossier = _mine_or_404(request, code)
    if dossier.status not in WITHDRAWABLE:
        messages.error(request, _("This dossier can no longer be withdrawn."))
        return redirect("dossiers:detail", code)
    form = WithdrawForm(request.POST or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            actions.withdraw_dossier(request.user, dossier, form.cleaned_data["reason"])
        except ValidationError as exc:
            errors = _message_errors(exc)
        else:
            messages.success(request, _("Your request to withdraw the dossier has been recorded."))
            return redirect("dossiers:detail", code)
    errors = errors or error_list(form)
    return render(
        request,
        "dossiers/withdraw.html",
        {"dossier": dossier, "form": form, "errors": errors},
        status=400 if errors else 200,
    )


@login_required
def supplement(request, code):
    dossier = _mine_or_404(request, code)
    request_ = actions.open_supplement_request(dossier)
    if dossier.status != Status.SUPPLEMENT or request_ is None:
        raise Http404
    form = SupplementForm(
        request.POST or None,
        request.FILES or None,
        documents=PersonalDocument.objects.filter(owner=request.user),
    )
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            actions.answer_supplement_request(
                request.user, dossier, form.files_and_documents(), form.cleaned_data["note"]
            )
        except ValidationError as exc:
            errors = _message_errors(exc)
        else:
            messages.success(request, _("Your additional documents have been sent."))
            return redirect("dossiers:detail", code)
    errors = errors or error_list(form)
    return render(
        request,
        "dossiers/supplement.html",
        {"dossier": dossier, "request_": request_, "form": form, "errors": errors},
        status=400 if errors else 200,
    )


EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def _file_response(stored, content_type: str, name: str):
    """The stored file as a download named ``name``, with the extension of its type added when
    the name lacks it (a result in the document store is titled "Giấy khai sinh")."""
    extension = EXTENSIONS.get(content_type, "")
    if extension and not name.lower().endswith((extension, ".jpeg")):
        name += extension
    response = FileResponse(stored.open("rb"), content_type=content_type, as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def attachment(request, pk):
    item = get_object_or_404(Attachment.objects.select_related("dossier"), pk=pk)
    if not can(request.user, "dossiers.view", item.dossier):
        raise Http404
    record_dossier_read(request.user, item.dossier, ["attachments"], "dossiers.attachment", request)
    return _file_response(item.file, item.content_type, item.original_name)


@login_required
def personal_document(request, pk):
    document = get_object_or_404(PersonalDocument, pk=pk, owner=request.user)
    return _file_response(document.file, document.content_type, download_name(document))


def download_name(document: PersonalDocument) -> str:
    """The title as a file name with the extension of its type ("Giấy khai sinh.pdf")."""
    extension = mimetypes.guess_extension(document.content_type) or ""
    title = document.title.replace("/", "-").replace("\\", "-")
    return title if not extension or title.lower().endswith(extension) else title + extension


@login_required
def personal_documents(request):
    return render(
        request,
        "dossiers/personal_documents.html",
        {"documents": PersonalDocument.objects.filter(owner=request.user)},
    )


# Public tracking --------------------------------------------------------------------------


def track(request, code=None):
    initial = {"code": code} if code else None
    form = TrackForm(request.POST or None, initial=initial)
    errors, dossier, status = [], None, 200
    if request.method == "POST" and form.is_valid():
        try:
            dossier = tracking.find_dossier(
                form.cleaned_data["code"], form.cleaned_data["factor"], client_ip(request) or "unknown"
            )
        except tracking.TooManyAttempts:
            errors = [{"href": "", "text": _("Too many attempts. Please try again in 15 minutes.")}]
            status = 429
        else:
            if dossier is None:
                errors = [
                    {
                        "href": "#id_code",
                        "text": _("No dossier matches this code and phone number or citizen ID digits."),
                    }
                ]
                status = 404
    elif request.method == "POST":
        errors, status = error_list(form), 400
    return render(
        request,
        "dossiers/track.html",
        {
            "form": form,
            "errors": errors,
            "dossier": dossier,
            "history": dossier.history if dossier else [],
        },
        status=status,
    )
