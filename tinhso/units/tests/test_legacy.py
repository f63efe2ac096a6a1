import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from tinhso.units.legacy import LegacyImportError, import_legacy_units
from tinhso.units.models import AdministrativeUnit, DivisionType, Level

pytestmark = pytest.mark.django_db

HEADER = "code,name,division_type,level,parent_code,valid_from,valid_to,successor_code,note\n"


def test_sample_file_maps_old_units_to_their_2025_successors(legacy_sample):
    tien_giang = AdministrativeUnit.objects.get(code="82", valid_to=datetime.date(2025, 6, 30))
    assert tien_giang.name == "Tỉnh Tiền Giang"
    assert tien_giang.successor.name == "Tỉnh Đồng Tháp"
    my_tho_city = AdministrativeUnit.objects.get(code="815")
    assert my_tho_city.level == Level.DISTRICT
    assert my_tho_city.division_type == DivisionType.PROVINCIAL_CITY
    assert my_tho_city.parent == tien_giang
    phuong_1 = AdministrativeUnit.objects.get(code="28261", valid_to=datetime.date(2025, 6, 30))
    assert phuong_1.parent == my_tho_city
    assert phuong_1.successor == AdministrativeUnit.objects.get(
        code="28261", valid_from=datetime.date(2025, 7, 1)
    )
    assert (
        AdministrativeUnit.objects.get(code="28270", valid_to__isnull=False).successor.name
        == "Phường Thới Sơn"
    )
    old_dong_thap = AdministrativeUnit.objects.get(code="87")
    assert old_dong_thap.successor.code == "82"


def test_importing_twice_changes_nothing(legacy_sample):
    count = AdministrativeUnit.objects.count()
    out = io.StringIO()
    call_command("import_legacy_units", "tinhso/units/data/legacy_sample.csv", stdout=out)
    assert AdministrativeUnit.objects.count() == count


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_saved(dong_thap):
    text = (
        HEADER
        + "815,Thành phố Mỹ Tho,thành phố thuộc tỉnh,2,82,,2025-06-30,,\n"
        + ",Phường 2,phường,3,815,,2025-06-30,28261,\n"
        + "28264,Phường 2,khu phố,7,815,,30/06/2025,28261,\n"
        + "28270,Phường 6,phường,3,815,,31/02/2025,28270,\n"
    )
    with pytest.raises(LegacyImportError) as info:
        import_legacy_units(text)
    errors = info.value.errors
    assert errors[0].startswith("Dòng 3:")
    assert "mã trống" in errors[0]
    assert errors[1].startswith("Dòng 4:")
    assert "khu phố" in errors[1] and "“7”" in errors[1]
    assert errors[2].startswith("Dòng 5:") and "31/02/2025" in errors[2]
    assert not AdministrativeUnit.objects.filter(code="815").exists()


def test_unresolvable_links_roll_back_the_whole_file(dong_thap):
    text = (
        HEADER
        + "815,Thành phố Mỹ Tho,thành phố thuộc tỉnh,2,82,,2025-06-30,82,\n"
        + "28264,Phường 2,phường,3,815,,2025-06-30,99999,\n"
        + "28276,Phường 10,phường,3,816,,2025-06-30,,\n"
    )
    with pytest.raises(LegacyImportError) as info:
        import_legacy_units(text)
    errors = info.value.errors
    assert any(error.startswith("Dòng 2:") and "82" in error for error in errors)
    assert any(error.startswith("Dòng 3:") and "99999" in error for error in errors)
    assert any(error.startswith("Dòng 4:") and "816" in error for error in errors)
    assert not AdministrativeUnit.objects.filter(code__in=["815", "28264", "28276"]).exists()


def test_overlap_with_an_existing_unit_is_refused(dong_thap):
    text = HEADER + "28261,Phường 1,phường,3,82,,,,\n"
    with pytest.raises(LegacyImportError) as info:
        import_legacy_units(text)
    assert info.value.errors[0].startswith("Dòng 2: mã: Mã 28261")
    assert "Phường Mỹ Tho" in info.value.errors[0]


def test_missing_columns_and_command_errors(tmp_path, dong_thap):
    with pytest.raises(LegacyImportError, match="division_type"):
        import_legacy_units("code,name,level\n82,Tỉnh Tiền Giang,1\n")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "815,Thành phố Mỹ Tho,huyện lỵ,2,82,,2025-06-30,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Dòng 2"):
        call_command("import_legacy_units", str(bad))
    with pytest.raises(CommandError):
        call_command("import_legacy_units", str(tmp_path / "missing.csv"))
