import io

import pytest
from django.core.management import call_command
from django.test import Client

from tinhso.accounts.models import Membership, Role
from tinhso.agencies.models import Agency, AgencyKind
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
def units(db):
    call_command("import_units", province="82", stdout=io.StringIO())


@pytest.fixture
def province(units):
    return AdministrativeUnit.objects.get(code="82", valid_to__isnull=True)


@pytest.fixture
def my_tho(units):
    return AdministrativeUnit.objects.get(code="28261", valid_to__isnull=True)


@pytest.fixture
def tree(province, my_tho):
    """UBND tỉnh → Sở Tư pháp → Phòng Hành chính tư pháp; UBND tỉnh → UBND phường Mỹ Tho → một cửa."""
    ubnd = Agency.objects.create(
        code="H15",
        name="Ủy ban nhân dân tỉnh Đồng Tháp",
        short_name="UBND tỉnh",
        kind=AgencyKind.PROVINCIAL_PC,
        unit=province,
    )
    stp = Agency.objects.create(
        code="H15.21",
        name="Sở Tư pháp",
        short_name="STP",
        kind=AgencyKind.DEPARTMENT,
        parent=ubnd,
        unit=province,
    )
    phong = Agency.objects.create(
        code="H15.21.01", name="Phòng Hành chính tư pháp", kind=AgencyKind.DIVISION, parent=stp, unit=province
    )
    phuong = Agency.objects.create(
        code="H15.50",
        name="Ủy ban nhân dân phường Mỹ Tho",
        short_name="UBND phường Mỹ Tho",
        kind=AgencyKind.COMMUNE_PC,
        parent=ubnd,
        unit=my_tho,
    )
    mot_cua = Agency.objects.create(
        code="H15.50.01",
        name="Bộ phận một cửa phường Mỹ Tho",
        kind=AgencyKind.ONE_STOP_DESK,
        parent=phuong,
        unit=my_tho,
    )
    return {"ubnd": ubnd, "stp": stp, "phong": phong, "phuong": phuong, "mot_cua": mot_cua}


def officer(django_user_model, username, full_name, agency=None, role=None):
    user = django_user_model.objects.create_user(username=username, full_name=full_name, kind="officer")
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
