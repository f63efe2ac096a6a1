"""Pages of the integration platform: the public catalogue of services (``/lien-thong/``), a
service with its OpenAPI description and how to call it, asking for access, the owner's
decisions and revocations, and the health of the services for province administrators."""

import json

import httpx
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tinhso.accounts.models import Role
from tinhso.accounts.permissions import agency_ids_in_scope, can, is_province_admin, require
from tinhso.dossiers.models import Dossier
from tinhso.lgsp import actions, client, operations
from tinhso.lgsp.forms import AccessRequestForm, ApproveForm, RejectForm
from tinhso.lgsp.models import AccessRequest, Grant, Service, Subsystem


def catalogue(request):
    services = Service.objects.filter(is_active=True).select_related("subsystem__member").order_by("title")
    return render(
        request,
        "lgsp/catalogue.html",
        {"services": services, "gateway_url": settings.LGSP_GATEWAY_URL, "instance": settings.LGSP_INSTANCE},
    )


def _my_clients(user):
    """The systems the user may ask access for: those of the members whose agency they govern."""
    if not user.is_authenticated:
        return Subsystem.objects.none()
    systems = Subsystem.objects.select_related("member")
    if is_province_admin(user):
        return systems
    return systems.filter(member__agency_id__in=agency_ids_in_scope(user, Role.LEADER, Role.AGENCY_ADMIN))


def service_detail(request, pk):
    service = get_object_or_404(Service.objects.select_related("subsystem__member"), pk=pk, is_active=True)
    clients = _my_clients(request.user)
    form = None
    if clients.exists():
        form = AccessRequestForm(request.POST or None, clients=clients, service=service)
        if request.method == "POST" and form.is_valid():
            try:
                actions.request_access(
                    request.user,
                    form.cleaned_data["client"],
                    list(form.cleaned_data["endpoints"]),
                    form.cleaned_data["purpose"],
                    request,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Your request was sent to the owner of the service."))
                return redirect("lgsp:requests")
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "lgsp/service.html",
        {
            "service": service,
            "endpoints": service.endpoints.all(),
            "openapi": json.dumps(service.openapi, ensure_ascii=False, indent=2),
            "form": form,
            "gateway_url": settings.LGSP_GATEWAY_URL or "http://127.0.0.1:8020",
            "may_try": _may_try(request.user, service),
            "try_paths": [
                e.path for e in service.endpoints.all() if e.method in ("GET", "*") and "{" not in e.path
            ],
        },
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


def openapi(request, pk):
    service = get_object_or_404(Service, pk=pk, is_active=True)
    return HttpResponse(json.dumps(service.openapi, ensure_ascii=False), content_type="application/json")


def _may_try(user, service: Service) -> bool:
    configured = bool(settings.LGSP_CLIENT and settings.LGSP_CLIENT_KEY_FILE and settings.LGSP_GATEWAY_URL)
    return (
        configured
        and user.is_authenticated
        and not service.personal_data
        and can(user, "lgsp.try_service", service)
    )


@login_required
@require_POST
def try_service(request, pk):
    """ "Try it": one GET through the real gateway as the platform's sandbox system, its answer
    shown as it came (public services only: nothing personal is shown or logged with a body)."""
    service = get_object_or_404(Service.objects.select_related("subsystem__member"), pk=pk, is_active=True)
    if not _may_try(request.user, service):
        raise PermissionDenied
    path = request.POST.get("path", "/").strip() or "/"
    if not path.startswith("/") or len(path) > 500 or any(ord(char) < 32 for char in path):
        messages.error(request, _("The path must start with '/'."))
        return redirect("lgsp:service", pk=service.pk)
    try:
        response = client.call(service.identifier, path, issue="TRY-IT", timeout=10)
        answer = {
            "status": response.status_code,
            "type": response.headers.get("content-type", ""),
            "body": response.text[:4000],
        }
    except client.GatewayError as fault:
        answer = {"status": fault.status, "type": fault.kind, "body": fault.message}
    except httpx.HTTPError as error:
        answer = {"status": 0, "type": type(error).__name__, "body": _("The gateway cannot be reached.")}
    return render(request, "lgsp/try.html", {"service": service, "path": path, "answer": answer})


@login_required
def requests(request):
    """Requests to decide (for the owners of services), the user's own requests, and the grants
    the user may revoke."""
    user = request.user
    governed = list(agency_ids_in_scope(user, Role.LEADER, Role.AGENCY_ADMIN))
    all_of_them = is_province_admin(user)
    to_decide = AccessRequest.objects.filter(status=AccessRequest.Status.PENDING).select_related(
        "client__member"
    )
    mine = AccessRequest.objects.select_related("client__member")
    grants = Grant.objects.select_related("client__member", "endpoint__service").filter(
        revoked_at__isnull=True
    )
    if not all_of_them:
        to_decide = to_decide.filter(endpoints__service__subsystem__member__agency_id__in=governed).distinct()
        mine = mine.filter(Q(client__member__agency_id__in=governed) | Q(requested_by=user))
        grants = grants.filter(endpoint__service__subsystem__member__agency_id__in=governed)
    return render(
        request,
        "lgsp/requests.html",
        {
            "to_decide": [(access, list(access.endpoints.all())) for access in to_decide[:100]],
            "mine": mine[:50],
            "grants": grants.order_by("expires_at")[:200],
            "approve_form": ApproveForm(),
            "reject_form": RejectForm(),
        },
    )


@login_required
@require_POST
def decide(request, pk):
    access = get_object_or_404(AccessRequest, pk=pk)
    try:
        if request.POST.get("decision") == "approve":
            form = ApproveForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Give the date until which the access is granted."))
            actions.approve_access(
                request.user, access, form.expires_at(), form.cleaned_data["note"], request
            )
            messages.success(request, _("Access granted."))
        else:
            actions.reject_access(request.user, access, request.POST.get("note", ""), request)
            messages.success(request, _("Request rejected."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("lgsp:requests")


@login_required
@require_POST
def revoke(request, pk):
    grant = get_object_or_404(Grant, pk=pk)
    try:
        actions.revoke_grant(request.user, grant, request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Access revoked: the gateway refuses the next call."))
    return redirect("lgsp:requests")


@login_required
def health(request):
    """Health of each service and the latest calls: province administrators only."""
    require(request.user, "lgsp.view_operations")
    return render(
        request,
        "lgsp/health.html",
        {
            "rows": operations.health(),
            "recent": operations.latest(50),
        },
    )


def account_part(request) -> dict | None:
    """The account page's section: which agency called which service about me, for which dossier
    (Law 91/2025/QH15 art. 4: the data subject knows who processed their data)."""
    cccd = getattr(request.user, "cccd", "")
    if not cccd:
        return None
    dossiers = Dossier.objects.filter(applicant=request.user).values_list(
        "pk", "code", "submission_reference", "procedure__name"
    )
    # What each issue the calls name means to the person: a draft is named by its number in
    # the calls made while it was being filled in ("draft-<pk>", tinhso.national.actions).
    shown: dict[str, str] = {}
    for pk, code, reference, procedure in dossiers:
        label = code or reference or _("your draft of “%(procedure)s”") % {"procedure": procedure}
        for issue in (code, reference, f"draft-{pk}"):
            if issue:
                shown[issue] = label
    exchanges = operations.exchanges_about(cccd, shown)[:20]
    for row in exchanges:
        row["dossier"] = shown.get(row["issue"], row["issue"])
    return {"exchanges": exchanges}
