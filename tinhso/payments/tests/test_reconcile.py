"""Reconciliation against the sandbox gateway's signed report, over real HTTP."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from tinhso.accounts.middleware import SECOND_FACTOR_SESSION_KEY
from tinhso.payments import sandbox
from tinhso.payments.actions import handle_ipn
from tinhso.payments.models import Payment, PaymentStatus, SandboxTransaction
from tinhso.payments.reconcile import Kind, ReconciliationError, reconcile
from tinhso.payments.tests.conftest import make_dossier, query_params

pytestmark = pytest.mark.django_db(transaction=True)


def pay_at_gateway(client, dossier, approve=True):
    """Go through the sandbox's bank page; its IPN goes wherever the sandbox is configured."""
    fee = dossier.procedure.fees.get(kind="per_unit")
    gateway_url = client.post(f"/thanh-toan/ho-so/{dossier.code}/", {f"quantity_{fee.pk}": 1})["Location"]
    client.get(gateway_url)
    txn = SandboxTransaction.objects.get(txn_ref=query_params(gateway_url)["vnp_TxnRef"])
    decision = "pay" if approve else "cancel"
    response = client.post(f"/thanh-toan/sandbox/paymentv2/{txn.token}/", {"decision": decision})
    return Payment.objects.get(txn_ref=txn.txn_ref), response["Location"]


@pytest.fixture
def scenario(settings, live_server, procedure, agency, citizen, citizen_client):
    """Four dossiers: one paid normally, one whose IPN never arrived, one whose gateway amount
    differs, one cancelled; plus a payment marked paid that the gateway never saw."""
    settings.VNPAY_SANDBOX = {**settings.VNPAY_SANDBOX, "IPN_URL": f"{live_server.url}/thanh-toan/vnpay/ipn"}
    dossiers = [make_dossier(procedure, agency, citizen, code=f"H22.50-260305-000{n}") for n in range(1, 6)]
    good, _ = pay_at_gateway(citizen_client, dossiers[0])
    settings.VNPAY_SANDBOX = {**settings.VNPAY_SANDBOX, "IPN_URL": "http://127.0.0.1:9/thanh-toan/vnpay/ipn"}
    lost, _ = pay_at_gateway(citizen_client, dossiers[1])
    settings.VNPAY_SANDBOX = {**settings.VNPAY_SANDBOX, "IPN_URL": f"{live_server.url}/thanh-toan/vnpay/ipn"}
    differs, _ = pay_at_gateway(citizen_client, dossiers[2])
    SandboxTransaction.objects.filter(txn_ref=differs.txn_ref).update(amount=1000000)
    cancelled, _ = pay_at_gateway(citizen_client, dossiers[3], approve=False)
    unknown = Payment.objects.create(
        dossier=dossiers[4],
        payer=citizen,
        amount=8000,
        txn_ref="26030500000000000001",
        order_info="Thanh toan",
        status=PaymentStatus.PAID,
        paid_at=timezone.now(),
        expires_at=timezone.now(),
    )
    return {"good": good, "lost": lost, "differs": differs, "cancelled": cancelled, "unknown": unknown}


def api_url(live_server):
    return f"{live_server.url}/thanh-toan/sandbox/merchant_webapi/api/transaction"


def test_report_lists_each_kind_of_mismatch(scenario, live_server):
    today = timezone.localdate()
    assert Payment.objects.get(pk=scenario["good"].pk).status == PaymentStatus.PAID
    assert Payment.objects.get(pk=scenario["lost"].pk).status == PaymentStatus.PENDING

    report = reconcile(today, today, api_url=api_url(live_server))

    found = {(line.txn_ref, line.kind) for line in report.mismatches}
    assert found == {
        (scenario["lost"].txn_ref, Kind.PAID_AT_GATEWAY_ONLY),
        (scenario["differs"].txn_ref, Kind.AMOUNT_DIFFERS),
        (scenario["unknown"].txn_ref, Kind.UNKNOWN_TO_GATEWAY),
    }
    assert report.matched == 2  # the good one and the cancelled one
    differs = next(line for line in report.mismatches if line.kind == Kind.AMOUNT_DIFFERS)
    assert (differs.our_amount, differs.gateway_amount) == (8000, 10000)
    assert differs.label == "Số tiền không khớp"


def test_a_gateway_payment_we_never_heard_of_is_listed(scenario, live_server):
    Payment.objects.filter(pk=scenario["lost"].pk).delete()
    report = reconcile(timezone.localdate(), timezone.localdate(), api_url=api_url(live_server))
    lines = [line for line in report.mismatches if line.txn_ref == scenario["lost"].txn_ref]
    assert [(line.kind, line.our_amount, line.gateway_amount) for line in lines] == [
        (Kind.PAID_AT_GATEWAY_ONLY, None, 8000)
    ]


def test_late_ipn_clears_the_mismatch(scenario, live_server):
    lost = scenario["lost"]
    txn = SandboxTransaction.objects.get(txn_ref=lost.txn_ref)
    assert sandbox.send_ipn(txn)["RspCode"] == "00"
    report = reconcile(timezone.localdate(), timezone.localdate(), api_url=api_url(live_server))
    assert lost.txn_ref not in {line.txn_ref for line in report.mismatches}
    assert handle_ipn(query_params("?" + sandbox.signed_result_query(txn)))["RspCode"] == "02"


def test_other_days_are_not_compared(scenario, live_server):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    report = reconcile(yesterday, yesterday, api_url=api_url(live_server))
    assert report.matched == 0
    assert report.mismatches == []


def test_a_gateway_answer_with_a_bad_signature_is_refused(settings, scenario, live_server):
    settings.VNPAY_SANDBOX = {**settings.VNPAY_SANDBOX, "HASH_SECRET": "mot-khoa-khac-cua-cong"}
    with pytest.raises(ReconciliationError, match="chữ ký không hợp lệ"):
        reconcile(timezone.localdate(), timezone.localdate(), api_url=api_url(live_server))


def test_unreachable_gateway_is_a_clear_error(db):
    with pytest.raises(ReconciliationError, match="Không kết nối được"):
        reconcile(timezone.localdate(), timezone.localdate(), api_url="http://127.0.0.1:9/api")


def test_management_command(scenario, live_server, capsys):
    day = timezone.localdate().strftime("%d/%m/%Y")
    with pytest.raises(CommandError) as failed:
        call_command("reconcile_payments", "--from", day, "--to", day, "--api-url", api_url(live_server))
    assert failed.value.returncode == 2
    out = capsys.readouterr().out
    assert "Khớp: 2; lệch: 3" in out
    assert scenario["differs"].txn_ref in out
    with pytest.raises(CommandError, match="Ngày không hợp lệ"):
        call_command(
            "reconcile_payments", "--from", "31/02/2026", "--to", day, "--api-url", api_url(live_server)
        )


def test_officer_page_for_leaders_only(scenario, live_server, leader, citizen_client):
    day = timezone.localdate().strftime("%d/%m/%Y")
    assert citizen_client.get("/thanh-toan/doi-soat/").status_code == 403
    client = Client()
    client.force_login(leader)
    session = client.session
    session[SECOND_FACTOR_SESSION_KEY] = leader.pk
    session.save()
    # The page asks the gateway at the address the request came in on: the live server's.
    response = client.get(
        "/thanh-toan/doi-soat/",
        {"date_from": day, "date_to": day},
        HTTP_HOST=live_server.url.removeprefix("http://"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Số tiền không khớp" in page
    assert scenario["differs"].txn_ref in page
    # An agency leader does not see gateway transactions no agency can be told about.
    assert "Đã thanh toán tại cổng nhưng hệ thống chưa ghi nhận" in page
    bad = client.get("/thanh-toan/doi-soat/", {"date_from": day, "date_to": "01/01/2020"})
    assert "Ngày kết thúc không được trước ngày bắt đầu." in bad.content.decode()
