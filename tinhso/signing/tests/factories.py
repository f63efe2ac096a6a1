"""Real Đồng Tháp data for the signing and forms tests, built directly on the models."""

import datetime
from zoneinfo import ZoneInfo

from tinhso.accounts.models import Membership, Role, User, UserKind
from tinhso.dossiers.models import Attachment, Channel, Dossier, Status
from tinhso.dossiers.tests import factories as dossier_factories
from tinhso.procedures.models import Field, Level, OnlineLevel, Procedure, RequiredDocument, TimeUnit
from tinhso.workflows.actions import start_flow

START = datetime.date(2025, 7, 1)
PASSWORD = "Mật-khẩu-Đồng-Tháp-2026"
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def local(year, month, day, hour=0, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=VN)


def make_province() -> dict:
    """Tỉnh Đồng Tháp, Phường Mỹ Tho and Phường Cao Lãnh with their one-stop centres, by key."""
    return dossier_factories.make_province()["agencies"]


def make_procedure() -> Procedure:
    field, _created = Field.objects.get_or_create(code="ho-tich", defaults={"name": "Hộ tịch"})
    procedure = Procedure.objects.create(
        code="1.001193",
        name="Thủ tục đăng ký khai sinh",
        field=field,
        level=Level.COMMUNE,
        processing_time=3,
        processing_unit=TimeUnit.WORKING_DAYS,
        result_type="Giấy khai sinh",
        submit_online=True,
        online_level=OnlineLevel.FULL,
    )
    RequiredDocument.objects.create(procedure=procedure, position=1, name="Giấy chứng sinh")
    return procedure


def make_citizen(cccd="087095001234", name="Nguyễn Văn An", phone="0912345678") -> User:
    return User.objects.create_user(
        cccd, PASSWORD, full_name=name, kind=UserKind.CITIZEN, cccd=cccd, phone=phone, email="an@example.vn"
    )


def make_officer(agency, username, role, name="Đỗ Thanh Tâm") -> User:
    officer = User.objects.create_user(username, PASSWORD, full_name=name, kind=UserKind.OFFICER)
    Membership.objects.create(user=officer, agency=agency, role=role, valid_from=START)
    return officer


def make_dossier(procedure, agency, applicant=None, code="H20.201.01-260105-0001", **fields) -> Dossier:
    """A dossier accepted on Monday 05/01/2026 at 08:30, due Thursday 08/01/2026 at 08:30."""
    values = {
        "applicant_name": "Nguyễn Văn An",
        "applicant_cccd": "087095001234",
        "applicant_phone": "0912345678",
        "applicant_email": "an@example.vn",
        "applicant_address": "Số 12 đường Lê Lợi, phường Mỹ Tho, tỉnh Đồng Tháp",
        "channel": Channel.ONLINE,
        "status": Status.ACCEPTED,
        "is_draft": False,
        "submitted_at": local(2026, 1, 5, 7, 45),
        "received_at": local(2026, 1, 5, 8, 30),
        "due_at": local(2026, 1, 8, 8, 30),
    }
    values.update(fields)
    dossier = Dossier.objects.create(
        code=code, procedure=procedure, receiving_agency=agency, applicant=applicant, **values
    )
    start_flow(dossier, values["submitted_at"], new=True)
    Attachment.objects.create(
        dossier=dossier,
        required_document=procedure.documents.get(position=1),
        original_name="giay-chung-sinh.pdf",
        file="dossiers/2026/01/giay-chung-sinh.pdf",
        content_type="application/pdf",
        size=1024,
        sha256="0" * 64,
    )
    return dossier


LEADER = Role.LEADER
OFFICER = Role.ONE_STOP_OFFICER
