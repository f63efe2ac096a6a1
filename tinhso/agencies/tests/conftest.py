import pytest
from django.test import Client

from tinhso import testing
from tinhso.accounts.models import Membership, Role
from tinhso.agencies.models import AgencyKind
from tinhso.units.models import AdministrativeUnit


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Pages render without a collectstatic manifest (production uses the hashed manifest)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def client():
    """HTTPS behind the reverse proxy, as in production (SECURE_SSL_REDIRECT is on outside the demo)."""
    return Client(headers={"X-Forwarded-Proto": "https"})


@pytest.fixture
def units(dong_thap_units):
    """All 34 provincial units and the 102 communes and wards of Đồng Tháp (code 82)."""


@pytest.fixture
def province(units):
    return AdministrativeUnit.objects.get(code="82", valid_to__isnull=True)


@pytest.fixture
def my_tho(units):
    return AdministrativeUnit.objects.get(code="28261", valid_to__isnull=True)


@pytest.fixture
def tree(province, my_tho):
    """UBND tỉnh → Sở Tư pháp → Phòng Hành chính tư pháp; UBND tỉnh → UBND phường Mỹ Tho → một cửa."""

    def agency(code, name, kind, unit, parent=None, **fields):
        return testing.make_agency(code, name, kind, unit, parent, valid_from=None, **fields)

    ubnd = agency(
        "H15", "Ủy ban nhân dân tỉnh Đồng Tháp", AgencyKind.PROVINCIAL_PC, province, short_name="UBND tỉnh"
    )
    stp = agency("H15.21", "Sở Tư pháp", AgencyKind.DEPARTMENT, province, ubnd, short_name="STP")
    phong = agency("H15.21.01", "Phòng Hành chính tư pháp", AgencyKind.DIVISION, province, stp)
    phuong = agency(
        "H15.50",
        "Ủy ban nhân dân phường Mỹ Tho",
        AgencyKind.COMMUNE_PC,
        my_tho,
        ubnd,
        short_name="UBND phường Mỹ Tho",
    )
    mot_cua = agency("H15.50.01", "Bộ phận một cửa phường Mỹ Tho", AgencyKind.ONE_STOP_DESK, my_tho, phuong)
    return {"ubnd": ubnd, "stp": stp, "phong": phong, "phuong": phuong, "mot_cua": mot_cua}


def officer(django_user_model, username, full_name, agency=None, role=None):
    user = testing.make_officer(None, username, name=full_name, password=None)
    if agency is not None:
        Membership.objects.create(user=user, agency=agency, role=role)
    return user


@pytest.fixture
def province_admin(django_user_model, tree):
    return officer(django_user_model, "le.van.tam", "Lê Văn Tâm", tree["ubnd"], Role.PROVINCE_ADMIN)


@pytest.fixture
def justice_admin(django_user_model, tree):
    """Agency administrator of Sở Tư pháp only."""
    return officer(django_user_model, "tran.thi.mai", "Trần Thị Mai", tree["stp"], Role.AGENCY_ADMIN)


@pytest.fixture
def specialist(django_user_model, tree):
    return officer(django_user_model, "pham.minh.duc", "Phạm Minh Đức", tree["stp"], Role.SPECIALIST)
