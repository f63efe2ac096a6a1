import io

import pytest
from django.core.management import call_command
from django.test import Client

from tinhso import testing
from tinhso.agencies.models import AgencyKind
from tinhso.procedures.management.commands.load_procedures import DEMO_CATALOGUE
from tinhso.units.models import AdministrativeUnit, Level

DEPARTMENTS = testing.DEPARTMENTS


@pytest.fixture
def client():
    """HTTPS behind the reverse proxy, as in production (SECURE_SSL_REDIRECT is on outside the demo)."""
    return Client(headers={"X-Forwarded-Proto": "https"})


def build_agencies():
    """A demo-like tree: UBND tỉnh H20, its departments H20.02…H20.13, and two wards' People's
    Committees with their one-stop desks (built here, independent of load_demo), on the units of
    ``dong_thap_units``."""
    province = AdministrativeUnit.objects.valid_on().get(code="82", level=Level.PROVINCE)
    my_tho = AdministrativeUnit.objects.valid_on().get(code="28261")
    cao_lanh = AdministrativeUnit.objects.valid_on().get(name="Phường Cao Lãnh")
    root = testing.make_agency(
        "H20", "Ủy ban nhân dân tỉnh Đồng Tháp", AgencyKind.PROVINCIAL_PC, province, valid_from=None
    )
    tree = {"province": root}
    for suffix, name, kind in DEPARTMENTS:
        tree[suffix] = testing.make_agency(f"H20.{suffix}", name, kind, province, root, valid_from=None)
    for number, unit in ((201, my_tho), (202, cao_lanh)):
        in_name = unit.name[0].lower() + unit.name[1:]
        committee = testing.make_agency(
            f"H20.{number}", f"Ủy ban nhân dân {in_name}", AgencyKind.COMMUNE_PC, unit, root, valid_from=None
        )
        desk = testing.make_agency(
            f"H20.{number}.01",
            f"Trung tâm Phục vụ hành chính công {in_name}",
            AgencyKind.ONE_STOP_DESK,
            unit,
            committee,
            valid_from=None,
        )
        tree[unit.name] = committee
        tree[("desk", unit.name)] = desk
    return tree


def build_catalogue() -> None:
    """The shipped Đồng Tháp demo catalogue, loaded with the command the demo uses."""
    call_command("load_procedures", stdout=io.StringIO())


@pytest.fixture
@testing.keep(build_agencies, on="dong_thap_units")
def agencies(dong_thap_units):
    """``build_agencies``'s tree (written once per worker)."""
    return testing.kept_rows("agencies")


@pytest.fixture
@testing.keep(build_catalogue, on="agencies")
def catalogue(agencies):
    """``build_catalogue``'s rows (written once per worker)."""
    return DEMO_CATALOGUE
