"""Back-office pages. Thin: each POST calls one business action; refusals come back as
Vietnamese messages, permission failures as 403, dossiers out of scope as 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tinhso.accounts.models import Membership, Role, User, UserKind
from tinhso.accounts.permissions import agency_ids_in_scope, can, has_role
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.audit.services import record_dossier_read
from tinhso.documents.waiting import waiting_counts
from tinhso.dossiers import answers
from tinhso.dossiers.actions import applicant_answers, applicant_fields, received_procedures
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.status import Status
from tinhso.motcua import actions, inbox
from tinhso.motcua.models import CopyForm, DraftResult, ScanExemption
from tinhso.motcua.parts import parts
from tinhso.motcua.rules import allowed_actions, holds
from tinhso.procedures.models import Procedure
from tinhso.statistics.rules import visible as statistics_visible
from tinhso.workflows.actions import actions_out, perform_action, step_target
from tinhso.workflows.models import Action, DossierFlow

FEEDBACK_LINKS = [
    ("feedback:routing_inbox", gettext_lazy("Reports to route"), "feedback.route"),
    ("feedback:agency_inbox", gettext_lazy("Reports of my agency"), "feedback.work"),
    ("feedback:approvals", gettext_lazy("Answers waiting for approval"), "feedback.approve"),
    ("feedback:overdue", gettext_lazy("Overdue reports"), "feedback.view_overdue"),
    ("feedback:hotline", gettext_lazy("Enter a hotline report"), "feedback.hotline_enter"),
]


def _officer(request):
    if request.user.kind != UserKind.OFFICER:
        raise PermissionDenied("motcua")


def _dossier(request, pk) -> Dossier:
    """The dossier, or 404 when the officer may not see it (no hint that it exists)."""
    dossier = get_object_or_404(
        Dossier.objects.select_related(
            "procedure",
            "receiving_agency",
            "applicant",
            "applicant_unit",
            "flow__version",
            "flow__state",
            "flow__current_agency",
            "flow__assignee",
        ),
        pk=pk,
        is_draft=False,
    )
    if not can(request.user, "motcua.view", dossier):
        raise Http404
    return dossier


def _flow(dossier: Dossier) -> DossierFlow | None:
    """The flow ``_dossier`` read with the dossier, for this request's page (None: it has none;
    the reverse one-to-one raises an AttributeError then)."""
    return getattr(dossier, "flow", None)


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


class InboxFilter(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Dossier code or submission reference, applicant name, citizen ID or procedure"),
        required=False,
        max_length=100,
    )
    # The procedures of the dossiers waiting in the officer's inbox, by code (as the API takes
    # it), not the whole catalogue of a province's two thousand procedures.
    procedure = forms.ChoiceField(label=gettext_lazy("Procedure"), required=False)
    status = forms.TypedChoiceField(
        label=gettext_lazy("Status"), choices=[("", "—"), *Status.choices], coerce=int, required=False
    )
    waiting = forms.ChoiceField(
        label=gettext_lazy("Waiting for"),
        required=False,
        choices=[
            ("", "—"),
            (inbox.TO_RECEIVE, gettext_lazy("reception")),
            (inbox.TO_PROCESS, gettext_lazy("processing")),
            (inbox.TO_SIGN, gettext_lazy("a leader's approval or signature")),
        ],
    )
    deadline = forms.ChoiceField(
        label=gettext_lazy("Deadline"),
        required=False,
        choices=[
            ("", "—"),
            (inbox.DUE_TODAY, gettext_lazy("due today")),
            (inbox.DUE_SOON, gettext_lazy("due soon")),
            (inbox.OVERDUE, gettext_lazy("overdue")),
            (inbox.STEP_LATE, gettext_lazy("late at their step")),
        ],
    )

    def __init__(self, *args, procedures: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["procedure"].choices = [("", "—"), *procedures]


@login_required
def start_view(request):
    """The officer's start page: what waits for them, by role and deadline, each count opening
    the inbox filtered to it, and the way into each back office they may use. Only what their
    roles may act on: no one-stop dossiers for a dashboard viewer or a document clerk."""
    _officer(request)
    user = request.user
    handles_dossiers = has_role(user, *inbox.HANDLING_ROLES)
    return render(
        request,
        "motcua/start.html",
        {
            "counts": inbox.start_counts(user) if handles_dossiers else None,
            "documents": waiting_counts(user),
            "may_receive": has_role(user, Role.ONE_STOP_OFFICER),
            "feedback": [(url, label) for url, label, permission in FEEDBACK_LINKS if can(user, permission)],
            "may_see_statistics": statistics_visible(user),
        },
    )


# The leaders' inbox shows this many of the agency's overdue dossiers, the most overdue first,
# and links to the whole list.
OVERDUE_SHOWN = 5


@login_required
def inbox_view(request):
    _officer(request)
    counts, procedure_ids = inbox.counts(request.user)
    waiting = Procedure.objects.filter(pk__in=procedure_ids).order_by("name")
    form = InboxFilter(request.GET or None, procedures=list(waiting.values_list("code", "name")))
    filters = form.cleaned_data if form.is_valid() else {}
    paginator = Paginator(inbox.filtered(request.user, **filters), 25)
    if not any(filters.values()):  # the whole inbox: counted already
        paginator.count = counts["total"]
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    overdue, overdue_count = None, 0
    if has_role(request.user, Role.LEADER):
        in_agency = inbox.overdue_in_agency(request.user)
        overdue_rows = list(in_agency[:OVERDUE_SHOWN])
        overdue_count = in_agency.count() if len(overdue_rows) == OVERDUE_SHOWN else len(overdue_rows)
        # Both lists' dossiers in one read; a dossier on both is one object.
        dossiers = inbox.dossiers_of(rows + overdue_rows)
        page.object_list, overdue = dossiers[: len(rows)], dossiers[len(rows) :]
    else:
        page.object_list = inbox.dossiers_of(rows)
    return render(
        request,
        "motcua/inbox.html",
        {
            "form": form,
            "page": page,
            "counts": counts,
            "overdue": overdue,
            "overdue_count": overdue_count,
            "may_receive": has_role(request.user, Role.ONE_STOP_OFFICER),
            "now": timezone.now(),
        },
    )


@login_required
def overdue_view(request):
    """For leaders: every overdue dossier at an agency they lead, whoever holds it, a page at a
    time (their inbox shows the ``OVERDUE_SHOWN`` most overdue)."""
    _officer(request)
    if not has_role(request.user, Role.LEADER):
        raise PermissionDenied
    page = Paginator(inbox.overdue_in_agency(request.user), 25).get_page(request.GET.get("page"))
    page.object_list = inbox.dossiers_of(page.object_list)
    return render(request, "motcua/overdue.html", {"page": page, "now": timezone.now()})


@login_required
def handled_view(request):
    """The dossiers the officer took a step of, the one they last acted on first: once a dossier
    has moved on to another agency, they may still open it, to read only."""
    _officer(request)
    page = Paginator(inbox.handled_by(request.user), 25).get_page(request.GET.get("page"))
    page.object_list = inbox.dossiers_of(page.object_list)
    return render(request, "motcua/handled.html", {"page": page, "now": timezone.now()})


# What the dossier page shows of the applicant, for the personal-data read log.
READ_FIELDS = ["full_name", "cccd", "phone", "email", "address", "form_data", "attachments"]


def answer_sections(dossier: Dossier) -> list[dict]:
    """The applicant's contact details and each page of the e-form as labelled, readable answers
    (dates dd/mm/yyyy, choices by label, groups nested), as the applicant checked them."""
    context = answers.Context()
    identity = [
        {"label": _("Full name"), "text": dossier.applicant_name, "items": []},
        {"label": _("Citizen ID (CCCD)"), "text": dossier.masked_cccd, "items": []},
    ]
    contact = answers.display_rows(applicant_fields(), applicant_answers(dossier), context)
    sections = [{"title": _("Applicant"), "rows": identity + contact}]
    # A dossier received on paper at the counter has no e-form answers: its scans say it all.
    for page in (dossier.procedure.eform or {}).get("pages", []) if dossier.form_data else []:
        sections.append(
            {"title": page["title"], "rows": answers.display_rows(page["fields"], dossier.form_data, context)}
        )
    return sections


def log_dossier_read(request, dossier: Dossier) -> None:
    """Record that the officer read the applicant's personal data (Law 91/2025/QH15 art. 4,
    Decree 356/2025/NĐ-CP: who read what, when and why)."""
    record_dossier_read(request.user, dossier, READ_FIELDS, "motcua.handle_dossier", request)


@login_required
def dossier_view(request, pk):
    _officer(request)
    dossier = _dossier(request, pk)
    log_dossier_read(request, dossier)
    results = list(dossier.signed_documents.order_by("signed_at"))
    flow = _flow(dossier)
    user = request.user
    return render(
        request,
        "motcua/dossier.html",
        {
            "dossier": dossier,
            "flow": flow,
            "allowed": allowed_actions(user, dossier, flow),
            "sections": answer_sections(dossier),
            "attachments": dossier.attachments.select_related("required_document"),
            "counter_documents": dossier.counter_documents.select_related("scan"),
            "history": dossier.status_changes.select_related("actor"),
            "steps": dossier.step_records.select_related("from_user", "to_user", "from_agency", "to_agency"),
            "due_changes": dossier.due_time_changes.all(),
            "notifications": dossier.notifications.all(),
            "results": results,
            "drafts": dossier.draft_results.select_related("uploaded_by"),
            "parts": parts(request, dossier),
        },
    )


class ActionForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("Officer handling the next step"), queryset=User.objects.none(), required=False
    )
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Send to agency"), queryset=Agency.objects.none(), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, action: Action, dossier: Dossier, flow: DossierFlow, **kwargs):
        super().__init__(*args, **kwargs)
        self.nobody_to_assign = ""
        if action.assign_role:
            target = (
                flow.current_agency if action.transfers_to_agency_kind else step_target(action, flow, dossier)
            )
            officers = _officers_holding([action.assign_role], _ancestors(target))
            self.fields["assignee"].queryset = officers
            self.fields["assignee"].required = True
            if not officers.exists():
                self.nobody_to_assign = _(
                    "No officer on the platform holds the role “%(role)s” at %(agency)s or an agency "
                    "above it yet, so the dossier cannot be handed on: it stays at its current "
                    "step. An administrator of that agency or of the province gives an officer the "
                    "role on the administration site (Accounts › the officer › Memberships); then "
                    "this step can be taken."
                ) % {"role": Role(action.assign_role).label, "agency": target.name}
        else:
            del self.fields["assignee"]
        if action.transfers_to_agency_kind:
            self.fields["agency"].queryset = Agency.objects.valid_on().filter(
                kind=action.transfers_to_agency_kind
            )
            self.fields["agency"].required = True
        else:
            del self.fields["agency"]


def _officers_holding(roles, agencies):
    """Officers holding one of ``roles`` today in one of ``agencies``: those the engine accepts as
    assignees (``perform_action`` checks the valid memberships), not former members."""
    members = Membership.objects.active().filter(role__in=roles, agency__in=agencies).values("user_id")
    return User.objects.filter(kind=UserKind.OFFICER, pk__in=members)


def _ancestors(agency):
    ids = [int(pk) for pk in agency.path.strip("/").split("/") if pk] or [agency.pk]
    return Agency.objects.filter(pk__in=ids)


@login_required
@require_http_methods(["GET", "POST"])
def action_view(request, pk, key):
    _officer(request)
    dossier = _dossier(request, pk)
    flow = _flow(dossier)
    if flow is None:
        raise Http404
    # The action out of the dossier's current state: a key may name actions from several states.
    action = actions_out(flow.state_id, flow.version).get(key)
    if action is None:
        if request.method == "POST" and flow.version.actions.filter(key=key).exists():
            # A page opened before the dossier moved on: the engine refuses, says why and audits.
            return _refuse_out_of_state(request, dossier, key)
        raise Http404
    form = ActionForm(
        request.POST or None, action=action, dossier=dossier, flow=flow, initial={"version": dossier.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            perform_action(
                request.user,
                dossier,
                key,
                note=form.cleaned_data["note"],
                assignee=form.cleaned_data.get("assignee"),
                agency=form.cleaned_data.get("agency"),
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            _errors(request, error)
            return redirect("motcua:dossier", pk=dossier.pk)
        return _after_step(request, dossier, action.name)
    if request.method == "POST":
        forged = _forged_fields(form)
        if forged:
            actions.record_forged_form(request.user, dossier, key, forged, request=request)
    return render(request, "motcua/action.html", {"dossier": dossier, "action": action, "form": form})


def _after_step(request, dossier: Dossier, done: str):
    """Back to the dossier, or to the inbox when the step took the dossier out of the officer's
    agencies (handed to another agency for its next step or for the return of its result)."""
    messages.success(request, _("Done: %(action)s.") % {"action": done})
    if holds(request.user, dossier):
        return redirect("motcua:dossier", pk=dossier.pk)
    agency = (
        DossierFlow.objects.filter(dossier=dossier).values_list("current_agency__name", flat=True).first()
    )
    messages.info(
        request,
        _(
            "Dossier %(code)s has left your agencies: it is now at %(agency)s. You can still read it "
            "among the dossiers you handled."
        )
        % {"code": dossier.display_code, "agency": agency or dossier.receiving_agency.name},
    )
    return redirect("motcua:inbox")


def _refuse_out_of_state(request, dossier: Dossier, key: str):
    try:
        perform_action(request.user, dossier, key, expected_version=dossier.version)
    except ValidationError as error:
        _errors(request, error)
    return redirect("motcua:dossier", pk=dossier.pk)


def _forged_fields(form) -> list[str]:
    """Fields whose posted value the page cannot have produced: a hidden field that is not
    valid, or a value outside a list of choices."""
    return [
        name
        for name, errors in form.errors.as_data().items()
        if name in form.fields
        and (form.fields[name].widget.is_hidden or any(e.code == "invalid_choice" for e in errors))
    ]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )


class SupplementForm(forms.Form):
    missing = forms.CharField(
        label=gettext_lazy("What is missing (one item a line)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ExtendForm(forms.Form):
    new_due_at = forms.DateTimeField(
        label=gettext_lazy("New due time"), help_text=gettext_lazy("e.g. 25/02/2026 16:00")
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason and apology"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class SignForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title of the result"), max_length=255)
    file = forms.FileField(
        label=gettext_lazy("Result (PDF)"),
        required=False,
        help_text=gettext_lazy("Leave empty to sign the draft result shown above."),
    )


class DraftForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title of the result"), max_length=255)
    file = forms.FileField(label=gettext_lazy("Draft result (PDF)"))


def _side_action(request, pk, form_class, title, run, initial=None, draft=None):
    _officer(request)
    dossier = _dossier(request, pk)
    form = form_class(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            run(request.user, dossier, form.cleaned_data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            return _after_step(request, dossier, title)
    return render(
        request, "motcua/side_action.html", {"dossier": dossier, "form": form, "title": title, "draft": draft}
    )


@login_required
@require_http_methods(["GET", "POST"])
def refuse_view(request, pk):
    return _side_action(
        request,
        pk,
        ReasonForm,
        _("Refuse the dossier"),
        lambda u, d, c: actions.refuse_dossier(u, d, c["reason"]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def supplement_view(request, pk):
    def run(user, dossier, data):
        actions.ask_for_supplement(user, dossier, data["missing"].splitlines(), data["note"])

    return _side_action(request, pk, SupplementForm, _("Ask for supplementary documents"), run)


@login_required
@require_http_methods(["GET", "POST"])
def payment_view(request, pk):
    return _side_action(
        request, pk, NoteForm, _("Ask for the fees"), lambda u, d, c: actions.ask_for_payment(u, d, c["note"])
    )


@login_required
@require_http_methods(["GET", "POST"])
def cash_view(request, pk):
    return _side_action(
        request,
        pk,
        NoteForm,
        _("Record a cash payment"),
        lambda u, d, c: actions.record_cash_payment(u, d, c["note"]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def extend_view(request, pk):
    def run(user, dossier, data):
        actions.extend_dossier(user, dossier, data["new_due_at"], data["reason"])

    return _side_action(request, pk, ExtendForm, _("Extend the due time"), run)


@login_required
@require_http_methods(["GET", "POST"])
def stop_view(request, pk):
    return _side_action(
        request, pk, ReasonForm, _("Stop processing"), lambda u, d, c: actions.stop_dossier(u, d, c["reason"])
    )


def _latest_draft(pk) -> DraftResult | None:
    return DraftResult.objects.filter(dossier_id=pk).order_by("-uploaded_at", "-pk").first()


@login_required
@require_http_methods(["GET", "POST"])
def grant_withdrawal_view(request, pk):
    return _side_action(
        request,
        pk,
        NoteForm,
        _("Stop the dossier as the applicant asked"),
        lambda u, d, c: actions.grant_withdrawal(u, d, c["note"]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def refuse_withdrawal_view(request, pk):
    return _side_action(
        request,
        pk,
        ReasonForm,
        _("Refuse the withdrawal"),
        lambda u, d, c: actions.refuse_withdrawal(u, d, c["reason"]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def sign_view(request, pk):
    """The leader signs the uploaded PDF, or else the specialist's latest draft result."""
    draft = _latest_draft(pk)

    def run(user, dossier, data):
        if data["file"]:
            content = data["file"].read()
        elif draft is not None:
            with draft.file.open("rb") as stored:
                content = stored.read()
        else:
            raise ValidationError({"file": [_("Choose the PDF of the result.")]})
        actions.sign_result(user, dossier, content, data["title"])

    initial = {"title": draft.title} if draft else None
    return _side_action(request, pk, SignForm, _("Sign the electronic result"), run, initial, draft)


@login_required
@require_http_methods(["GET", "POST"])
def draft_view(request, pk):
    def run(user, dossier, data):
        actions.attach_draft_result(user, dossier, data["file"], data["title"])

    return _side_action(request, pk, DraftForm, _("Attach a draft result"), run)


@login_required
def draft_file(request, pk, draft_pk):
    _officer(request)
    dossier = _dossier(request, pk)
    draft = get_object_or_404(DraftResult, pk=draft_pk, dossier=dossier)
    record_dossier_read(request.user, dossier, ["full_name", "result"], "motcua.draft_result", request)
    response = FileResponse(
        draft.file.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"du-thao-{dossier.display_code}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


class CounterForm(forms.Form):
    procedure = forms.ModelChoiceField(label=gettext_lazy("Procedure"), queryset=Procedure.objects.none())
    name = forms.CharField(label=gettext_lazy("Applicant's full name"), max_length=200)
    cccd = forms.CharField(label=gettext_lazy("Citizen ID (CCCD)"), max_length=12, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=16, required=False)
    email = forms.EmailField(label=gettext_lazy("Email"), required=False)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=255, required=False)
    document_name = forms.CharField(
        label=gettext_lazy("Document given"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("For example: the birth registration declaration form"),
    )
    document_form = forms.ChoiceField(
        label=gettext_lazy("Given as"), choices=CopyForm.choices, initial=CopyForm.ORIGINAL, required=False
    )
    document = forms.FileField(label=gettext_lazy("Scanned documents (PDF)"), required=False)
    document_exemption = forms.ChoiceField(
        label=gettext_lazy("Not scanned because"),
        choices=[("", gettext_lazy("It is scanned")), *ScanExemption.choices],
        required=False,
        help_text=gettext_lazy("Paper documents are scanned at reception except in these cases."),
    )
    paid = forms.BooleanField(label=gettext_lazy("The fees were paid in cash"), required=False)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        # The procedures these desks receive, not the whole catalogue (2,000 in a province).
        self.fields["procedure"].queryset = received_procedures(agencies)
        self.fields["agency"] = forms.ModelChoiceField(
            label=gettext_lazy("Receiving agency"), queryset=agencies
        )
        if agencies.count() == 1:
            self.fields["agency"].initial = agencies.first()
        # Accepting usually hands the dossier to a specialist (the flow's reception action says
        # which role; ``perform_action`` checks the choice).
        above = Agency.objects.none()
        for agency in agencies:
            above = above | _ancestors(agency)
            if agency.kind == AgencyKind.SERVICE_CENTRE:
                # A service centre receives for the departments, which handle the dossiers.
                above = above | Agency.objects.filter(
                    pk__in=Procedure.agencies.through.objects.values("agency_id")
                )
        self.fields["assignee"] = forms.ModelChoiceField(
            label=gettext_lazy("Officer handling the next step"),
            queryset=_officers_holding([Role.SPECIALIST, Role.LEADER], above).order_by("full_name"),
            required=False,
        )


# The action's error keys that are not the form's own field names.
_COUNTER_ERROR_FIELDS = {"documents": "document"}


@login_required
@require_http_methods(["GET", "POST"])
def counter_view(request):
    _officer(request)
    agencies = Agency.objects.filter(pk__in=agency_ids_in_scope(request.user, Role.ONE_STOP_OFFICER))
    if not agencies.exists():
        raise PermissionDenied("motcua.receive_at_counter")
    form = CounterForm(request.POST or None, request.FILES or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        documents = []
        if data["document"] or data["document_name"] or data["document_exemption"]:
            documents.append(
                actions.GivenDocument(
                    data["document_form"],
                    name=data["document_name"] or getattr(data["document"], "name", ""),
                    file=data["document"],
                    exemption=data["document_exemption"],
                )
            )
        try:
            dossier = actions.receive_at_counter(
                request.user,
                data["agency"],
                data["procedure"],
                data,
                documents,
                assignee=data["assignee"],
                paid=data["paid"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(
                        field if field in form.fields else _COUNTER_ERROR_FIELDS.get(field), errors
                    )
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("Dossier %(code)s received.") % {"code": dossier.display_code})
            return redirect("motcua:dossier", pk=dossier.pk)
    return render(request, "motcua/counter.html", {"form": form})
