import datetime

import pytest

from tinhso.accounts.models import Membership, Role, User, UserKind
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.feedback.models import Category, RoutingRule, TimeUnit
from tinhso.units.models import AdministrativeUnit, DivisionType, Level

START = datetime.date(2025, 7, 1)


@pytest.fixture(autouse=True)
def _province_settings(settings, tmp_path):
    settings.PROVINCE_CODE = "82"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def unit(code, name, level, division_type, parent=None):
    return AdministrativeUnit.objects.create(
        code=code, name=name, level=level, division_type=division_type, parent=parent, valid_from=START
    )


def agency(code, name, kind, unit_, parent=None):
    return Agency.objects.create(code=code, name=name, kind=kind, unit=unit_, parent=parent, valid_from=START)


def officer(username, name, agency_, role, email=""):
    user = User.objects.create_user(
        username, "Mật-khẩu-Đồng-Tháp-2026", full_name=name, kind=UserKind.OFFICER, email=email
    )
    Membership.objects.create(user=user, agency=agency_, role=role, valid_from=START)
    return user


@pytest.fixture
def place(db):
    """Đồng Tháp, two wards, the province's agencies, officers, a citizen and two categories."""
    province = unit("82", "Tỉnh Đồng Tháp", Level.PROVINCE, DivisionType.PROVINCE)
    my_tho = unit("28261", "Phường Mỹ Tho", Level.COMMUNE, DivisionType.WARD, province)
    cao_lanh = unit("29869", "Phường Cao Lãnh", Level.COMMUNE, DivisionType.WARD, province)
    root = agency("H20", "Ủy ban nhân dân tỉnh Đồng Tháp", AgencyKind.PROVINCIAL_PC, province)
    centre = agency(
        "H20.13",
        "Trung tâm Phục vụ hành chính công tỉnh Đồng Tháp",
        AgencyKind.SERVICE_CENTRE,
        province,
        root,
    )
    construction = agency("H20.06", "Sở Xây dựng tỉnh Đồng Tháp", AgencyKind.DEPARTMENT, province, root)
    pc_my_tho = agency("H20.201", "Ủy ban nhân dân phường Mỹ Tho", AgencyKind.COMMUNE_PC, my_tho, root)
    pc_cao_lanh = agency("H20.202", "Ủy ban nhân dân phường Cao Lãnh", AgencyKind.COMMUNE_PC, cao_lanh, root)
    roads = Category.objects.create(
        name="Hư hỏng đường giao thông",
        service_code="hu-hong-duong",
        group="Hạ tầng",
        time_limit=8,
        time_unit=TimeUnit.HOURS,
        attributes=[
            {
                "code": "muc_do",
                "datatype": "singlevaluelist",
                "required": False,
                "description": "Mức độ",
                "values": [{"key": "thap", "name": "Thấp"}, {"key": "cao", "name": "Cao"}],
            }
        ],
    )
    rubbish = Category.objects.create(
        name="Rác thải", service_code="rac-thai", time_limit=3, time_unit=TimeUnit.DAYS
    )
    RoutingRule.objects.create(category=roads, commune=None, agency=construction)
    RoutingRule.objects.create(category=roads, commune=my_tho, agency=pc_my_tho)
    citizen = User.objects.create_user(
        "087095001234",
        "Mật-khẩu-Đồng-Tháp-2026",
        full_name="Nguyễn Văn An",
        cccd="087095001234",
        date_of_birth=datetime.date(1995, 3, 14),
        gender="male",
        email="nguyenvanan@example.vn",
    )
    return {
        "province": province,
        "my_tho": my_tho,
        "cao_lanh": cao_lanh,
        "root": root,
        "centre": centre,
        "construction": construction,
        "pc_my_tho": pc_my_tho,
        "pc_cao_lanh": pc_cao_lanh,
        "roads": roads,
        "rubbish": rubbish,
        "citizen": citizen,
        "router": officer("motcua.tinh", "Lê Thị Thu Trang", centre, Role.ONE_STOP_OFFICER),
        "officer": officer("chuyenvien.mytho", "Bùi Thị Kim Ngân", pc_my_tho, Role.SPECIALIST),
        "officer2": officer("motcua.mytho", "Đỗ Thanh Tâm", pc_my_tho, Role.ONE_STOP_OFFICER),
        "leader": officer("lanhdao.mytho", "Trương Văn Lợi", pc_my_tho, Role.LEADER, "loi@mytho.example.vn"),
        "province_leader": officer(
            "lanhdao.tinh", "Phạm Thị Hồng Hạnh", root, Role.LEADER, "hanh@dongthap.example.vn"
        ),
        "other_officer": officer("chuyenvien.caolanh", "Lâm Thị Diễm", pc_cao_lanh, Role.SPECIALIST),
    }


@pytest.fixture
def submit(place):
    """File a report of road damage in Mỹ Tho (as the citizen unless told otherwise)."""
    from tinhso.feedback.actions import submit_report

    def _submit(user="citizen", **fields):
        data = {
            "category": place["roads"],
            "description": "Đường Ấp Bắc có ổ gà lớn gần chợ, xe máy dễ té ngã.",
            "commune": place["my_tho"],
            "latitude": "10.360500",
            "longitude": "106.356900",
            "address": "Đường Ấp Bắc",
            "contact_email": "",
        }
        data.update(fields)
        return submit_report(place[user] if isinstance(user, str) else user, **data)

    return _submit


@pytest.fixture
def answered(place, submit):
    """A report routed, worked, answered and approved (published)."""
    from tinhso.feedback import actions

    report = submit()
    actions.assign_report(place["router"], report, place["pc_my_tho"])
    actions.start_work(place["officer"], report)
    actions.answer_report(place["officer"], report, "Đã vá ổ gà trên đường Ấp Bắc ngày 05/12/2025.")
    return actions.approve_answer(place["leader"], report)


@pytest.fixture
def login():
    """Sign a user in on the test client, second factor done (officers must use TOTP)."""
    from tinhso.accounts.middleware import SECOND_FACTOR_SESSION_KEY

    def _login(client, user):
        client.force_login(user)
        session = client.session
        session[SECOND_FACTOR_SESSION_KEY] = user.pk
        session.save()
        return client

    return _login
