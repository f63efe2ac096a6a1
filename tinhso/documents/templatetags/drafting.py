"""``{% drafting_panel document %}``: on an outgoing document's page, its versions, its review
route and what the officer may do there (change the draft, send it for review, review it)."""

from django import template

from tinhso.accounts.permissions import can
from tinhso.documents import drafts
from tinhso.documents.models import OutgoingDocument, ReviewStep

register = template.Library()


@register.inclusion_tag("documents/_drafting.html", takes_context=True)
def drafting_panel(context, document: OutgoingDocument) -> dict:
    from tinhso.documents.views_drafting import ReviewForm, RouteForm

    request = context["request"]
    user = request.user
    versions = list(document.versions.select_related("created_by"))
    steps = list(document.review_steps.select_related("reviewer", "version"))
    state = drafts.route_state(document)
    draft = document.state == OutgoingDocument.State.DRAFT and not document.signed_at
    may_edit = draft and bool(versions) and can(user, "documents.edit_draft", document)
    mine = next(
        (step for step in steps if step.reviewer_id == user.pk and step.state == ReviewStep.State.PENDING),
        None,
    )
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "document": document,
        "versions": versions,
        "steps": steps,
        "route_state": state,
        "may_edit": may_edit and state != "open",
        "route_form": RouteForm(document=document) if may_edit and state != "open" else None,
        "my_step": mine,
        "review_form": ReviewForm() if mine else None,
    }
