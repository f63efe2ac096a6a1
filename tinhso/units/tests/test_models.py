import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tinhso.units.models import AdministrativeUnit, DivisionType, Level

pytestmark = pytest.mark.django_db

D = datetime.date


def unit(**fields):
    values = {
        "code": "82",
        "name": "Tỉnh Tiền Giang",
        "level": Level.PROVINCE,
        "division_type": DivisionType.PROVINCE,
        "valid_to": D(2025, 6, 30),
    }
    values.update(fields)
    return AdministrativeUnit(**values)


def errors_of(instance) -> dict:
    with pytest.raises(ValidationError) as info:
        instance.full_clean()
    return info.value.message_dict


def test_name_is_normalised_and_folded():
    tien_giang = unit(name="  Tỉnh  Tie\u0302\u0300n Giang ")
    tien_giang.save()
    assert tien_giang.name == "Tỉnh Tiền Giang"
    assert tien_giang.name_folded == "tinh tien giang"


def test_code_reused_in_another_era_is_accepted(dong_thap):
    old = unit()
    old.full_clean()
    old.save()
    assert AdministrativeUnit.objects.filter(code="82").count() == 2


def test_overlapping_validity_for_the_same_code_is_refused(dong_thap):
    clash = unit(valid_to=D(2025, 7, 1))
    messages = errors_of(clash)["code"]
    assert "Tỉnh Đồng Tháp" in messages[0]
    assert "Mã 82" in messages[0]
    open_ended = unit(valid_from=D(2030, 1, 1), valid_to=None)
    assert "code" in errors_of(open_ended)


def test_end_before_start_is_refused_by_clean_and_database():
    backwards = unit(valid_from=D(2025, 7, 1), valid_to=D(2025, 6, 30))
    assert errors_of(backwards)["valid_to"] == ["Ngày kết thúc không được trước ngày bắt đầu."]
    with pytest.raises(IntegrityError), transaction.atomic():
        backwards.save()


def test_own_successor_is_refused_by_clean_and_database():
    tien_giang = unit()
    tien_giang.save()
    tien_giang.successor = tien_giang
    assert errors_of(tien_giang)["successor"] == ["Không thể tự là đơn vị kế thừa của chính mình."]
    with pytest.raises(IntegrityError), transaction.atomic():
        tien_giang.save()


def test_successor_must_start_after_the_unit_ends(dong_thap):
    dong_thap_new = AdministrativeUnit.objects.get(code="82")
    too_late = unit(valid_to=D(2025, 7, 1), code="8200", successor=dong_thap_new)
    assert errors_of(too_late)["successor"] == [
        "Đơn vị kế thừa phải bắt đầu sau khi đơn vị này kết thúc (sau 01/07/2025)."
    ]
    still_open = unit(code="8200", valid_to=None, successor=dong_thap_new)
    assert "successor" in errors_of(still_open)
    with pytest.raises(IntegrityError), transaction.atomic():
        still_open.save()
    fine = unit(code="8200", successor=dong_thap_new)
    fine.full_clean()


def test_same_code_and_start_is_refused_by_the_database():
    unit(valid_from=D(1976, 2, 24)).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        unit(valid_from=D(1976, 2, 24), valid_to=None).save()
    unit(valid_from=None, code="87", name="Tỉnh Đồng Tháp").save()
    with pytest.raises(IntegrityError), transaction.atomic():
        unit(valid_from=None, code="87", name="Tỉnh Đồng Tháp").save()


def test_level_type_and_parent_must_agree(dong_thap):
    dong_thap_new = AdministrativeUnit.objects.get(code="82")
    ward_as_province = unit(code="99", division_type=DivisionType.WARD)
    assert "division_type" in errors_of(ward_as_province)
    orphan = unit(code="815", level=Level.DISTRICT, division_type=DivisionType.PROVINCIAL_CITY)
    assert errors_of(orphan)["parent"] == ["Đơn vị này cần có đơn vị cấp trên."]
    province_under_province = unit(code="99", parent=dong_thap_new)
    assert "parent" in errors_of(province_under_province)
    ward = AdministrativeUnit.objects.get(code="28261")
    commune_under_commune = unit(
        code="99999", level=Level.COMMUNE, division_type=DivisionType.WARD, parent=ward, valid_to=None
    )
    assert "parent" in errors_of(commune_under_commune)
