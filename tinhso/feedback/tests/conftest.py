import pytest

from tinhso import testing
from tinhso.accounts.models import Role
from tinhso.agencies.models import AgencyKind
from tinhso.feedback.models import Category, RoutingRule, TimeUnit
from tinhso.testing import signed_in
from tinhso.units.models import DivisionType, Level


@pytest.fixture(autouse=True)
def _province_settings(settings, tmp_path):
    settings.PROVINCE_CODE = "82"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def place(db):
    """Đồng Tháp, two wards, the province's agencies, officers, a citizen and two categories."""
    province = testing.make_unit("82", "Tỉnh Đồng Tháp", Level.PROVINCE, DivisionType.PROVINCE)
    my_tho = testing.make_unit("28261", "Phường Mỹ Tho", Level.COMMUNE, DivisionType.WARD, province)
    cao_lanh = testing.make_unit("29869", "Phường Cao Lãnh", Level.COMMUNE, DivisionType.WARD, province)
    root = testing.make_agency("H20", "Ủy ban nhân dân tỉnh Đồng Tháp", AgencyKind.PROVINCIAL_PC, province)
    centre = testing.make_agency(
        "H20.13",
        "Trung tâm Phục vụ hành chính công tỉnh Đồng Tháp",
        AgencyKind.SERVICE_CENTRE,
        province,
        root,
    )
    construction = testing.make_agency(
        "H20.06", "Sở Xây dựng tỉnh Đồng Tháp", AgencyKind.DEPARTMENT, province, root
    )
    pc_my_tho = testing.make_agency(
        "H20.201", "Ủy ban nhân dân phường Mỹ Tho", AgencyKind.COMMUNE_PC, my_tho, root
    )
    pc_cao_lanh = testing.make_agency(
        "H20.202", "Ủy ban nhân dân phường Cao Lãnh", AgencyKind.COMMUNE_PC, cao_lanh, root
    )
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
    citizen = testing.make_citizen(phone="", email="nguyenvanan@example.vn")
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
        "router": testing.make_officer(centre, "motcua.tinh", Role.ONE_STOP_OFFICER, "Lê Thị Thu Trang"),
        "officer": testing.make_officer(pc_my_tho, "chuyenvien.mytho", Role.SPECIALIST, "Bùi Thị Kim Ngân"),
        "officer2": testing.make_officer(pc_my_tho, "motcua.mytho", Role.ONE_STOP_OFFICER, "Đỗ Thanh Tâm"),
        "leader": testing.make_officer(
            pc_my_tho, "lanhdao.mytho", Role.LEADER, "Trương Văn Lợi", email="loi@mytho.example.vn"
        ),
        "province_leader": testing.make_officer(
            root, "lanhdao.tinh", Role.LEADER, "Phạm Thị Hồng Hạnh", email="hanh@dongthap.example.vn"
        ),
        "other_officer": testing.make_officer(
            pc_cao_lanh, "chuyenvien.caolanh", Role.SPECIALIST, "Lâm Thị Diễm"
        ),
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
    return signed_in
