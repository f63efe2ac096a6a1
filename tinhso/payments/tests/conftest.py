import datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from tinhso.accounts.models import Membership, Role, User, UserKind
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.dossiers.models import Dossier, Status
from tinhso.payments import vnpay
from tinhso.procedures.models import Fee, FeeKind, Field, Level, OnlineLevel, Procedure
from tinhso.units.models import AdministrativeUnit, DivisionType
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
    province = AdministrativeUnit.objects.create(
        code="82", name="Tỉnh Đồng Tháp", level=UnitLevel.PROVINCE, division_type=DivisionType.PROVINCE
    )
    ward = AdministrativeUnit.objects.create(
        code="28261",
        name="Phường Mỹ Tho",
        level=UnitLevel.COMMUNE,
        division_type=DivisionType.WARD,
        parent=province,
    )
    return Agency.objects.create(
        code="H22.50", name="Ủy ban nhân dân phường Mỹ Tho", kind=AgencyKind.COMMUNE_PC, unit=ward
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
    user = User.objects.create_user("lanhdao.mytho", PASSWORD, full_name="Lê Minh Trí", kind=UserKind.OFFICER)
    Membership.objects.create(
        user=user, agency=agency, role=Role.LEADER, valid_from=datetime.date(2025, 7, 1)
    )
    return user


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
