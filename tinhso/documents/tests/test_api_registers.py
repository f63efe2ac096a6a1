"""The API's paper registration (with the scan), printed registers and saved searches: thin
handlers over the actions the pages use, with the refusals across agencies, roles and bad input,
which change nothing."""

import datetime
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from pypdf import PdfReader

from tinhso import testing as factories
from tinhso.accounts.actions import issue_api_token
from tinhso.audit.models import AuditEntry
from tinhso.documents import actions
from tinhso.documents.models import IncomingDocument, SavedSearch

PAPER = "/api/v1/documents/incoming/paper"
SEARCHES = "/api/v1/documents/saved-searches"
MARCH = datetime.datetime(2026, 3, 10, 3, tzinfo=datetime.UTC)  # 10:00 in Vietnam
SPRING = {"start": "2026-03-01", "end": "2026-03-31"}


def bearer(user):
    token, _ = issue_api_token(user, "kiểm thử")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def scan(content=None, name="cv45.pdf"):
    return SimpleUploadedFile(name, content or factories.minimal_pdf(), content_type="application/pdf")


FIELDS = {
    "sender_name": "Sở Giáo dục và Đào tạo",
    "code_number": "45",
    "code_notation": "SGDĐT-KHTC",
    "type_name": "Công văn",
    "subject": "V/v kinh phí năm học",
    "promulgation_date": "2026-03-05",
}


def test_the_clerk_registers_a_paper_document_with_its_scan(client, agencies, dept_staff):
    headers = bearer(dept_staff["clerk"])
    unconfirmed = client.post(PAPER, FIELDS | {"file": scan()}, **headers)
    assert unconfirmed.status_code == 422  # an unsigned scan needs the confirmation
    assert not IncomingDocument.objects.exists()
    response = client.post(PAPER, FIELDS | {"file": scan(), "accept_signature": "true"}, **headers)
    assert response.status_code == 201
    body = response.json()
    assert (body["arrival_number"], body["source"], body["agency"], body["reference"]) == (
        1,
        "paper",
        "H20.10",
        "45/SGDĐT-KHTC",
    )
    document = IncomingDocument.objects.get()
    with document.file.open("rb") as stored:
        assert stored.read() == factories.minimal_pdf()
    duplicate = client.post(PAPER, FIELDS, **headers)
    assert duplicate.status_code == 422
    without_file = client.post(PAPER, FIELDS | {"accept_duplicate": "true", "urgency": "2"}, **headers)
    assert (without_file.status_code, without_file.json()["arrival_number"]) == (201, 2)
    assert AuditEntry.objects.filter(action="documents.register").count() == 2


def test_a_paper_registration_refused_changes_nothing(client, agencies, pc_staff, dept_staff, ward_staff):
    clerk = bearer(dept_staff["clerk"])
    refusals = [
        (dept_staff["clerk"], FIELDS | {"file": scan(b"GIF89a not a pdf", "cv45.pdf")}, 422),
        (dept_staff["clerk"], FIELDS | {"file": scan(b"%PDF-" + b"0" * (20 * 1024 * 1024))}, 422),
        (dept_staff["clerk"], FIELDS | {"subject": "V/v kinh phí\x00"}, 400),
        (dept_staff["clerk"], FIELDS | {"urgency": str(10**30)}, 422),
        (dept_staff["clerk"], FIELDS | {"code_number": "9" * 40}, 422),
        (dept_staff["clerk"], FIELDS | {"promulgation_date": "99999-01-01"}, 422),
        (dept_staff["clerk"], FIELDS | {"subject": ""}, 422),
        (dept_staff["leader"], FIELDS, 403),
        (dept_staff["specialist"], FIELDS, 403),
        (ward_staff["clerk"], FIELDS | {"agency": "H20.10"}, 403),
        (pc_staff["clerk"], FIELDS | {"agency": "H20.10"}, 403),
    ]
    for user, data, status in refusals:
        response = client.post(PAPER, data | {"accept_signature": "true"}, **bearer(user))
        assert response.status_code == status, (data, response.content)
    assert client.post(PAPER, FIELDS).status_code == 401
    assert not IncomingDocument.objects.exists()
    assert not AuditEntry.objects.filter(action="documents.register").exists()
    not_pdf = client.post(
        PAPER, FIELDS | {"file": scan(b"GIF89a", "a.pdf"), "accept_signature": "1"}, **clerk
    )
    assert "PDF" in not_pdf.json()["error"]["fields"]["__all__"][0]


@pytest.fixture
def documents(agencies, pc_staff):
    clerk = pc_staff["clerk"]
    draft = actions.create_draft(
        clerk, agencies["pc"], type_code="ke_hoach", subject="Kế hoạch phòng chống lụt bão"
    )
    issued = actions.issue_document(clerk, draft, at=MARCH)
    fields = {key: value for key, value in FIELDS.items() if key != "promulgation_date"}
    incoming = actions.register_paper(
        clerk, agencies["pc"], promulgation_date=datetime.date(2026, 3, 5), at=MARCH, **fields
    )
    return {"issued": issued, "incoming": incoming}


def test_the_registers_print_as_pdf_and_xlsx(client, documents, pc_staff):
    headers = bearer(pc_staff["clerk"])
    response = client.get("/api/v1/documents/registers/incoming/pdf", SPRING, **headers)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="so-van-ban-den-' in response["Content-Disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    assert "45/SGDĐT-KHTC" in text and "10/03/2026" in text
    response = client.get("/api/v1/documents/registers/outgoing/xlsx", SPRING, **bearer(pc_staff["leader"]))
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet["A1"].value == documents["issued"].agency.name
    assert sheet["A4"].value == documents["issued"].reference
    april = client.get(
        "/api/v1/documents/registers/outgoing/xlsx", {"start": "2026-04-01", "end": "2026-04-30"}, **headers
    )
    assert len(list(load_workbook(BytesIO(april.content)).active.iter_rows())) == 3


def test_the_registers_refuse_other_roles_agencies_and_bad_periods(
    client, agencies, documents, pc_staff, dept_staff
):
    url = "/api/v1/documents/registers/incoming/pdf"
    clerk = bearer(pc_staff["clerk"])
    assert client.get(url, SPRING, **bearer(pc_staff["specialist"])).status_code == 403
    for user in (dept_staff["clerk"], dept_staff["leader"]):
        assert client.get(url, SPRING | {"agency": agencies["pc"].code}, **bearer(user)).status_code == 403
    # Without an agency, another agency's clerk gets their own (empty) register.
    own = client.get("/api/v1/documents/registers/incoming/xlsx", SPRING, **bearer(dept_staff["clerk"]))
    assert load_workbook(BytesIO(own.content)).active["A1"].value == agencies["dept"].name
    assert len(list(load_workbook(BytesIO(own.content)).active.iter_rows())) == 3
    for period in (
        {"start": "2026-03-31", "end": "2026-03-01"},
        {"start": "2026-01-01", "end": "2027-06-01"},
        {"start": "2026-03-01"},
        {"start": "2026-03-01", "end": "99999999999999999999"},
    ):
        assert client.get(url, period, **clerk).status_code == 422, period
    assert client.get("/api/v1/documents/registers/secret/pdf", SPRING, **clerk).status_code == 422
    assert client.get("/api/v1/documents/registers/incoming/docx", SPRING, **clerk).status_code == 422
    assert client.get(url, SPRING).status_code == 401


def test_saved_searches_list_create_and_delete(client, agencies, pc_staff, dept_staff):
    clerk = bearer(pc_staff["clerk"])
    created = client.post(
        SEARCHES, {"name": "Lụt bão", "query": "lut bao"}, content_type="application/json", **clerk
    )
    assert created.status_code == 201
    saved = created.json()
    again = client.post(
        SEARCHES, {"name": "Lụt bão", "query": "phong chong"}, content_type="application/json", **clerk
    )
    assert (again.status_code, again.json()["id"]) == (201, saved["id"])
    assert [(item["name"], item["query"]) for item in client.get(SEARCHES, **clerk).json()] == [
        ("Lụt bão", "phong chong")
    ]
    other = bearer(dept_staff["clerk"])
    assert client.get(SEARCHES, **other).json() == []
    assert client.post(f"{SEARCHES}/{saved['id']}/remove", **other).status_code == 404
    assert client.post(f"{SEARCHES}/{10**20}/remove", **clerk).status_code in (404, 422)
    assert SavedSearch.objects.filter(pk=saved["id"]).exists()
    assert client.post(f"{SEARCHES}/{saved['id']}/remove", **clerk).status_code == 204
    assert not SavedSearch.objects.exists()
    assert AuditEntry.objects.filter(action="documents.delete_search").count() == 1


def test_saved_searches_refuse_bad_input_and_people_without_a_document_role(client, pc_staff):
    clerk = bearer(pc_staff["clerk"])
    for payload, status in (
        ({"name": "", "query": "lut"}, 422),
        ({"name": "x" * 101, "query": "lut"}, 422),
        ({"name": "Lụt", "query": "q" * 501}, 422),
        ({"name": "Lụt\x00", "query": "lut"}, 400),
        ({"name": "Lụt"}, 422),
        ({"name": 10**30, "query": "lut"}, 422),
    ):
        response = client.post(SEARCHES, payload, content_type="application/json", **clerk)
        assert response.status_code == status, payload
    citizen = factories.make_citizen()
    response = client.post(
        SEARCHES, {"name": "Lụt", "query": "lut"}, content_type="application/json", **bearer(citizen)
    )
    assert response.status_code == 403
    assert client.get(SEARCHES, **bearer(citizen)).json() == []
    assert client.get(SEARCHES).status_code == 401
    assert not SavedSearch.objects.exists()


@pytest.mark.django_db
def test_the_openapi_document_has_the_new_paths(client):
    spec = client.get("/api/v1/openapi.json").json()
    paper = spec["paths"]["/api/v1/documents/incoming/paper"]["post"]
    assert "multipart/form-data" in paper["requestBody"]["content"]
    assert {"201", "401", "403", "422"} <= set(paper["responses"])
    printed = spec["paths"]["/api/v1/documents/registers/{kind}/{fmt}"]["get"]
    assert {"application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= set(
        printed["responses"]["200"]["content"]
    )
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/documents/saved-searches"])
    assert "/api/v1/documents/saved-searches/{pk}/remove" in spec["paths"]
