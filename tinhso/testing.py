"""The one test factory of the platform: real Đồng Tháp data (units, agencies, officers, citizens,
procedures, dossiers) for the tests of every app and the browser and operations tests.

Fixtures of each app's ``conftest.py`` build their province with these functions. They write the
rows directly: the actions that create agencies and officers need an administrator already in
place and write audit entries that the tests of the audit trail count.
"""

import copy
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.core.management import call_command

from tinhso.accounts.middleware import SECOND_FACTOR_SESSION_KEY
from tinhso.accounts.models import Membership, Role, User, UserKind
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.dossiers.codes import issue_book_number
from tinhso.dossiers.models import Attachment, Channel, Dossier, Status
from tinhso.procedures.models import Field, Level, OnlineLevel, Procedure, RequiredDocument, TimeUnit
from tinhso.units.models import AdministrativeUnit, DivisionType
from tinhso.units.models import Level as UnitLevel
from tinhso.workflows.actions import start_flow

START = datetime.date(2025, 7, 1)
PASSWORD = "Mật-khẩu-Đồng-Tháp-2026"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
LEADER = Role.LEADER
OFFICER = Role.ONE_STOP_OFFICER


@dataclass(frozen=True)
class Kept:
    """How a fixture's rows are built once per worker (``keep``)."""

    build: Callable[[], Any]
    on: str | None = None


def keep(build: Callable[[], Any], on: str | None = None) -> Callable[[Any], Any]:
    """Mark a fixture (under ``@pytest.fixture``) whose rows ``build()`` writes once per test worker
    instead of once per test, on top of the rows of the kept fixture named ``on`` (if any). The
    root ``conftest.py`` writes them in a transaction (a savepoint for each layer) left open under
    the tests that use the fixture, each of which rolls back to them; they are rolled back before
    a test that does not use them or that empties the database (a transactional test, refused
    with a kept fixture). The fixture returns ``kept_rows(its name)``."""

    def mark(fixture: Any) -> Any:
        fixture.kept = Kept(build, on)
        return fixture

    return mark


@dataclass
class KeptLayer:
    """The rows of one kept fixture in place: its transaction or savepoint, what its build returned."""

    fixture: Any
    atomic: Any
    value: Any = None


# The layers in place on this worker, the lowest first.
KEPT_LAYERS: list[KeptLayer] = []


def kept_rows(name: str) -> Any:
    """What the build of the kept fixture ``name`` returned, as it was then: each test gets its own
    copy of the instances, so that one test changing them in memory does not change the next."""
    value = next(layer.value for layer in KEPT_LAYERS if layer.fixture.__name__ == name)
    return copy.deepcopy(value)


def local(year, month, day, hour=0, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=VN)


def make_unit(code, name, level, division_type, parent=None, valid_from=START) -> AdministrativeUnit:
    return AdministrativeUnit.objects.create(
        code=code, name=name, level=level, division_type=division_type, parent=parent, valid_from=valid_from
    )


def make_agency(code, name, kind, unit, parent=None, **fields) -> Agency:
    """An agency valid from 01/07/2025 unless ``valid_from`` is given."""
    fields.setdefault("valid_from", START)
    return Agency.objects.create(code=code, name=name, kind=kind, unit=unit, parent=parent, **fields)


# A minimal valid PDF (one empty page), built byte by byte with a correct cross-reference table.
_OBJECTS = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
]


def minimal_pdf() -> bytes:
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(_OBJECTS, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(_OBJECTS) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(_OBJECTS) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

EFORM = {
    "version": 1,
    "pages": [
        {
            "title": "Thông tin người được khai sinh",
            "fields": [
                {"name": "ho_ten", "label": "Họ, chữ đệm, tên", "type": "text", "required": True},
                {
                    "name": "ngay_sinh",
                    "label": "Ngày sinh",
                    "type": "date",
                    "required": True,
                    "not_future": True,
                },
                {
                    "name": "gioi_tinh",
                    "label": "Giới tính",
                    "type": "choice",
                    "required": True,
                    "choices": [{"value": "nam", "label": "Nam"}, {"value": "nu", "label": "Nữ"}],
                },
            ],
        },
        {
            "title": "Nơi sinh",
            "fields": [{"name": "noi_sinh", "label": "Nơi sinh", "type": "address", "required": True}],
        },
        {
            "title": "Anh chị em ruột",
            "fields": [
                {
                    "name": "anh_chi_em",
                    "label": "Anh chị em",
                    "type": "group",
                    "repeatable": True,
                    "min_items": 0,
                    "max_items": 5,
                    "fields": [
                        {"name": "ho_ten", "label": "Họ và tên", "type": "text", "required": True},
                        {
                            "name": "nam_sinh",
                            "label": "Năm sinh",
                            "type": "number",
                            "integer": True,
                            "min": 1900,
                            "max": 2100,
                        },
                    ],
                }
            ],
        },
    ],
}

# Answers that pass EFORM, as stored.
ANSWERS = {
    "ho_ten": "Nguyễn Ngọc Hân",
    "ngay_sinh": "2026-01-05",
    "gioi_tinh": "nu",
    "noi_sinh": {"province": "82", "commune": "28261", "detail": "Bệnh viện Đa khoa Tiền Giang"},
    "anh_chi_em": [{"ho_ten": "Nguyễn Minh Khang", "nam_sinh": 2020}],
}


def make_province() -> dict:
    province = make_unit("82", "Tỉnh Đồng Tháp", UnitLevel.PROVINCE, DivisionType.PROVINCE)
    my_tho = make_unit("28261", "Phường Mỹ Tho", UnitLevel.COMMUNE, DivisionType.WARD, province)
    cao_lanh = make_unit("29869", "Phường Cao Lãnh", UnitLevel.COMMUNE, DivisionType.WARD, province)
    root = make_agency("H20", "Ủy ban nhân dân tỉnh Đồng Tháp", AgencyKind.PROVINCIAL_PC, province)
    agencies = {"province": root}
    for key, suffix, unit in (("my_tho", "201", my_tho), ("cao_lanh", "202", cao_lanh)):
        in_name = unit.name[0].lower() + unit.name[1:]
        committee = make_agency(
            f"H20.{suffix}", f"Ủy ban nhân dân {in_name}", AgencyKind.COMMUNE_PC, unit, root
        )
        agencies[key] = make_agency(
            f"H20.{suffix}.01",
            f"Trung tâm Phục vụ hành chính công {in_name}",
            AgencyKind.ONE_STOP_DESK,
            unit,
            committee,
        )
    return {"province": province, "my_tho": my_tho, "cao_lanh": cao_lanh, "agencies": agencies}


def import_dong_thap() -> None:
    """The 34 provincial units and the 102 communes and wards of Đồng Tháp (code 82)."""
    call_command("import_units", province="82", stdout=io.StringIO())


def make_demo_agencies() -> dict:
    """The demo's own Đồng Tháp: the 2025 units of province 82 and every agency ``load_demo``
    creates (102 commune one-stop desks and the provincial police its administrator adds), without
    its people, flows or dossiers."""
    from tinhso.demo import data
    from tinhso.demo.management.commands.load_demo import Command as LoadDemo

    call_command("import_units", province="82", stdout=io.StringIO())
    loader = LoadDemo()
    agencies = loader.create_agencies(loader.create_administrator(make_password(None)))
    suffix, name, short_name = data.POLICE
    root = Agency.objects.get(code=data.PROVINCE_AGENCY_CODE)
    agencies[suffix] = make_agency(
        f"{root.code}.{suffix}", name, AgencyKind.OTHER, root.unit, root, short_name=short_name
    )
    return agencies


# The provincial departments the demo catalogue assigns procedures to.
DEPARTMENTS = [
    ("02", "Sở Nội vụ tỉnh Đồng Tháp", AgencyKind.DEPARTMENT),
    ("03", "Sở Tài chính tỉnh Đồng Tháp", AgencyKind.DEPARTMENT),
    ("04", "Sở Tư pháp tỉnh Đồng Tháp", AgencyKind.DEPARTMENT),
    ("05", "Sở Công Thương tỉnh Đồng Tháp", AgencyKind.DEPARTMENT),
    ("06", "Sở Xây dựng tỉnh Đồng Tháp", AgencyKind.DEPARTMENT),
    ("07", "Sở Nông nghiệp và Môi trường tỉnh Đồng Tháp", AgencyKind.DEPARTMENT),
    ("10", "Sở Y tế tỉnh Đồng Tháp", AgencyKind.DEPARTMENT),
    ("13", "Trung tâm Phục vụ hành chính công tỉnh Đồng Tháp", AgencyKind.SERVICE_CENTRE),
    ("14", "Công an tỉnh Đồng Tháp", AgencyKind.OTHER),
]


def make_demo_catalogue() -> dict:
    """``make_province`` plus the provincial departments, and the real demo catalogue of
    procedures loaded with the command the demo uses."""
    tree = make_province()
    for suffix, name, kind in DEPARTMENTS:
        tree["agencies"][suffix] = make_agency(
            f"H20.{suffix}", name, kind, tree["province"], tree["agencies"]["province"]
        )
    call_command("load_procedures", stdout=io.StringIO())
    return tree


def make_procedure(code="1.001193", eform=None, documents=True, optional_document=True) -> Procedure:
    """Đăng ký khai sinh: its e-form (``EFORM``), a required document and an optional one."""
    field, _created = Field.objects.get_or_create(code="ho-tich", defaults={"name": "Hộ tịch"})
    procedure = Procedure.objects.create(
        code=code,
        name="Thủ tục đăng ký khai sinh",
        field=field,
        level=Level.COMMUNE,
        processing_time=3,
        processing_unit=TimeUnit.WORKING_DAYS,
        result_type="Giấy khai sinh",
        submit_online=True,
        online_level=OnlineLevel.FULL,
        eform=EFORM if eform is None else eform,
    )
    if documents:
        RequiredDocument.objects.create(procedure=procedure, position=1, name="Giấy chứng sinh")
    if documents and optional_document:
        RequiredDocument.objects.create(
            procedure=procedure, position=2, name="Giấy tờ chứng minh nơi cư trú", is_required=False
        )
    return procedure


def make_citizen(
    cccd="087095001234", name="Nguyễn Văn An", born="1995-03-14", phone="0912345678", email="an@example.vn"
) -> User:
    return User.objects.create_user(
        cccd,
        PASSWORD,
        full_name=name,
        kind=UserKind.CITIZEN,
        cccd=cccd,
        date_of_birth=datetime.date.fromisoformat(born),
        gender="male" if int(cccd[3]) % 2 == 0 else "female",
        phone=phone,
        email=email,
    )


def signed_in(client, user):
    """``client`` (Django's test client) signed in as ``user`` with the second factor done, as an
    officer is after their authenticator code (the code itself is the accounts app's tests')."""
    client.force_login(user)
    session = client.session
    session[SECOND_FACTOR_SESSION_KEY] = user.pk
    session.save()
    return client


def make_officer(
    agency,
    username="motcua.mytho",
    role=Role.ONE_STOP_OFFICER,
    name="Đỗ Thanh Tâm",
    *,
    email="",
    password=PASSWORD,
    totp_secret="",
) -> User:
    """An officer with one membership (``agency`` None: none) and, given its secret, a confirmed
    authenticator app."""
    officer = User.objects.create_user(username, password, full_name=name, kind=UserKind.OFFICER, email=email)
    if agency is not None:
        Membership.objects.create(user=officer, agency=agency, role=role, valid_from=START)
    if totp_secret:
        User.objects.filter(pk=officer.pk).update(
            totp_secret=totp_secret, totp_confirmed_at=datetime.datetime(2025, 7, 1, tzinfo=datetime.UTC)
        )
        officer.refresh_from_db()
    return officer


def make_dossier(procedure, agency, applicant=None, code="H20.201.01-260105-0001", **fields) -> Dossier:
    """A dossier accepted on Monday 05/01/2026 at 08:30, due Thursday 08/01/2026 at 08:30, with the
    procedure's first document attached (the file itself is not stored)."""
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
    received_at = values["received_at"]
    if isinstance(received_at, datetime.datetime) and not values["is_draft"] and "book_number" not in values:
        values["book_number"] = issue_book_number(agency.pk, procedure.field_id, received_at)
    dossier = Dossier.objects.create(
        code=code, procedure=procedure, receiving_agency=agency, applicant=applicant, **values
    )
    start_flow(dossier, dossier.submitted_at, new=True)
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
