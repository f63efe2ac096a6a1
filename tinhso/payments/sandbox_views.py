"""The sandbox gateway's pages, under ``/thanh-toan/sandbox/``: 404 unless
``settings.VNPAY_SANDBOX_ENABLED``. Like VNPAY's own pages they speak Vietnamese only."""

import json
from functools import wraps

from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from tinhso.payments import sandbox, vnpay
from tinhso.payments.models import SandboxTransaction


def sandbox_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not sandbox.enabled():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _error(request, error: sandbox.GatewayError):
    return render(
        request, "payments/sandbox/error.html", {"code": error.code, "message": str(error)}, status=400
    )


@sandbox_only
@require_GET
def pay(request):
    """The "bank" page a payment URL leads to."""
    try:
        sandbox_txn = sandbox.receive_payment_request(
            request.GET, default_ipn_url=request.build_absolute_uri(reverse("payments:ipn"))
        )
    except sandbox.GatewayError as error:
        return _error(request, error)
    return render(
        request,
        "payments/sandbox/pay.html",
        {
            "txn": sandbox_txn,
            "amount": vnpay.from_gateway_amount(sandbox_txn.amount),
            "banks": sandbox.BANKS,
        },
    )


@sandbox_only
@require_POST
def decide(request, token):
    """The customer approved or cancelled: IPN to the merchant, then back to its return URL."""
    sandbox_txn = get_object_or_404(SandboxTransaction, token=token)
    try:
        sandbox_txn = sandbox.complete(
            sandbox_txn,
            approve=request.POST.get("decision") == "pay",
            bank_code=request.POST.get("bank_code", ""),
        )
    except sandbox.GatewayError as error:
        return _error(request, error)
    sandbox.send_ipn(sandbox_txn)
    return HttpResponseRedirect(sandbox.return_url(sandbox_txn))


@csrf_exempt
@sandbox_only
@require_POST
def merchant_api(request):
    """VNPAY's merchant API: ``querydr`` and the sandbox's ``report``, JSON in and out."""
    try:
        body = json.loads(request.body)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    return JsonResponse(sandbox.merchant_api(body))
