import datetime
import json

import pytest

from tinhso.accounts.models import Membership, Role
from tinhso.accounts.permissions import can
from tinhso.audit.models import AuditEntry
from tinhso.procedures.models import BoundaryFreeList, Field, Procedure
from tinhso.testing import signed_in


def officer(django_user_model, username, agency, role):
    user = django_user_model.objects.create_user(
        username=username, full_name="Nguyễn Thành Công", kind="officer", is_staff=True
    )
    Membership.objects.create(user=user, agency=agency, role=role)
    return user


@pytest.fixture
def province_admin(django_user_model, agencies):
    return officer(django_user_model, "admin.tinh", agencies["province"], Role.PROVINCE_ADMIN)


@pytest.fixture
def justice_admin(django_user_model, agencies):
    return officer(django_user_model, "quantri.stp", agencies["04"], Role.AGENCY_ADMIN)


def form_data(field, **changes):
    data = {
        "code": "1.004873",
        "name": "Cấp Giấy xác nhận tình trạng hôn nhân",
        "field": field.pk,
        "level": "commune",
        "processing_time": "3",
        "processing_unit": "working_days",
        "result_type": "Giấy xác nhận",
        "legal_basis": json.dumps(["Luật Hộ tịch số 60/2014/QH13"]),
        "submit_direct": "on",
        "submit_online": "on",
        "online_level": "full",
        "eform": "{}",
        "is_active": "on",
        "fees-TOTAL_FORMS": "1",
        "fees-INITIAL_FORMS": "0",
        "fees-0-position": "1",
        "fees-0-name": "Lệ phí cấp Giấy xác nhận tình trạng hôn nhân",
        "fees-0-amount": "15000",
        "fees-0-kind": "fixed",
        "documents-TOTAL_FORMS": "1",
        "documents-INITIAL_FORMS": "0",
        "documents-0-position": "1",
        "documents-0-name": "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân",
        "documents-0-originals": "1",
        "documents-0-copies": "0",
        "documents-0-is_required": "on",
    }
    return data | changes


def test_only_province_admins_change_the_catalogue(province_admin, justice_admin):
    assert can(province_admin, "procedures.change")
    assert not can(justice_admin, "procedures.change")
    assert not can(None, "procedures.change")


def test_province_admin_adds_a_procedure_with_fees_and_documents(client, province_admin):
    field = Field.objects.create(code="ho-tich", name="Hộ tịch")
    signed_in(client, province_admin)
    assert client.get("/quan-tri/procedures/procedure/").status_code == 200
    response = client.post("/quan-tri/procedures/procedure/add/", form_data(field))
    assert response.status_code == 302, response.content.decode()[:3000]
    procedure = Procedure.objects.get(code="1.004873")
    assert procedure.fees.get().amount == 15000
    assert procedure.documents.get().name == "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân"
    entry = AuditEntry.objects.get(action="procedures.create")
    assert entry.data["fees"][0]["amount"] == 15000


def test_admin_refuses_bad_input_in_vietnamese(client, province_admin):
    field = Field.objects.create(code="ho-tich", name="Hộ tịch")
    signed_in(client, province_admin)
    bad_eform = json.dumps(
        {"version": 1, "pages": [{"title": "Tờ khai", "fields": [{"name": "x", "type": "text"}]}]}
    )
    response = client.post(
        "/quan-tri/procedures/procedure/add/",
        form_data(field, eform=bad_eform, **{"fees-0-amount": "-15000"}),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Trang 1, trường “x”: trường cần có nhãn." in page
    assert "Phí, lệ phí không được là số âm." in page
    assert not Procedure.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="procedures.").exists()


def test_agency_admin_cannot_use_the_catalogue_admin(client, justice_admin):
    signed_in(client, justice_admin)
    assert client.get("/quan-tri/procedures/procedure/").status_code == 403
    assert client.post("/quan-tri/procedures/procedure/add/", {}).status_code == 403


def boundary_free_form(procedure, **changes):
    data = {
        "scope": "province",
        "number": "2150/QĐ-UBND",
        "signed_on": "01/09/2026",
        "issuer": "Ủy ban nhân dân tỉnh Đồng Tháp",
        "valid_from": "15/09/2026",
        "procedures": [procedure.pk],
    }
    return data | changes


def test_province_admin_publishes_the_boundary_free_list_through_the_action(client, province_admin):
    field = Field.objects.create(code="ho-tich", name="Hộ tịch")
    procedure = Procedure.objects.create(
        code="1.004873",
        name="Cấp Giấy xác nhận tình trạng hôn nhân",
        field=field,
        level="commune",
        processing_time=3,
        processing_unit="working_days",
    )
    signed_in(client, province_admin)
    url = "/quan-tri/procedures/boundaryfreelist/add/"
    response = client.post(url, boundary_free_form(procedure, number="", valid_to="01/09/2026"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nhập số, ký hiệu của văn bản ban hành danh mục." in page
    assert "Ngày kết thúc không được trước ngày bắt đầu." in page
    assert not BoundaryFreeList.objects.exists()

    response = client.post(url, boundary_free_form(procedure))
    assert response.status_code == 302, response.content.decode()[:3000]
    listed = BoundaryFreeList.objects.get()
    assert (listed.number, listed.valid_from) == ("2150/QĐ-UBND", datetime.date(2026, 9, 15))
    assert list(listed.procedures.all()) == [procedure]
    entry = AuditEntry.objects.get(action="procedures.publish_boundary_free_list")
    assert entry.actor == province_admin and entry.data["procedures"] == ["1.004873"]


def test_agency_admin_cannot_publish_a_boundary_free_list(client, justice_admin):
    signed_in(client, justice_admin)
    assert client.get("/quan-tri/procedures/boundaryfreelist/").status_code == 403
    assert client.post("/quan-tri/procedures/boundaryfreelist/add/", {}).status_code == 403
