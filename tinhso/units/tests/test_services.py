import datetime

import pytest

from tinhso.units.models import AdministrativeUnit, DivisionType, Level
from tinhso.units.services import resolve_successor, search_units, unit_by_code

pytestmark = pytest.mark.django_db

D = datetime.date


def names(units):
    return [unit.name for unit in units]


def test_search_is_accent_insensitive(dong_thap):
    assert names(search_units("dong thap")) == ["Tỉnh Đồng Tháp"]
    assert "Phường Mỹ Tho" in names(search_units("my tho"))
    assert "Phường Mỹ Tho" in names(search_units("MỸ THO"))
    assert "Phường Mỹ Tho" in names(search_units("tho my"))
    assert names(search_units("28261")) == ["Phường Mỹ Tho"]
    assert search_units("khong co don vi nay") == []


def test_search_filters_by_level_parent_and_limit(dong_thap):
    communes = search_units("", level=Level.COMMUNE, parent="82", limit=500)
    assert len(communes) == 102
    assert all(unit.parent.code == "82" for unit in communes)
    assert len(search_units("", parent="82", limit=5)) == 5
    assert search_units("my tho", level=Level.PROVINCE) == []
    dong_thap_unit = AdministrativeUnit.objects.get(code="82")
    assert names(search_units("thoi son", parent=dong_thap_unit)) == ["Phường Thới Sơn"]


def test_search_on_a_date_sees_the_units_of_that_era(legacy_sample):
    before = search_units("my tho", on=D(2025, 6, 30))
    assert names(before) == ["Thành phố Mỹ Tho"]
    assert "Phường Mỹ Tho" in names(search_units("my tho", on=D(2025, 7, 1)))
    assert names(search_units("tien giang", on=D(2025, 6, 30))) == ["Tỉnh Tiền Giang"]
    assert search_units("tien giang") == []


def test_unit_by_code_prefers_the_current_unit(legacy_sample):
    assert unit_by_code("82").name == "Tỉnh Đồng Tháp"
    assert unit_by_code("82", on=D(2025, 6, 30)).name == "Tỉnh Tiền Giang"
    assert unit_by_code("28264").name == "Phường 2"
    assert unit_by_code("00000") is None


def test_resolve_successor_follows_links(legacy_sample):
    phuong_2 = AdministrativeUnit.objects.get(code="28264")
    assert resolve_successor(phuong_2).name == "Phường Mỹ Tho"
    assert resolve_successor(phuong_2, on=D(2025, 6, 30)) == phuong_2
    my_tho_city = AdministrativeUnit.objects.get(code="815")
    assert resolve_successor(my_tho_city).name == "Tỉnh Đồng Tháp"
    new_my_tho = AdministrativeUnit.objects.get(code="28261", valid_to__isnull=True)
    assert resolve_successor(new_my_tho, on=D(2020, 1, 1)) is None


def test_resolve_successor_guards_against_cycles(db):
    first = AdministrativeUnit.objects.create(
        code="90001",
        name="Xã Một",
        level=Level.PROVINCE,
        division_type=DivisionType.PROVINCE,
        valid_from=D(2000, 1, 1),
        valid_to=D(2001, 1, 1),
    )
    second = AdministrativeUnit.objects.create(
        code="90002",
        name="Xã Hai",
        level=Level.PROVINCE,
        division_type=DivisionType.PROVINCE,
        valid_from=D(2001, 1, 2),
        valid_to=D(2002, 1, 1),
        successor=first,
    )
    AdministrativeUnit.objects.filter(pk=first.pk).update(successor=second)
    first.refresh_from_db()
    with pytest.raises(ValueError, match="vòng"):
        resolve_successor(first, on=D(2030, 1, 1))
