from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from tinhso import testing
from tinhso.accounts.models import Role, User, UserKind
from tinhso.agencies.models import AgencyKind
from tinhso.dossiers.models import Dossier, Status
from tinhso.payments import vnpay
from tinhso.procedures.models import Fee, FeeKind, Field, Level, OnlineLevel, Procedure
from tinhso.units.models import DivisionType
from tinhso.units.models import Level as UnitLevel
from tinhso.workflows.actions import start_flow

PASSWORD = "Sen-hồng-Tháp-Mười-2025"


@pytest.fixture(autouse=True)
def sandbox_settings(settings):
    """The platform and the sandbox gateway share the default merchant, as in the demo."""
    settings.VNPAY_SANDBOX_ENABLED = True
    settings.VNPAY = {
        "TMN_CODE": "TINHSO01",
        "HASH_SECRET": "TINHSOSANDBOXSECRETKEYDEMO2025",
        "PAYMENT_URL": "/thanh-toan/sandbox/paymentv2/vpcpay.html",
        "API_URL": "/thanh-toan/sandbox/merchant_webapi/api/transaction",
    }
    settings.VNPAY_SANDBOX = {"TMN_CODE": "TINHSO01", "HASH_SECRET": "TINHSOSANDBOXSECRETKEYDEMO2025"}
    return settings


@pytest.fixture
def agency(db):
    return make_agency()


def make_agency():
    province = testing.make_unit(
        "82", "Tỉnh Đồng Tháp", UnitLevel.PROVINCE, DivisionType.PROVINCE, valid_from=None
    )
    ward = testing.make_unit("28261", "Phường Mỹ Tho", UnitLevel.COMMUNE, DivisionType.WARD, province, None)
    return testing.make_agency(
        "H22.50", "Ủy ban nhân dân phường Mỹ Tho", AgencyKind.COMMUNE_PC, ward, valid_from=None
    )


@pytest.fixture
def procedure(db):
    return make_procedure()


def make_procedure():
    """Cấp bản sao trích lục hộ tịch: 8.000 đ per copy, plus a case-dependent fee."""
    field = Field.objects.create(code="ho-tich", name="Hộ tịch")
    procedure = Procedure.objects.create(
        code="2.000635",
        name="Thủ tục cấp bản sao trích lục hộ tịch",
        field=field,
        level=Level.COMMUNE,
        processing_time=1,
        result_type="Bản sao trích lục",
        submit_online=True,
        online_level=OnlineLevel.FULL,
    )
    Fee.objects.create(
        procedure=procedure,
        position=1,
        name="Phí cấp bản sao trích lục",
        amount=8000,
        kind=FeeKind.PER_UNIT,
        unit="bản",
    )
    Fee.objects.create(
        procedure=procedure,
        position=2,
        name="Phí gửi kết quả qua bưu chính",
        amount=25000,
        kind=FeeKind.BY_OPTION,
    )
    return procedure


@pytest.fixture
def citizen(db):
    return make_citizen()


def make_citizen():
    return User.objects.create_user(
        "079203001234", PASSWORD, full_name="Nguyễn Thị Thu Hà", kind=UserKind.CITIZEN
    )


@pytest.fixture
def other_citizen(db):
    return User.objects.create_user("087198004321", PASSWORD, full_name="Trần Văn Lộc", kind=UserKind.CITIZEN)


@pytest.fixture
def leader(agency):
    return testing.make_officer(agency, "lanhdao.mytho", Role.LEADER, "Lê Minh Trí", password=PASSWORD)


def make_dossier(procedure, agency, applicant, code="H22.50-260305-0001", status=Status.PAYMENT):
    now = timezone.now()
    dossier = Dossier.objects.create(
        code=code,
        procedure=procedure,
        applicant=applicant,
        applicant_name=applicant.full_name,
        applicant_cccd="079203001234",
        receiving_agency=agency,
        status=status,
        resume_status=Status.PROCESSING if status == Status.PAYMENT else None,
        is_draft=False,
        submitted_at=now,
    )
    start_flow(dossier, new=True)
    return dossier


@pytest.fixture
def dossier(procedure, agency, citizen):
    """A dossier in status 6: the officer asked for the fees during processing."""
    return make_dossier(procedure, agency, citizen)


@pytest.fixture
def citizen_client(citizen):
    client = Client()
    client.force_login(citizen)
    return client


def query_params(url: str) -> dict[str, str]:
    """The decoded query parameters of ``url``, as Django would read them."""
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def gateway_result(payment, response_code="00", amount=None, transaction_no="14226112", secret=None):
    """Signed result parameters as the gateway sends them to the IPN and return URLs."""
    params = {
        "vnp_Amount": str(vnpay.to_gateway_amount(payment.amount if amount is None else amount)),
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": "VNP14226112",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": payment.order_info,
        "vnp_PayDate": "20260305101530",
        "vnp_ResponseCode": response_code,
        "vnp_TmnCode": "TINHSO01",
        "vnp_TransactionNo": transaction_no,
        "vnp_TransactionStatus": "00" if response_code == "00" else "02",
        "vnp_TxnRef": payment.txn_ref,
    }
    params["vnp_SecureHash"] = vnpay.sign(params, secret or "TINHSOSANDBOXSECRETKEYDEMO2025")
    return params
