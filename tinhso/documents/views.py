"""Pages of the official-documents area. Thin: each POST calls one business action; refusals come
back as messages, documents of other agencies (or out of the officer's role) as 404."""

import base64
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tinhso.accounts.models import Membership, Role, User
from tinhso.accounts.permissions import can
from tinhso.agencies.models import Agency
from tinhso.documents import (
    actions,
    axis,
    doctypes,
    exchange,
    handling,
    links,
    received_signature,
    registers,
    search,
    signatures,
)
from tinhso.documents.allowed import incoming_actions, outgoing_actions
from tinhso.documents.models import (
    DirectoryAgency,
    DocumentLink,
    IncomingDocument,
    OutgoingDocument,
    Package,
    ReviewStep,
    SavedSearch,
    SealImage,
    Secrecy,
    SignatureCheck,
    SignerImage,
    Urgency,
    Withdrawal,
)
from tinhso.documents.rules import document_agency_ids, in_hands_of, roles_in
from tinhso.documents.timeline import delivery_timeline, incoming_timeline, outgoing_timeline
from tinhso.dossiers.models import Dossier

PAGE_SIZE = 30
OVERDUE = "overdue"


def _agencies(request) -> list[Agency]:
    ids = document_agency_ids(request.user)
    if not ids:
        raise Http404
    return list(Agency.objects.filter(pk__in=ids).order_by("name"))


def _current_agency(request) -> tuple[Agency, list[Agency]]:
    """The agency whose registers the page shows: ``?agency=`` among the officer's own."""
    agencies = _agencies(request)
    wanted = request.GET.get("agency") or request.POST.get("agency")
    for agency in agencies:
        if str(agency.pk) == wanted:
            return agency, agencies
    return agencies[0], agencies


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _incoming(request, pk) -> IncomingDocument:
    document = get_object_or_404(IncomingDocument.objects.select_related("agency", "handler"), pk=pk)
    if not can(request.user, "documents.view_incoming", document):
        raise Http404
    return document


def _outgoing(request, pk) -> OutgoingDocument:
    document = get_object_or_404(OutgoingDocument.objects.select_related("agency", "created_by"), pk=pk)
    if not can(request.user, "documents.view_outgoing", document):
        raise Http404
    return document


# Forms.


class DraftForm(forms.Form):
    type_code = forms.ChoiceField(label=gettext_lazy("Document type"), choices=doctypes.CHOICES)
    unit_symbol = forms.CharField(
        label=gettext_lazy("Drafting unit abbreviation (letters only)"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("For a letter (công văn): e.g. VP gives 12/UBND-VP."),
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=500)
    content = forms.CharField(
        label=gettext_lazy("Summary of the content"), required=False, widget=forms.Textarea
    )
    urgency = forms.TypedChoiceField(
        label=gettext_lazy("Urgency"), choices=Urgency.choices, coerce=int, initial=Urgency.NORMAL
    )
    secrecy = forms.TypedChoiceField(
        label=gettext_lazy("Secrecy"), choices=Secrecy.choices, coerce=int, initial=Secrecy.NONE
    )
    signer_competence = forms.CharField(
        label=gettext_lazy("Signing authority (TM., KT., TL.…)"), required=False, max_length=10
    )
    signer_position = forms.CharField(label=gettext_lazy("Signer's position"), required=False, max_length=100)
    signer_name = forms.CharField(label=gettext_lazy("Signer's name"), required=False, max_length=50)
    due_date = forms.DateField(
        label=gettext_lazy("Reply due by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    upload = forms.FileField(label=gettext_lazy("Signed PDF"), required=False)


class SendForm(forms.Form):
    recipients = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Recipient agencies"),
        queryset=Agency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    outside = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Agencies outside the province (through the national axis)"),
        queryset=DirectoryAgency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, sender: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        recipients = self.fields["recipients"]
        assert isinstance(recipients, forms.ModelMultipleChoiceField)
        recipients.queryset = (
            Agency.objects.valid_on(timezone.localdate())
            .exclude(pk=sender.pk)
            .filter(pk__in=Membership.objects.active().filter(role=Role.DOCUMENT_CLERK).values("agency_id"))
            .order_by("name")
        )
        outside = self.fields["outside"]
        assert isinstance(outside, forms.ModelMultipleChoiceField)
        if axis.configured() is None:
            del self.fields["outside"]
        else:
            # The directory lists the installation's own agencies too: they are offered above.
            own = Agency.objects.valid_on(timezone.localdate()).values("code")
            outside.queryset = DirectoryAgency.objects.filter(active=True).exclude(code__in=own)


class RegisterForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=500)
    code_number = forms.CharField(label=gettext_lazy("Number"), max_length=11, required=False)
    code_notation = forms.CharField(label=gettext_lazy("Symbol"), max_length=30, required=False)
    type_name = forms.CharField(label=gettext_lazy("Document type"), max_length=100, required=False)
    accept_duplicate = forms.BooleanField(
        label=gettext_lazy("Register it even though it looks like a document already registered"),
        required=False,
    )
    accept_signature = forms.BooleanField(
        label=gettext_lazy("I have checked the digital signature findings above and register it anyway"),
        required=False,
    )


class PaperForm(forms.Form):
    sender_name = forms.CharField(label=gettext_lazy("Issuing agency"), max_length=200)
    code_number = forms.CharField(label=gettext_lazy("Number"), max_length=11, required=False)
    code_notation = forms.CharField(label=gettext_lazy("Symbol"), max_length=30, required=False)
    type_name = forms.CharField(label=gettext_lazy("Document type"), max_length=100, required=False)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=500)
    promulgation_date = forms.DateField(
        label=gettext_lazy("Document date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    signer_name = forms.CharField(label=gettext_lazy("Signer"), max_length=50, required=False)
    urgency = forms.TypedChoiceField(
        label=gettext_lazy("Urgency"), choices=Urgency.choices, coerce=int, initial=Urgency.NORMAL
    )
    upload = forms.FileField(label=gettext_lazy("Scanned copy (PDF)"), required=False)
    accept_duplicate = forms.BooleanField(
        label=gettext_lazy("Register it even though it looks like a document already registered"),
        required=False,
    )
    accept_signature = forms.BooleanField(
        label=gettext_lazy("Register the file even if its digital signature is missing or does not match"),
        required=False,
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for returning"), max_length=500, widget=forms.Textarea
    )


class HandlerField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.username


class PeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.username


class UnitField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agency) -> str:
        return obj.name


class AssignForm(forms.Form):
    """The person in charge, or a unit under the agency whose leader handles it or names who does."""

    handler = HandlerField(
        label=gettext_lazy("Person in charge"), queryset=User.objects.none(), required=False
    )
    unit = UnitField(
        label=gettext_lazy("or the unit in charge"),
        queryset=Agency.objects.none(),
        required=False,
        help_text=gettext_lazy("Its leader handles the document or names who does."),
    )
    working_days = forms.IntegerField(
        label=gettext_lazy("Handling deadline (working days)"),
        min_value=1,
        max_value=actions.MAX_HANDLING_DAYS,
    )

    coordinators = PeopleField(
        label=gettext_lazy("Co-ordinators"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, agency: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        members = Membership.objects.active().filter(agency=agency, role__in=[Role.SPECIALIST, Role.LEADER])
        people = User.objects.filter(pk__in=members.values("user_id")).order_by("full_name")
        for name in ("handler", "coordinators"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = people
        units = Agency.objects.valid_on().filter(parent=agency).order_by("name")
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = units
        if not units.exists():
            del self.fields["unit"]

    def clean(self):
        data = super().clean()
        if not self.errors and bool(data.get("handler")) == bool(data.get("unit")):
            raise forms.ValidationError(_("Choose one person or one unit in charge."))
        return data


class NameHandlerForm(forms.Form):
    handler = HandlerField(label=gettext_lazy("Person in charge"), queryset=User.objects.none())

    def __init__(self, *args, unit_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        members = Membership.objects.active().filter(
            agency_id=unit_id, role__in=[Role.SPECIALIST, Role.LEADER]
        )
        field = self.fields["handler"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(pk__in=members.values("user_id")).order_by("full_name")


class GrantForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Officer's user name"), max_length=150, required=False)
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Or an agency"), queryset=Agency.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agency = self.fields["agency"]
        assert isinstance(agency, forms.ModelChoiceField)
        agency.queryset = Agency.objects.valid_on(timezone.localdate()).order_by("name")


def _access_context(request, document: IncomingDocument | OutgoingDocument) -> dict:
    """The grants of ``document`` and the form to give one, for a leader or the văn thư."""
    if not can(request.user, "documents.grant_access", document):
        return {}
    return {
        "grants": document.grants.filter(revoked_at__isnull=True).select_related("user", "agency"),
        "grant_form": GrantForm(),
        "grant_kind": "den" if isinstance(document, IncomingDocument) else "di",
    }


def _granted_document(request, kind: str, pk: int) -> IncomingDocument | OutgoingDocument:
    if kind not in ("den", "di"):
        raise Http404
    document = _incoming(request, pk) if kind == "den" else _outgoing(request, pk)
    if not can(request.user, "documents.grant_access", document):
        raise Http404
    return document


def _detail(kind: str, pk: int):
    return redirect("documents:incoming" if kind == "den" else "documents:outgoing", pk)


@login_required
@require_POST
def grant_view(request, kind, pk):
    document = _granted_document(request, kind, pk)
    form = GrantForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a person or an agency."))
        return _detail(kind, pk)
    username = form.cleaned_data["username"].strip()
    user = User.objects.filter(username=username).first() if username else None
    if username and user is None:
        messages.error(request, _("No officer has this user name."))
        return _detail(kind, pk)
    try:
        actions.grant_access(request.user, document, user=user, agency=form.cleaned_data["agency"])
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Access given."))
    return _detail(kind, pk)


@login_required
@require_POST
def revoke_grant_view(request, kind, pk, grant_pk):
    document = _granted_document(request, kind, pk)
    grant = get_object_or_404(document.grants.all(), pk=grant_pk)
    try:
        actions.revoke_access(request.user, grant)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Access withdrawn."))
    return _detail(kind, pk)


class TaskField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.reference or '—'} — {obj.subject}"


class LinkForm(forms.Form):
    dossier_code = forms.CharField(label=gettext_lazy("One-stop dossier code"), max_length=60, required=False)
    task = TaskField(
        label=gettext_lazy("Or one of your tasks"),
        queryset=IncomingDocument.objects.none(),
        required=False,
        help_text=gettext_lazy("The incoming documents you handle or co-ordinate."),
    )
    reference = forms.CharField(
        label=gettext_lazy("Or another document's number and symbol"),
        max_length=45,
        required=False,
        help_text=gettext_lazy("For example 15/QĐ-UBND"),
    )

    def __init__(self, *args, user, document, **kwargs):
        super().__init__(*args, **kwargs)
        task = self.fields["task"]
        assert isinstance(task, forms.ModelChoiceField)
        tasks = links.tasks_of(user)
        if isinstance(document, IncomingDocument):
            tasks = tasks.exclude(pk=document.pk)
        task.queryset = tasks
        if not tasks.exists():
            del self.fields["task"]


def _links_context(request, document: IncomingDocument | OutgoingDocument) -> dict:
    return {
        "links": links.document_links(request.user, document),
        "link_form": LinkForm(user=request.user, document=document),
        "link_kind": "den" if isinstance(document, IncomingDocument) else "di",
    }


@login_required
@require_POST
def link_view(request, kind, pk):
    if kind not in ("den", "di"):
        raise Http404
    document = _incoming(request, pk) if kind == "den" else _outgoing(request, pk)
    form = LinkForm(request.POST, user=request.user, document=document)
    form.is_valid()
    code = form.cleaned_data.get("dossier_code", "").strip()
    reference = form.cleaned_data.get("reference", "").strip()
    task = form.cleaned_data.get("task")
    target: Dossier | IncomingDocument | OutgoingDocument | None = None
    if task is not None and not code and not reference:
        target = task
    elif code and not reference and task is None:
        dossier = Dossier.objects.filter(code=code).first()
        target = dossier if dossier is not None and links.readable(request.user, dossier) else None
        if target is None:
            messages.error(request, _("No dossier you may read has this code."))
    elif reference and not code and task is None:
        found = [other for other in links.find_documents(request.user, reference) if other != document]
        if len(found) == 1:
            target = found[0]
        else:
            messages.error(
                request,
                _("No document you may read has this number and symbol.")
                if not found
                else _("Several documents you may read have this number and symbol."),
            )
    else:
        messages.error(request, _("Enter one of: a dossier code, a task or a document's number and symbol."))
    if target is not None:
        try:
            actions.link_document(request.user, document, target)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Linked."))
    return _detail(kind, pk)


@login_required
@require_POST
def unlink_view(request, kind, pk, link_pk):
    if kind not in ("den", "di"):
        raise Http404
    document = _incoming(request, pk) if kind == "den" else _outgoing(request, pk)
    either_side = (
        Q(incoming=document) | Q(linked_incoming=document)
        if kind == "den"
        else Q(outgoing=document) | Q(linked_outgoing=document)
    )
    link = get_object_or_404(DocumentLink.objects.filter(either_side), pk=link_pk)
    try:
        actions.unlink_document(request.user, link)
    except PermissionDenied:
        messages.error(request, _("You may not remove this link."))
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The link is removed."))
    return _detail(kind, pk)


class OpinionForm(forms.Form):
    opinion = forms.CharField(
        label=gettext_lazy("Your opinion as a co-ordinator"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Result of the handling"), max_length=500, required=False)


# Incoming documents.


@login_required
def incoming_list(request):
    agency, agencies = _current_agency(request)
    own = Q(agency=agency)
    if not can(request.user, "documents.view_register", agency):
        own &= in_hands_of(request.user)
    # The documents of the agency above put in this unit's charge, for its leaders and the named.
    in_charge = Q(handling_unit=agency) & in_hands_of(request.user)
    documents = IncomingDocument.objects.filter(own | in_charge).select_related("handler", "handling_unit")
    now = timezone.now()
    overdue = documents.filter(state=IncomingDocument.State.ASSIGNED, handling_due_at__lt=now)
    counts = {
        "pending": documents.filter(state=IncomingDocument.State.PENDING).count(),
        "overdue": overdue.count(),
    }
    state = request.GET.get("state", "")
    if state == OVERDUE:
        documents = overdue
    elif state in IncomingDocument.State.values:
        documents = documents.filter(state=state)
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/incoming_list.html",
        {
            "agency": agency,
            "agencies": agencies,
            "page": page,
            "state": state,
            "states": [*IncomingDocument.State.choices, (OVERDUE, _("Overdue"))],
            "counts": counts,
            "reminders": list(
                handling.reminders_for(request.user).filter(
                    Q(incoming__agency=agency) | Q(incoming__handling_unit=agency)
                )
            ),
            "may_register": can(request.user, "documents.register", IncomingDocument(agency=agency)),
            "now": now,
            "dead_letters": exchange.dead_letters(agency).count()
            if can(request.user, "documents.view_dead_letters", agency)
            else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def register_paper_view(request):
    agency, _others = _current_agency(request)
    if not can(request.user, "documents.register", IncomingDocument(agency=agency)):
        raise Http404
    form = PaperForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            document = actions.register_paper(request.user, agency, **data)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(
                request, _("Registered with arrival number %(number)d.") % {"number": document.arrival_number}
            )
            return redirect("documents:incoming", document.pk)
    return render(
        request,
        "documents/form.html",
        {"form": form, "title": _("Register a paper document"), "agency": agency, "multipart": True},
    )


@login_required
def incoming_view(request, pk):
    document = _incoming(request, pk)
    actions.record_read(request.user, document)
    user = request.user
    pending = document.state == IncomingDocument.State.PENDING
    context = {
        "document": document,
        "timeline": incoming_timeline(document),
        "duplicates": list(actions.duplicates(document)[:5]) if pending else [],
        "signature_findings": received_signature.messages(document.signature_findings),
    }
    allowed = incoming_actions(user, document)
    if "register" in allowed:
        context["register_form"] = RegisterForm(
            initial={
                "subject": document.subject,
                "code_number": document.code_number,
                "code_notation": document.code_notation,
                "type_name": document.type_name,
            }
        )
        if document.signature_check != SignatureCheck.FLAGGED:
            del context["register_form"].fields["accept_signature"]
        context["refuse_form"] = ReasonForm() if "refuse" in allowed else None
    if "assign" in allowed:
        context["assign_form"] = AssignForm(agency=document.agency)
    if "name_handler" in allowed:
        context["name_handler_form"] = NameHandlerForm(unit_id=document.handling_unit_id)
    if "complete" in allowed:
        context["complete_form"] = NoteForm()
    context["coordinators"] = list(document.coordinators.select_related("user"))
    if "give_opinion" in allowed:
        mine = next(item for item in context["coordinators"] if item.user_id == user.pk)
        context["opinion_form"] = OpinionForm(initial={"opinion": mine.opinion})
    context.update(_access_context(request, document))
    context.update(_links_context(request, document))
    return render(request, "documents/incoming.html", context)


def _incoming_post(request, pk, form_class, run, **form_kwargs):
    document = _incoming(request, pk)
    form = form_class(request.POST, **form_kwargs)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("documents:incoming", pk)
    try:
        run(document, form.cleaned_data)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Saved."))
    return redirect("documents:incoming", pk)


@login_required
@require_POST
def register_view(request, pk):
    def run(document, data):
        accept = data.pop("accept_duplicate")
        accept_signature = data.pop("accept_signature")
        actions.register_incoming(
            request.user, document, accept_duplicate=accept, accept_signature=accept_signature, **data
        )

    return _incoming_post(request, pk, RegisterForm, run)


@login_required
@require_POST
def refuse_view(request, pk):
    return _incoming_post(
        request,
        pk,
        ReasonForm,
        lambda document, data: actions.refuse_incoming(request.user, document, data["reason"]),
    )


@login_required
@require_POST
def assign_view(request, pk):
    document = _incoming(request, pk)
    return _incoming_post(
        request,
        pk,
        AssignForm,
        lambda document, data: actions.assign_incoming(
            request.user,
            document,
            data["handler"],
            data["working_days"],
            coordinators=data["coordinators"],
            unit=data.get("unit"),
        ),
        agency=document.agency,
    )


@login_required
@require_POST
def name_handler_view(request, pk):
    document = _incoming(request, pk)
    if not can(request.user, "documents.name_handler", document):
        raise Http404
    return _incoming_post(
        request,
        pk,
        NameHandlerForm,
        lambda document, data: actions.name_handler(request.user, document, data["handler"]),
        unit_id=document.handling_unit_id,
    )


@login_required
@require_POST
def opinion_view(request, pk):
    return _incoming_post(
        request,
        pk,
        OpinionForm,
        lambda document, data: actions.give_opinion(request.user, document, data["opinion"]),
    )


@login_required
@require_POST
def complete_view(request, pk):
    return _incoming_post(
        request,
        pk,
        NoteForm,
        lambda document, data: actions.complete_incoming(request.user, document, data["note"]),
    )


@login_required
def incoming_file(request, pk):
    document = _incoming(request, pk)
    if not document.file:
        raise Http404
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.file_name or "van-ban.pdf"
    )


# Outgoing documents.


@login_required
def outgoing_list(request):
    agency, agencies = _current_agency(request)
    documents = OutgoingDocument.objects.filter(agency=agency)
    if not can(request.user, "documents.view_register", agency):
        documents = documents.filter(created_by=request.user)
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/outgoing_list.html",
        {
            "agency": agency,
            "agencies": agencies,
            "page": page,
            "may_draft": can(request.user, "documents.draft", agency),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def draft_view(request):
    agency, _others = _current_agency(request)
    if not can(request.user, "documents.draft", agency):
        raise Http404
    form = DraftForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = actions.create_draft(request.user, agency, **form.cleaned_data)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect("documents:outgoing", document.pk)
    return render(
        request,
        "documents/form.html",
        {"form": form, "title": _("New outgoing document"), "agency": agency, "multipart": True},
    )


@login_required
def outgoing_view(request, pk):
    document = _outgoing(request, pk)
    actions.record_read(request.user, document)
    allowed = outgoing_actions(request.user, document)
    deliveries = list(document.deliveries.select_related("recipient"))
    dead = Package.objects.filter(delivery__document=document, state=Package.State.DEAD).select_related(
        "delivery"
    )
    context = {
        "document": document,
        "timeline": outgoing_timeline(document),
        "recipients": [
            {
                "delivery": delivery,
                "sender_side": delivery_timeline(delivery, "sender"),
                "recipient_side": delivery_timeline(delivery, "recipient")
                if delivery.recipient_id and can(request.user, "documents.view_register", delivery.recipient)
                else None,
            }
            for delivery in deliveries
        ],
        "may_issue": "issue" in allowed,
        "may_sign": "sign" in allowed,
        "dead": list(dead) if can(request.user, "documents.send", document) else [],
    }
    if "send" in allowed:
        form = SendForm(sender=document.agency)
        sent = {delivery.recipient_id for delivery in deliveries}
        form.fields["recipients"].queryset = form.fields["recipients"].queryset.exclude(pk__in=sent)
        choices = [form.fields["recipients"].queryset]
        if "outside" in form.fields:
            sent_outside = {delivery.external_id for delivery in deliveries}
            form.fields["outside"].queryset = form.fields["outside"].queryset.exclude(pk__in=sent_outside)
            choices.append(form.fields["outside"].queryset)
        if any(queryset.exists() for queryset in choices):
            if not choices[0].exists():
                del form.fields["recipients"]
            context["send_form"] = form
    context.update(_withdrawal_context(request, document, allowed))
    context.update(_access_context(request, document))
    context.update(_links_context(request, document))
    return render(request, "documents/outgoing.html", context)


@login_required
@require_POST
def issue_view(request, pk):
    document = _outgoing(request, pk)
    try:
        issued = actions.issue_document(request.user, document)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Numbered and issued: %(reference)s.") % {"reference": issued.reference})
    return redirect("documents:outgoing", pk)


@login_required
@require_POST
def send_view(request, pk):
    document = _outgoing(request, pk)
    form = SendForm(request.POST, sender=document.agency)
    if not form.is_valid():
        messages.error(request, _("Choose at least one recipient."))
        return redirect("documents:outgoing", pk)
    try:
        actions.send_document(
            request.user, document, form.cleaned_data["recipients"], form.cleaned_data.get("outside", [])
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The document is on its way."))
    return redirect("documents:outgoing", pk)


@login_required
@require_POST
def resend_view(request, pk, package_pk):
    document = _outgoing(request, pk)
    package = get_object_or_404(Package, pk=package_pk, delivery__document=document)
    try:
        actions.resend_package(request.user, package)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The package will be sent again."))
    return redirect("documents:outgoing", pk)


@login_required
def outgoing_file(request, pk):
    document = _outgoing(request, pk)
    if not document.file:
        raise Http404
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.file_name or "van-ban.pdf"
    )


# Revoking, updating and replacing an issued document.


class WithdrawForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What to do"), choices=Withdrawal.Kind.choices)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500, widget=forms.Textarea)
    replacement = forms.ModelChoiceField(
        label=gettext_lazy("Replacing document (to replace)"),
        queryset=OutgoingDocument.objects.none(),
        required=False,
    )
    subject = forms.CharField(
        label=gettext_lazy("Corrected subject (to update)"), max_length=500, required=False
    )
    due_date = forms.DateField(
        label=gettext_lazy("Corrected reply date (to update)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, document: OutgoingDocument, **kwargs):
        super().__init__(*args, **kwargs)
        replacement = self.fields["replacement"]
        assert isinstance(replacement, forms.ModelChoiceField)
        replacement.queryset = OutgoingDocument.objects.filter(
            agency_id=document.agency_id, state=OutgoingDocument.State.ISSUED, secrecy=Secrecy.NONE
        ).exclude(pk=document.pk)


class DecideForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note (required to decline)"),
        max_length=500,
        required=False,
        widget=forms.Textarea,
    )


def _withdrawal_context(request, document: OutgoingDocument, allowed: list[str]) -> dict:
    waiting = (
        document.withdrawals.filter(state=Withdrawal.State.REQUESTED).select_related("replacement").first()
    )
    context: dict = {
        "withdrawals": list(document.withdrawals.select_related("replacement", "requested_by", "decided_by")),
        "waiting_withdrawal": waiting,
    }
    if waiting is not None and "decide_withdrawal" in allowed:
        context["decide_form"] = DecideForm()
    if "withdraw" in allowed:
        context["withdraw_form"] = WithdrawForm(document=document)
    return context


@login_required
@require_POST
def withdraw_view(request, pk):
    document = _outgoing(request, pk)
    form = WithdrawForm(request.POST, document=document)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("documents:outgoing", pk)
    data = form.cleaned_data
    corrections = {}
    if data["kind"] == Withdrawal.Kind.UPDATE:
        corrections = {name: data[name] for name in ("subject", "due_date") if data[name]}
    try:
        actions.request_withdrawal(
            request.user,
            document,
            data["kind"],
            data["reason"],
            replacement=data["replacement"] if data["kind"] == Withdrawal.Kind.REPLACE else None,
            **corrections,
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The request is waiting for the leader's approval."))
    return redirect("documents:outgoing", pk)


# The dead-letter list.


@login_required
def dead_letters(request):
    agency, agencies = _current_agency(request)
    if not can(request.user, "documents.view_dead_letters", agency):
        raise Http404
    page = Paginator(exchange.dead_letters(agency), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for package in page:
        owner = actions.package_owner(package)
        rows.append(
            {
                "package": package,
                "owner": owner,
                "outgoing": isinstance(owner, OutgoingDocument),
                "to_name": package.delivery.recipient_name
                if package.kind == Package.Kind.DOCUMENT
                else owner.sender_name,
            }
        )
    return render(
        request,
        "documents/dead_letters.html",
        {"agency": agency, "agencies": agencies, "page": page, "rows": rows},
    )


@login_required
@require_POST
def decide_withdrawal_view(request, pk, withdrawal_pk):
    document = _outgoing(request, pk)
    change = get_object_or_404(Withdrawal, pk=withdrawal_pk, document=document)
    form = DecideForm(request.POST)
    form.is_valid()
    approve = request.POST.get("decision") == "approve"
    try:
        actions.decide_withdrawal(request.user, change, approve, form.cleaned_data.get("note", ""))
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Approved and sent to the recipients.") if approve else _("Declined."))
    return redirect("documents:outgoing", pk)


@login_required
@require_POST
def dead_letter_resend(request, package_pk):
    agency, _others = _current_agency(request)
    if not can(request.user, "documents.view_dead_letters", agency):
        raise Http404
    package = get_object_or_404(exchange.dead_letters(agency), pk=package_pk)
    try:
        actions.resend_package(request.user, package)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The package will be sent again."))
    return redirect(f"{reverse('documents:dead_letters')}?agency={agency.pk}")


# The leader's signature, one draft or a batch (Decree 30/2020 Art. 13).


@login_required
def sign_list(request):
    """The leader's inbox of drafts waiting for a signature (not those still with their reviewers)."""
    agency, agencies = _current_agency(request)
    if not can(request.user, "documents.sign", OutgoingDocument(agency=agency)):
        raise Http404
    drafts = (
        OutgoingDocument.objects.filter(
            agency=agency, state=OutgoingDocument.State.DRAFT, signed_at__isnull=True
        )
        .exclude(review_steps__state__in=[ReviewStep.State.PENDING, ReviewStep.State.WAITING])
        .select_related("created_by")
    )
    return render(
        request,
        "documents/sign_list.html",
        {"agency": agency, "agencies": agencies, "drafts": drafts[: PAGE_SIZE * 4]},
    )


@login_required
@require_POST
def sign_batch_view(request):
    agency, _others = _current_agency(request)
    ids = [value for value in request.POST.getlist("documents") if value.isdigit()]
    if not ids:
        messages.error(request, _("Choose at least one draft."))
        return redirect(f"{reverse('documents:sign_list')}?agency={agency.pk}")
    documents = (
        OutgoingDocument.objects.filter(pk__in=ids, agency=agency).select_related("agency").order_by("pk")
    )
    result = actions.sign_drafts(request.user, documents)
    if result.signed:
        messages.success(request, _("%(count)d draft(s) signed.") % {"count": len(result.signed)})
    for document, reason in result.failed:
        messages.error(
            request,
            _("Not signed: %(subject)s — %(reason)s") % {"subject": document.subject, "reason": reason},
        )
    return redirect(f"{reverse('documents:sign_list')}?agency={agency.pk}")


@login_required
@require_POST
def sign_view(request, pk):
    document = _outgoing(request, pk)
    try:
        actions.sign_draft(request.user, document)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The draft is signed; the records office numbers and issues it."))
    return redirect("documents:outgoing", pk)


# The registers printed for a period (Appendix IV).


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The period ends before it starts."))
            if (end - start).days > 366:
                raise forms.ValidationError(_("Print at most one year at a time."))
        return data


@login_required
def register_print(request, kind, fmt):
    agency, agencies = _current_agency(request)
    if kind not in (registers.OUTGOING, registers.INCOMING) or fmt not in ("pdf", "xlsx"):
        raise Http404
    if not can(request.user, "documents.view_register", agency):
        raise Http404
    if "start" not in request.GET and "end" not in request.GET:
        today = timezone.localdate()
        form = PeriodForm(initial={"start": today.replace(day=1), "end": today})
        return render(
            request,
            "documents/register_print.html",
            {"agency": agency, "agencies": agencies, "form": form, "kind": kind},
        )
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "documents/register_print.html",
            {"agency": agency, "agencies": agencies, "form": form, "kind": kind},
            status=400,
        )
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    name = f"so-van-ban-{kind}-{agency.code}-{start:%Y%m%d}-{end:%Y%m%d}.{fmt}"
    if fmt == "pdf":
        data, content_type = registers.as_pdf(kind, agency, start, end), "application/pdf"
    else:
        data = registers.as_xlsx(kind, agency, start, end)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# Search, and the searches an officer keeps.


@login_required
@require_http_methods(["GET", "POST"])
def search_view(request):
    agency, agencies = _current_agency(request)
    if request.method == "POST":
        try:
            actions.save_search(request.user, request.POST.get("name", ""), request.POST.get("q", ""))
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("The search is saved."))
        return redirect(f"{reverse('documents:search')}?{urlencode({'q': request.POST.get('q', '')})}")
    query = request.GET.get("q", "")[:500]
    outgoing, incoming = search.search(request.user, query)
    return render(
        request,
        "documents/search.html",
        {
            "agency": agency,
            "agencies": agencies,
            "query": query,
            "outgoing": outgoing,
            "incoming": incoming,
            "saved": SavedSearch.objects.filter(user=request.user),
        },
    )


@login_required
@require_POST
def delete_search_view(request, pk):
    saved = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    actions.delete_search(request.user, saved)
    messages.success(request, _("The saved search is deleted."))
    return redirect("documents:search")


# The images shown with the signatures (Appendix I).


class ImageForm(forms.Form):
    image = forms.FileField(
        label=gettext_lazy("PNG image with a transparent background"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png"}),
    )


def _data_uri(image) -> str:
    return f"data:image/png;base64,{base64.b64encode(bytes(image.png)).decode('ascii')}" if image else ""


@login_required
@require_http_methods(["GET", "POST"])
def images_view(request):
    agency, agencies = _current_agency(request)
    user = request.user
    is_leader = any(Role.LEADER in roles_in(user, agency_id) for agency_id in document_agency_ids(user))
    keeps_seal = can(user, "documents.manage_seal", agency)
    if not (is_leader or keeps_seal):
        raise Http404
    if request.method == "POST":
        kind = request.POST.get("kind")
        form = ImageForm(request.POST, request.FILES, prefix=kind)
        if kind in ("signer", "seal") and form.is_valid():
            upload = form.cleaned_data["image"]
            if upload.size > actions.MAX_IMAGE_BYTES:
                messages.error(request, _("The image is larger than 512 KB."))
                return redirect(f"{reverse('documents:images')}?agency={agency.pk}")
            data = upload.read()
            try:
                if kind == "signer":
                    actions.set_signer_image(user, data)
                else:
                    actions.set_seal_image(user, agency, data)
            except ValidationError as error:
                _errors(request, error)
            except PermissionDenied as denied:
                raise Http404 from denied
            else:
                messages.success(request, _("The image is saved."))
        else:
            messages.error(request, _("Choose a PNG file."))
        return redirect(f"{reverse('documents:images')}?agency={agency.pk}")
    return render(
        request,
        "documents/images.html",
        {
            "agency": agency,
            "agencies": agencies,
            "signer_form": ImageForm(prefix="signer"),
            "seal_form": ImageForm(prefix="seal"),
            "is_leader": is_leader,
            "keeps_seal": keeps_seal,
            "signer_image": _data_uri(SignerImage.objects.filter(user=user).first()),
            "seal_image": _data_uri(SealImage.objects.filter(agency=agency).first()),
        },
    )


@login_required
def draft_preview(request, pk):
    """The draft as it will be signed, for the leader to review (rendered when nothing was uploaded)."""
    document = _outgoing(request, pk)
    if document.file or document.state != OutgoingDocument.State.DRAFT:
        raise Http404
    response = HttpResponse(signatures.render_draft(document), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ban-thao-{document.pk}.pdf"'
    return response
