"""Pages of the national connectors: the portal sync (rate, failure list, send again) for the
province's administrators, and the population-database lookup on the back office's dossier page
and the citizen's draft."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tinhso.accounts.models import User
from tinhso.accounts.permissions import can, require
from tinhso.dossiers.models import Dossier
from tinhso.national import actions, protocol, sync
from tinhso.national.models import PortalSync


@never_cache
@login_required
def portal_sync(request: HttpRequest) -> HttpResponse:
    require(request.user, "national.manage_portal_sync")
    context = {
        "configured": protocol.portal_config() is not None,
        "rate": sync.sync_rate(),
        "failures": sync.failures()[:200],
    }
    return render(request, "national/portal_sync.html", context)


@require_POST
@login_required
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    failed = get_object_or_404(PortalSync, pk=pk)
    try:
        actions.resend_portal_sync(request.user, failed, request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The status change is queued to be sent again."))
    return redirect("national:portal_sync")


def population_part(request: HttpRequest, dossier: Dossier) -> dict[str, Any]:
    """The lookup on the back office's dossier page: shown when the database is configured and
    the officer may ask about this dossier."""
    return {
        "can_lookup": protocol.population_configured()
        and can(request.user, "national.lookup_population", dossier),
    }


@never_cache
@require_POST
@login_required
def population_lookup(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = get_object_or_404(Dossier.objects.select_related("applicant", "procedure"), pk=pk)
    if not can(request.user, "national.lookup_population", dossier):
        raise PermissionDenied
    context: dict[str, Any] = {"dossier": dossier, "citizen": None, "error": ""}
    status = 200
    try:
        context["citizen"] = actions.lookup_population(cast(User, request.user), dossier, request)
    except ValidationError as exc:
        context["error"], status = " ".join(exc.messages), 400
    except protocol.UnknownCitizen as exc:
        context["error"], status = str(exc), 404
    except protocol.ConnectorError as exc:
        context["error"], status = str(exc), 502
    return render(request, "national/population.html", context, status=status)


def population_fill_part(
    request: HttpRequest, draft: Dossier, fields: list[dict[str, Any]], number: int
) -> dict[str, Any] | None:
    """The e-form page's offer to fill the applicant's questions from the population database:
    shown to the citizen whose draft it is, when their account has a personal identification
    number, the database is configured and this page asks something it holds; it says what is
    fetched and why before they choose (Law 91/2025/QH15 Art. 9)."""
    user = request.user
    if not (protocol.population_configured() and user.is_authenticated and not user.is_officer):
        return None
    cccd = user.cccd or ""
    if not cccd or not can(user, "national.lookup_population", draft):
        return None
    asked = [
        inner["label"]
        for field in fields
        if field["type"] == "group" and field.get("from_account")
        for inner in field["fields"]
        if inner["name"] in actions.POPULATION_ANSWERS and inner["type"] in ("text", "date")
    ]
    if not asked:
        return None
    return {"dossier": draft, "asked": asked, "number_end": cccd[-4:], "page": number}


@require_POST
@login_required
def population_fill(request: HttpRequest, pk: int) -> HttpResponse:
    """The citizen's e-form: fill the applicant's questions from the population database, then
    back to the page they were on (the form stays usable whatever the database answered)."""
    draft = get_object_or_404(Dossier.objects.select_related("applicant", "procedure"), pk=pk)
    if not can(request.user, "national.lookup_population", draft):
        raise PermissionDenied
    pages = len((draft.procedure.eform or {}).get("pages", [])) or 1
    page = request.POST.get("page", "")
    number = min(int(page), pages) if page.isdigit() and int(page) >= 1 else 1
    try:
        actions.fill_draft_from_population(cast(User, request.user), draft, request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except protocol.ConnectorError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Your details were filled from the national population database. Check them.")
        )
    return redirect("dossiers:page", pk=draft.pk, number=number)
