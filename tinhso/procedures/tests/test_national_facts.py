"""The demo catalogue against the national database facts found, and the "unverified" list that
marks every figure not checked (shown to administrators, carried by import and export)."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tinhso.accounts.middleware import SECOND_FACTOR_SESSION_KEY
from tinhso.procedures.models import Level, Procedure
from tinhso.procedures.tests.test_catalogue import export, small_document, write

pytestmark = pytest.mark.django_db


def test_criminal_record_certificates_moved_to_the_provincial_police(catalogue):
    """Issuing criminal-record certificates passed from the Ministry of Justice to the Ministry of
    Public Security on 1/3/2025 (at province level, Department of Justice → provincial police);
    the provincial service centre receives the dossiers too."""
    for code in ("DT-004", "DT-005"):
        procedure = Procedure.objects.get(code=code)
        assert sorted(procedure.agencies.values_list("name", flat=True)) == [
            "Công an tỉnh Đồng Tháp",
            "Trung tâm Phục vụ hành chính công tỉnh Đồng Tháp",
        ]
        assert "01/3/2025" in procedure.note
        assert "Công an tỉnh Đồng Tháp" in procedure.submission_place


def test_building_permits_for_grade_i_and_ii_have_the_national_code(catalogue):
    assert not Procedure.objects.filter(code="DT-007").exists()
    permit = Procedure.objects.get(code="1.013236")
    assert not permit.is_demo_code
    assert permit.level == Level.PROVINCE
    assert (permit.processing_time, permit.processing_unit) == (10, "working_days")
    assert "1077/QĐ-BXD" in permit.note
    assert any("Thời hạn giải quyết" in item for item in permit.unverified)


def test_household_business_procedures_follow_decree_168_2025(catalogue):
    """Codes, names and times as republished by Decision 2353/QĐ-BTC after Decree 168/2025/NĐ-CP."""
    assert not Procedure.objects.filter(code="DT-006").exists()
    expected = {
        "1.001612": ("Đăng ký thành lập hộ kinh doanh", 3),
        "2.000720": ("Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", 3),
        "1.001266": ("Chấm dứt hoạt động hộ kinh doanh", 5),
        "1.001570": (
            "Tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo của hộ kinh doanh",
            1,
        ),
        "1.014034": (
            "Đăng ký cập nhật, bổ sung thông tin trong hồ sơ đăng ký hộ kinh doanh, hiệu đính thông tin "
            "đăng ký hộ kinh doanh",
            3,
        ),
        "1.014035": ("Dừng thực hiện thủ tục đăng ký hộ kinh doanh", 3),
    }
    for code, (name, days) in expected.items():
        procedure = Procedure.objects.get(code=code)
        assert (procedure.name, procedure.processing_time, procedure.processing_unit) == (
            name,
            days,
            "working_days",
        ), code
        assert procedure.level == Level.COMMUNE and not procedure.is_demo_code
        assert "Nghị định số 168/2025/NĐ-CP về đăng ký doanh nghiệp" in procedure.legal_basis
        assert "2353/QĐ-BTC" in procedure.note


def test_every_figure_not_checked_is_marked(catalogue):
    for procedure in Procedure.objects.prefetch_related("fees"):
        if procedure.is_demo_code:
            assert any(item.startswith("Mã thủ tục: mã trình diễn") for item in procedure.unverified), (
                procedure.code
            )
        for fee in procedure.fees.all():
            if fee.amount and "Hội đồng nhân dân" in fee.note:
                assert any(fee.name in item for item in procedure.unverified), (procedure.code, fee.name)
    # A procedure checked in full carries no mark.
    assert Procedure.objects.get(code="1.001193").unverified == []


def test_the_unverified_list_travels_in_json_and_csv(agencies, tmp_path):
    marks = ["Lệ phí: chưa đối chiếu nghị quyết của Hội đồng nhân dân tỉnh."]
    call_command(
        "import_procedures", str(write(tmp_path, small_document(unverified=marks))), stdout=io.StringIO()
    )
    assert Procedure.objects.get().unverified == marks
    assert json.loads(export())["procedures"][0]["unverified"] == marks
    csv_text = export("csv")
    Procedure.objects.all().delete()
    (tmp_path / "catalogue.csv").write_text(csv_text, encoding="utf-8")
    call_command("import_procedures", str(tmp_path / "catalogue.csv"), stdout=io.StringIO())
    assert Procedure.objects.get().unverified == marks
    # Without marks, the key is left out of the export (older files stay byte-identical).
    Procedure.objects.all().delete()
    call_command("import_procedures", str(write(tmp_path, small_document())), stdout=io.StringIO())
    assert "unverified" not in json.loads(export())["procedures"][0]


@pytest.mark.parametrize("marks", ["một dòng", [""], ["Lệ phí", 5]])
def test_a_bad_unverified_list_refuses_the_file(agencies, tmp_path, marks):
    with pytest.raises(CommandError) as caught:
        call_command(
            "import_procedures", str(write(tmp_path, small_document(unverified=marks))), stdout=io.StringIO()
        )
    assert "chưa có gì được ghi" in str(caught.value)
    assert not Procedure.objects.exists()


def test_administrators_see_what_is_not_verified(client, catalogue, django_user_model):
    admin = django_user_model.objects.create_superuser(
        "quantri.tinh", "mật-khẩu-rất-dài-2025", full_name="Lan"
    )
    client.force_login(admin)
    session = client.session
    session[SECOND_FACTOR_SESSION_KEY] = admin.pk
    session.save()
    listing = client.get("/quan-tri/procedures/procedure/", {"q": "DT-004"}).content.decode()
    assert "Chưa đối chiếu" in listing
    procedure = Procedure.objects.get(code="DT-004")
    page = client.get(f"/quan-tri/procedures/procedure/{procedure.pk}/change/").content.decode()
    assert "Luật số 107/2025/QH15" in page
