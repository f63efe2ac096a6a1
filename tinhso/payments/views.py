"""Payment pages: pay a dossier's fees, the gateway's IPN and return URL, receipts, reconciliation."""

import segno
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from tinhso.accounts.models import Role
from tinhso.accounts.permissions import agency_ids_in_scope, can, is_province_admin, require
from tinhso.audit.services import record_personal_data_read
from tinhso.dossiers.actions import owes_fees
from tinhso.dossiers.models import Dossier, by_display_code
from tinhso.payments import vnpay
from tinhso.payments.actions import fees_due, handle_ipn, handle_return, start_payment
from tinhso.payments.forms import FeeChoiceForm, PeriodForm
from tinhso.payments.models import Receipt
from tinhso.payments.reconcile import ReconciliationError, reconcile


@login_required
@require_http_methods(["GET", "POST"])
def pay(request, code):
    dossier = get_object_or_404(
        Dossier.objects.select_related("procedure", "receiving_agency"), by_display_code(code), is_draft=False
    )
    if not can(request.user, "payments.start", dossier):
        raise Http404
    form = FeeChoiceForm(
        dossier.procedure, request.POST if request.method == "POST" else None, answers=dossier.form_data
    )
    if request.method == "POST" and form.is_valid():
        try:
            _payment, url = start_payment(
                request.user, dossier, request, quantities=form.quantities(), options=form.options()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return HttpResponseRedirect(url)
    return render(
        request,
        "payments/pay.html",
        {
            "dossier": dossier,
            "form": form,
            "fees": fees_due(dossier),
            "owes": owes_fees(dossier),
            "payments": dossier.payments.select_related("receipt").order_by("-created_at"),
        },
    )


@csrf_exempt
@require_GET
def ipn(request):
    """The gateway's server-to-server notification: no session, no CSRF, a JSON answer."""
    return JsonResponse(handle_ipn(request.GET))


@require_GET
def gateway_return(request):
    result = handle_return(request.GET)
    receipt = getattr(result.payment, "receipt", None) if result.payment else None
    return render(
        request,
        "payments/return.html",
        {"result": result, "receipt": receipt},
        status=200 if result.valid else 400,
    )


@login_required
def receipt_view(request, number):
    receipt = get_object_or_404(Receipt.objects.select_related("payment__dossier"), number=number)
    if not can(request.user, "payments.view", receipt):
        raise Http404
    record_personal_data_read(
        request.user,
        receipt.payer,
        ["full_name", "payment"],
        "payments.receipt",
        request,
        reference=receipt.dossier_code,
    )
    url = request.build_absolute_uri(reverse("payments:receipt", args=[receipt.number]))
    return render(
        request,
        "payments/receipt.html",
        {"receipt": receipt, "qr": segno.make(url, error="m").svg_data_uri(scale=4), "url": url},
    )


@login_required
def reconciliation(request):
    require(request.user, "payments.reconcile")
    today = timezone.localdate()
    form = PeriodForm(request.GET or None, initial={"date_from": today, "date_to": today})
    report = error = None
    if form.is_bound and form.is_valid():
        agency_ids = (
            None if is_province_admin(request.user) else agency_ids_in_scope(request.user, Role.LEADER)
        )
        try:
            report = reconcile(
                form.cleaned_data["date_from"],
                form.cleaned_data["date_to"],
                api_url=request.build_absolute_uri(vnpay.config().api_url),
                agency_ids=agency_ids,
            )
        except ReconciliationError as exc:
            error = str(exc)
    return render(request, "payments/reconcile.html", {"form": form, "report": report, "error": error})
