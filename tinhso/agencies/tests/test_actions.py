import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tinhso.agencies import actions
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.audit.services import history_for

pytestmark = pytest.mark.django_db

D = datetime.date


def test_province_admin_creates_a_department_with_an_audit_entry(tree, province, province_admin):
    agency = actions.create_agency(
        province_admin,
        code="000.00.22.H15",
        name="Sở Nội vụ",
        short_name="SNV",
        kind=AgencyKind.DEPARTMENT,
        parent=tree["ubnd"],
        unit=province,
        email="snv@dongthap.gov.vn",
    )
    assert agency.code == "H15.22"
    assert agency in tree["ubnd"].descendants()
    entry = history_for(agency).get()
    assert entry.action == "agencies.create"
    assert entry.actor == province_admin
    assert entry.data["code"] == "H15.22"
    assert entry.data["parent"] == "H15"
    assert entry.data["unit"] == "82"


def test_agency_admin_works_only_in_their_subtree(tree, province, justice_admin):
    child = actions.create_agency(
        justice_admin, code="H15.21.02", name="Phòng Bổ trợ tư pháp", parent=tree["stp"], unit=province
    )
    assert child.parent == tree["stp"]
    with pytest.raises(PermissionDenied):
        actions.create_agency(
            justice_admin,
            code="H15.50.02",
            name="Văn phòng HĐND-UBND phường",
            parent=tree["phuong"],
            unit=province,
        )
    with pytest.raises(PermissionDenied):
        actions.create_agency(justice_admin, code="H16", name="UBND tỉnh khác", unit=province)
    assert not Agency.objects.filter(code__in=["H15.50.02", "H16"]).exists()


def test_without_permission_nothing_is_saved(tree, province, specialist):
    with pytest.raises(PermissionDenied):
        actions.create_agency(
            specialist, code="H15.21.03", name="Phòng mới", parent=tree["stp"], unit=province
        )
    with pytest.raises(PermissionDenied):
        actions.create_agency(None, code="H15.21.03", name="Phòng mới", parent=tree["stp"], unit=province)
    with pytest.raises(PermissionDenied):
        actions.update_agency(specialist, tree["stp"], name="Sở Tư pháp (đổi tên)")
    assert Agency.objects.get(pk=tree["stp"].pk).name == "Sở Tư pháp"
    assert not Agency.objects.filter(code="H15.21.03").exists()


def test_invalid_data_is_refused_without_audit(tree, province, province_admin):
    with pytest.raises(ValidationError) as info:
        actions.create_agency(
            province_admin, code="H15.21", name="Sở Tư pháp trùng mã", parent=tree["ubnd"], unit=province
        )
    assert "Mã H15.21 đã được “Sở Tư pháp” sử dụng" in info.value.message_dict["code"][0]
    with pytest.raises(ValidationError) as info:
        actions.create_agency(province_admin, code="21.H15.00", name="Sở Xây dựng", unit=province)
    assert "code" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        actions.update_agency(province_admin, tree["stp"], secret="x")
    assert "secret" in info.value.message_dict
    assert Agency.objects.count() == 5


def test_update_records_the_changes_and_moves_the_subtree(tree, province_admin):
    stp = actions.update_agency(
        province_admin, tree["stp"], name="Sở Tư pháp tỉnh Đồng Tháp", parent=tree["phuong"]
    )
    assert stp.name_folded == "so tu phap tinh dong thap"
    entry = history_for(stp).get()
    assert entry.action == "agencies.update"
    assert entry.data == {"name": ["Sở Tư pháp", "Sở Tư pháp tỉnh Đồng Tháp"], "parent": ["H15", "H15.50"]}
    assert Agency.objects.get(code="H15.21.01") in tree["phuong"].descendants()


def test_moving_needs_permission_on_the_new_parent(tree, justice_admin):
    with pytest.raises(PermissionDenied):
        actions.update_agency(justice_admin, tree["phong"], parent=tree["phuong"])
    assert Agency.objects.get(code="H15.21.01").parent == tree["stp"]


def test_close_with_successor(tree, province, province_admin):
    new_stp = actions.create_agency(
        province_admin,
        code="H15.23",
        name="Sở Tư pháp (mới)",
        parent=tree["ubnd"],
        unit=province,
        valid_from=D(2026, 1, 1),
    )
    with pytest.raises(ValidationError) as info:
        actions.close_agency(province_admin, tree["stp"], D(2026, 1, 1), successor=new_stp)
    assert info.value.message_dict["successor"] == [
        "Đơn vị kế thừa phải bắt đầu sau khi đơn vị này kết thúc (sau 01/01/2026)."
    ]
    assert Agency.objects.get(pk=tree["stp"].pk).valid_to is None
    closed = actions.close_agency(province_admin, tree["stp"], D(2025, 12, 31), successor=new_stp)
    assert closed.valid_to == D(2025, 12, 31)
    assert history_for(closed).last().data == {
        "valid_to": [None, "2025-12-31"],
        "successor": [None, "H15.23"],
    }
    with pytest.raises(ValidationError):
        actions.close_agency(province_admin, closed, D(2026, 6, 30))


def test_agency_without_known_code_gets_a_flagged_generated_code(tree, province, justice_admin):
    first = actions.create_agency(justice_admin, name="Phòng Văn bản", parent=tree["stp"], unit=province)
    second = actions.create_agency(justice_admin, name="Phòng Thanh tra", parent=tree["stp"], unit=province)
    assert (first.code, first.is_demo_code) == ("H15.21.02", True)
    assert second.code == "H15.21.03"


def test_the_document_symbol_is_set_in_capitals_only(tree, province_admin):
    stp = actions.update_agency(province_admin, tree["stp"], symbol="STP")
    assert stp.symbol == "STP"
    assert history_for(stp).get().data == {"symbol": ["", "STP"]}
    with pytest.raises(ValidationError) as caught:
        actions.update_agency(province_admin, tree["stp"], symbol="S TP")
    assert "symbol" in caught.value.message_dict
    assert Agency.objects.get(pk=stp.pk).symbol == "STP"
