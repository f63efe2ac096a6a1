import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tinhso.agencies.models import Agency, AgencyKind

pytestmark = pytest.mark.django_db

D = datetime.date


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


def test_code_is_stored_in_canonical_form_and_name_folded(province):
    agency = Agency.objects.create(
        code="000.00.21.h15", name="Sở  Tư pháp tỉnh Đồng Tháp", kind=AgencyKind.DEPARTMENT, unit=province
    )
    assert agency.code == "H15.21"
    assert agency.name == "Sở Tư pháp tỉnh Đồng Tháp"
    assert agency.name_folded == "so tu phap tinh dong thap"


def test_descendants_and_ancestors(tree):
    assert codes(tree["ubnd"].descendants()) == ["H15", "H15.21", "H15.21.01", "H15.50", "H15.50.01"]
    assert codes(tree["stp"].descendants(include_self=False)) == ["H15.21.01"]
    assert codes(tree["mot_cua"].descendants(include_self=False)) == []
    assert tree["phong"].ancestors() == [tree["ubnd"], tree["stp"]]


def test_moving_an_agency_moves_its_subtree(tree):
    stp = tree["stp"]
    stp.parent = tree["phuong"]
    stp.save()
    assert codes(tree["phuong"].descendants()) == ["H15.21", "H15.21.01", "H15.50", "H15.50.01"]
    phong = Agency.objects.get(code="H15.21.01")
    assert phong.path == f"/{tree['ubnd'].pk}/{tree['phuong'].pk}/{stp.pk}/{phong.pk}/"
    assert phong.ancestors() == [tree["ubnd"], tree["phuong"], stp]


def test_an_agency_cannot_go_under_its_own_subtree(tree):
    ubnd = Agency.objects.get(pk=tree["ubnd"].pk)
    ubnd.parent = tree["phong"]
    with pytest.raises(ValidationError) as info:
        ubnd.full_clean()
    assert info.value.message_dict["parent"] == [
        "Không thể đặt một cơ quan vào dưới chính nó hoặc một đơn vị trực thuộc của nó."
    ]
    stp = tree["stp"]
    stp.parent = stp
    with pytest.raises(ValidationError):
        stp.full_clean()


def test_invalid_code_is_refused_by_clean(province):
    agency = Agency(code="H15..21", name="Sở Tư pháp", unit=province)
    with pytest.raises(ValidationError) as info:
        agency.full_clean()
    assert "nhóm trống" in info.value.message_dict["code"][0]


def test_overlapping_validity_for_the_same_code_is_refused(tree, province):
    tree["stp"].valid_from = D(2025, 7, 1)
    tree["stp"].save()
    old = Agency(
        code="H15.21",
        name="Sở Tư pháp (trước sắp xếp)",
        unit=province,
        valid_from=D(2020, 1, 1),
        valid_to=D(2025, 7, 1),
    )
    with pytest.raises(ValidationError) as info:
        old.full_clean()
    assert "Mã H15.21 đã được “Sở Tư pháp” sử dụng" in info.value.message_dict["code"][0]
    old.valid_to = D(2025, 6, 30)
    old.full_clean()


def test_own_successor_and_backwards_period_are_refused(tree):
    stp = tree["stp"]
    stp.valid_to = D(2025, 6, 30)
    stp.successor = stp
    with pytest.raises(ValidationError) as info:
        stp.full_clean()
    assert info.value.message_dict["successor"] == ["Không thể tự là đơn vị kế thừa của chính mình."]
    with pytest.raises(IntegrityError), transaction.atomic():
        stp.save()
    stp.successor = None
    stp.valid_from = D(2025, 7, 1)
    with pytest.raises(ValidationError) as info:
        stp.full_clean()
    assert "valid_to" in info.value.message_dict
