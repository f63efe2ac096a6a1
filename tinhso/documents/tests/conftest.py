"""A People's Committee, one of its departments and a ward People's Committee, each with a
document clerk, a leader and a specialist."""

import pytest

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.motcua.tests.fixtures import signed_in  # noqa: F401 - fixture


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def make_agencies():
    province = factories.make_province()
    committee = province["agencies"]["province"]
    committee.symbol = "UBND"
    committee.save()
    department = Agency.objects.create(
        code="H20.10",
        name="Sở Nội vụ tỉnh Đồng Tháp",
        symbol="SNV",
        kind=AgencyKind.DEPARTMENT,
        parent=committee,
        unit=committee.unit,
        valid_from=factories.START,
    )
    ward = province["agencies"]["my_tho"].parent
    ward.symbol = "UBND"
    ward.save()
    return {"pc": committee, "dept": department, "ward": ward}


def make_staff(agency, prefix):
    people = {}
    for key, role, name in (
        ("clerk", Role.DOCUMENT_CLERK, "Nguyễn Thị Văn"),
        ("leader", Role.LEADER, "Trần Văn Lãnh"),
        ("specialist", Role.SPECIALIST, "Lê Minh Chuyên"),
    ):
        user = factories.make_officer(agency, f"{prefix}.{key}", role)
        user.full_name = name
        user.save(update_fields=["full_name"])
        people[key] = user
    return people


@pytest.fixture
def agencies(db):
    return make_agencies()


@pytest.fixture
def pc_staff(agencies):
    return make_staff(agencies["pc"], "pc")


@pytest.fixture
def dept_staff(agencies):
    return make_staff(agencies["dept"], "snv")


@pytest.fixture
def ward_staff(agencies):
    return make_staff(agencies["ward"], "mytho")
