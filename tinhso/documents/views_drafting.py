"""Pages of drafting from a template and of the review route (``tinhso.documents.drafting``):
the template's form, a new version, sending for review, a reviewer's decision and the inbox of
drafts waiting for my review. Thin: each POST calls one action."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tinhso.accounts.models import Membership, Role, User
from tinhso.accounts.permissions import can
from tinhso.agencies.models import Agency
from tinhso.documents import drafting, drafts
from tinhso.documents.models import OutgoingDocument, ReviewStep, Secrecy, Urgency
from tinhso.documents.rules import STAFF_ROLES
from tinhso.documents.views import _current_agency, _errors, _outgoing

ROUTE_ROWS = 4


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.full_name or obj.get_username()


def _people(agency: Agency, roles) -> QuerySet[User]:
    ids = Membership.objects.active().filter(agency=agency, role__in=roles).values("user_id")
    return User.objects.filter(pk__in=ids).order_by("full_name", "username")


class TemplateForm(forms.Form):
    """The form of one template: only the parts its type has."""

    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=500)
    unit_symbol = forms.CharField(
        label=gettext_lazy("Drafting unit abbreviation (letters only)"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("For a letter (công văn): e.g. VP gives 12/UBND-VP; also ends “Lưu: VT, VP.”"),
    )
    urgency = forms.TypedChoiceField(
        label=gettext_lazy("Urgency"), choices=Urgency.choices, coerce=int, initial=Urgency.NORMAL
    )
    secrecy = forms.TypedChoiceField(
        label=gettext_lazy("Secrecy"), choices=Secrecy.choices, coerce=int, initial=Secrecy.NONE
    )
    addressees = forms.CharField(
        label=gettext_lazy("Addressees (Kính gửi), one per line"), widget=forms.Textarea(attrs={"rows": 3})
    )
    authority = forms.CharField(
        label=gettext_lazy("Issuing authority, e.g. Chủ tịch Ủy ban nhân dân tỉnh Đồng Tháp"), max_length=200
    )
    grounds = forms.CharField(
        label=gettext_lazy("Grounds (Căn cứ), one per line"), widget=forms.Textarea(attrs={"rows": 4})
    )
    body = forms.CharField(
        label=gettext_lazy("Text, paragraphs separated by an empty line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    articles = forms.CharField(
        label=gettext_lazy("Articles (Điều 1, 2…), separated by an empty line"),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    recipients = forms.CharField(
        label=gettext_lazy("Recipients (Nơi nhận), one per line; “Lưu: VT” is added"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    signer = PersonField(label=gettext_lazy("Signer"), queryset=User.objects.none(), required=False)
    signer_competence = forms.ChoiceField(
        label=gettext_lazy("Signing authority"),
        choices=[(value, value or "—") for value in drafts.COMPETENCES],
        required=False,
    )
    signer_position = forms.CharField(label=gettext_lazy("Signer's position"), required=False, max_length=100)
    signer_title = forms.CharField(
        label=gettext_lazy("Signer's own position under it (for KT., TL.…)"), required=False, max_length=100
    )

    def __init__(self, *args, template: drafts.Template, agency: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        signer: Any = self.fields["signer"]
        signer.queryset = _people(agency, [Role.LEADER])
        if not template.addressees:
            del self.fields["addressees"]
        if not template.grounds:
            del self.fields["grounds"]
        if not template.articles:
            del self.fields["articles"]
            del self.fields["authority"]
        else:
            del self.fields["body"]

    def draft_input(self) -> drafting.DraftInput:
        data = self.cleaned_data
        values: dict[str, Any] = {name: data.get(name) or "" for name in self.fields}
        values.update(signer=data.get("signer"), urgency=data["urgency"], secrecy=data["secrecy"])
        return drafting.DraftInput(**values)


def _initial(template: drafts.Template) -> dict:
    return {
        "body": template.body,
        "articles": "\n\n".join(template.closing_articles),
        "recipients": "\n".join(template.recipients),
    }


def _initial_from(document: OutgoingDocument) -> dict:
    """The form as the latest version left it."""
    latest = document.versions.order_by("-number").first()
    parts = latest.parts if latest else {}
    signer = _people(document.agency, [Role.LEADER]).filter(full_name=document.signer_name).first()
    return {
        "subject": document.subject,
        "unit_symbol": parts.get("unit", ""),
        "urgency": document.urgency,
        "secrecy": document.secrecy,
        "addressees": "\n".join(parts.get("addressees", [])),
        "authority": parts.get("authority", ""),
        "grounds": "\n".join(parts.get("grounds", [])),
        "body": "\n\n".join(parts.get("paragraphs", [])),
        "articles": "\n\n".join(parts.get("articles", [])),
        "recipients": "\n".join(parts.get("recipients", [])),
        "signer": signer,
        "signer_competence": document.signer_competence,
        "signer_position": document.signer_position,
        "signer_title": parts.get("signer_title", ""),
    }


@login_required
@require_http_methods(["GET", "POST"])
def template_draft_view(request):
    agency, _others = _current_agency(request)
    if not can(request.user, "documents.draft", agency):
        raise Http404
    type_code = request.GET.get("type") or request.POST.get("type")
    if type_code not in drafts.TEMPLATES:
        return render(
            request,
            "documents/template_choice.html",
            {"agency": agency, "templates": drafts.TEMPLATES.values()},
        )
    template = drafts.TEMPLATES[type_code]
    form = TemplateForm(request.POST or None, template=template, agency=agency, initial=_initial(template))
    if request.method == "POST" and form.is_valid():
        try:
            document = drafting.draft_from_template(request.user, agency, type_code, form.draft_input())
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("The draft is saved as version 1."))
            return redirect("documents:outgoing", document.pk)
    return render(
        request,
        "documents/template_form.html",
        {
            "form": form,
            "agency": agency,
            "template": template,
            "title": _("New %(type)s") % {"type": template.name},
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_draft_view(request, pk):
    document = _outgoing(request, pk)
    if not can(request.user, "documents.edit_draft", document) or not document.versions.exists():
        raise Http404
    template = drafts.TEMPLATES[document.type_code]
    form = TemplateForm(
        request.POST or None, template=template, agency=document.agency, initial=_initial_from(document)
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = drafting.save_version(request.user, document, form.draft_input())
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(
                request, _("The draft is saved as version %(number)d.") % {"number": version.number}
            )
            return redirect("documents:outgoing", document.pk)
    return render(
        request,
        "documents/template_form.html",
        {
            "form": form,
            "agency": document.agency,
            "template": template,
            "document": document,
            "title": _("Change the draft"),
        },
    )


class RouteForm(forms.Form):
    """Up to four reviewers; the same order number means at the same time."""

    def __init__(self, *args, document: OutgoingDocument, **kwargs):
        super().__init__(*args, **kwargs)
        people = _people(document.agency, STAFF_ROLES).exclude(pk=document.created_by_id)
        for row in range(1, ROUTE_ROWS + 1):
            self.fields[f"reviewer_{row}"] = PersonField(
                label=_("Reviewer %(row)d") % {"row": row}, queryset=people, required=False
            )
            self.fields[f"stage_{row}"] = forms.IntegerField(
                label=_("Order"), min_value=1, max_value=ROUTE_ROWS, initial=row, required=False
            )
            self.fields[f"purpose_{row}"] = forms.CharField(
                label=_("What they review (content, format, legal…)"), max_length=100, required=False
            )
            self.fields[f"initials_{row}"] = forms.BooleanField(
                label=_("Co-signature (initials) on the draft"), required=False
            )

    def route(self) -> list[drafting.RouteStep]:
        data = self.cleaned_data
        return [
            drafting.RouteStep(
                reviewer=data[f"reviewer_{row}"],
                stage=data[f"stage_{row}"] or row,
                purpose=data[f"purpose_{row}"],
                initials=data[f"initials_{row}"],
            )
            for row in range(1, ROUTE_ROWS + 1)
            if data.get(f"reviewer_{row}")
        ]


@login_required
@require_POST
def route_view(request, pk):
    document = _outgoing(request, pk)
    form = RouteForm(request.POST, document=document)
    if form.is_valid():
        try:
            drafting.send_for_review(request.user, document, form.route())
        except ValidationError as error:
            _errors(request, error)
        except PermissionDenied as denied:
            raise Http404 from denied
        else:
            messages.success(request, _("The draft is sent to its reviewers."))
    else:
        messages.error(request, _("Check the reviewers and their order."))
    return redirect("documents:outgoing", pk)


class ReviewForm(forms.Form):
    opinion = forms.CharField(
        label=gettext_lazy("Your opinion (required to return the draft)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@login_required
@require_POST
def review_view(request, pk, step_pk):
    step = get_object_or_404(
        ReviewStep.objects.select_related("document__agency"), pk=step_pk, document_id=pk
    )
    if step.reviewer_id != request.user.pk:
        raise Http404
    form = ReviewForm(request.POST)
    form.is_valid()
    approve = request.POST.get("decision") == "approve"
    try:
        drafting.review_draft(
            request.user, step, approve=approve, opinion=form.cleaned_data.get("opinion", "")
        )
    except ValidationError as error:
        _errors(request, error)
    except PermissionDenied as denied:
        raise Http404 from denied
    else:
        messages.success(
            request,
            _("Your approval is recorded.") if approve else _("The draft is returned to its drafter."),
        )
    return redirect("documents:outgoing", pk)


@login_required
def review_inbox(request):
    """Drafts waiting for my review, in every agency where I work on documents."""
    agency, agencies = _current_agency(request)
    steps = (
        ReviewStep.objects.filter(reviewer=request.user, state=ReviewStep.State.PENDING)
        .select_related("document__agency", "document__created_by")
        .order_by("pk")
    )
    return render(
        request, "documents/review_inbox.html", {"agency": agency, "agencies": agencies, "steps": steps}
    )
