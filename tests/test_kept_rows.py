"""The suite's kept rows (``tinhso.testing.keep``, put in place by the root conftest.py): written
once per worker, each test rolls back to them, a layer goes on top of another, and a test that
does not ask for them does not find them. The module runs on one worker, in this order
(conftest.py's GROUPS and order); it has no test that empties the database: its unit runs early
on its worker, before tests that need the rows the migrations write."""

import pytest

from tinhso import testing
from tinhso.units.models import AdministrativeUnit, DivisionType, Level

BUILDS = []


def build_province() -> AdministrativeUnit:
    BUILDS.append("province")
    return testing.make_unit("82", "Tỉnh Đồng Tháp", Level.PROVINCE, DivisionType.PROVINCE)


def build_ward() -> AdministrativeUnit:
    BUILDS.append("ward")
    province = AdministrativeUnit.objects.get(code="82")
    return testing.make_unit("28261", "Phường Mỹ Tho", Level.COMMUNE, DivisionType.WARD, province)


@pytest.fixture
@testing.keep(build_province)
def province(db):
    return testing.kept_rows("province")


@pytest.fixture
@testing.keep(build_ward, on="province")
def ward(province):
    return testing.kept_rows("ward")


def test_a_test_changes_the_kept_rows(province):
    province.name = "Tỉnh khác"
    province.save()
    testing.make_unit("29869", "Phường Cao Lãnh", Level.COMMUNE, DivisionType.WARD, province)
    assert AdministrativeUnit.objects.count() == 2


def test_the_next_finds_them_as_they_were_built_and_not_built_again(province):
    assert province.name == "Tỉnh Đồng Tháp"
    assert list(AdministrativeUnit.objects.values_list("code", "name")) == [("82", "Tỉnh Đồng Tháp")]
    assert BUILDS == ["province"]


def test_a_layer_goes_on_the_rows_below_it(province, ward):
    assert ward.parent == province
    assert sorted(AdministrativeUnit.objects.values_list("code", flat=True)) == ["28261", "82"]
    assert BUILDS == ["province", "ward"]


@pytest.mark.django_db
def test_a_test_without_kept_rows_finds_none():
    assert not AdministrativeUnit.objects.exists()
