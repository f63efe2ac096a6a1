import datetime

import pytest

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.opendata import actions
from tinhso.statistics.models import AgencyMonthlyRollup

TODAY = datetime.date(2026, 12, 3)


@pytest.fixture
def province(db):
    return factories.make_province()


@pytest.fixture
def people(province):
    agencies = province["agencies"]
    return {
        "admin": factories.make_officer(
            agencies["province"], "admin.tinh", Role.PROVINCE_ADMIN, "Nguyễn Thành Công"
        ),
        "ward_admin": factories.make_officer(
            agencies["my_tho"], "quantri.mytho", Role.AGENCY_ADMIN, "Lê Thị Hoa"
        ),
        "ward_officer": factories.make_officer(agencies["my_tho"], "motcua.mytho"),
        "citizen": factories.make_citizen(),
    }


@pytest.fixture
def procedure(province):
    procedure = factories.make_procedure()
    procedure.agencies.add(province["agencies"]["my_tho"], province["agencies"]["cao_lanh"])
    return procedure


@pytest.fixture
def rollups(province):
    """November 2026 (finished on ``TODAY``) and December (not finished) for the two wards."""
    agencies = province["agencies"]
    for agency, day, channel, received, on_time in (
        (agencies["my_tho"], datetime.date(2026, 11, 1), "online", 12, 9),
        (agencies["my_tho"], datetime.date(2026, 11, 1), "direct", 5, 4),
        (agencies["cao_lanh"], datetime.date(2026, 11, 1), "direct", 7, 7),
        (agencies["my_tho"], datetime.date(2026, 12, 1), "online", 3, 1),
    ):
        AgencyMonthlyRollup.objects.create(
            day=day, agency=agency, channel=channel, received=received, resolved_on_time=on_time
        )


@pytest.fixture
def published(people, province, procedure, rollups):
    """Three published datasets of the province and one unpublished of phường Mỹ Tho."""
    admin, agencies = people["admin"], province["agencies"]
    made = {}
    for source, name, title, tags in (
        ("procedures", "thu-tuc-hanh-chinh", "Danh mục thủ tục hành chính", ["thủ tục", "dịch vụ công"]),
        ("agencies", "danh-ba-co-quan", "Danh bạ cơ quan", ["cơ quan"]),
        (
            "dossiers_monthly",
            "ho-so-theo-thang",
            "Tình hình giải quyết hồ sơ theo tháng",
            ["hồ sơ", "thống kê"],
        ),
    ):
        dataset = actions.create_dataset(
            admin,
            organization=agencies["province"],
            source=source,
            name=name,
            title=title,
            tags=tags,
            title_en={"procedures": "Procedures", "agencies": "Agencies", "dossiers_monthly": "Dossiers"}[
                source
            ],
        )
        actions.refresh_dataset(admin, dataset, TODAY)
        made[name] = actions.set_published(admin, dataset, True)
    ward = actions.create_dataset(
        people["ward_admin"],
        organization=agencies["my_tho"],
        source="dossiers_monthly",
        name="ho-so-phuong-my-tho",
        title="Hồ sơ phường Mỹ Tho",
    )
    actions.refresh_dataset(people["ward_admin"], ward, TODAY)
    made["ward"] = ward
    return made
