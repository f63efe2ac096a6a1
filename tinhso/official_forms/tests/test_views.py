from io import BytesIO

import pytest
from openpyxl import load_workbook

from tinhso import testing as factories
from tinhso.dossiers.models import DossierStatusChange, Status
from tinhso.official_forms.actions import issue_form
from tinhso.procedures.models import Field
from tinhso.signing import actions as signing_actions
from tinhso.testing import local, signed_in

pytestmark = pytest.mark.django_db

URL = "/bieu-mau/ho-so/H20.201.01-260105-0001/mau-{}.pdf"


def test_an_officer_of_the_agency_prints_forms(client, dossier, desk):
    signed_in(client, factories.make_officer(desk, "motcua.mytho", factories.OFFICER))

    response = client.get(URL.format(1))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "mau-01-H20.201.01-260105-0001.pdf" in response["Content-Disposition"]


def test_an_officer_of_another_agency_cannot(client, dossier, agencies):
    signed_in(client, factories.make_officer(agencies["cao_lanh"], "motcua.caolanh", factories.OFFICER))
    assert client.get(URL.format(1)).status_code == 404


def test_the_applicant_gets_only_the_forms_issued_to_them(client, dossier, citizen, desk):
    DossierStatusChange.objects.create(
        dossier=dossier, from_status=Status.NEW, to_status=Status.STOPPED, at=local(2026, 1, 6), note="Dừng"
    )
    signed_in(client, citizen)
    assert client.get(URL.format(1)).status_code == 404  # not issued: never rendered for the applicant
    signing_actions.issue_agency_certificate(None, desk)
    issued = issue_form(None, dossier, 1)
    response = client.get(URL.format(1))
    issued.refresh_from_db()  # signed by the download: the worker has not run here
    assert issued.content is not None
    assert response.status_code == 200 and response.content == bytes(issued.content)
    assert client.get(URL.format(1)).content == response.content
    assert client.get(URL.format(5)).status_code == 404


def test_another_citizen_cannot(client, dossier):
    stranger = factories.make_citizen(
        cccd="082190004567", name="Trần Thị Bích Ngọc", born="1990-11-02", phone="0387654321"
    )
    signed_in(client, stranger)
    assert client.get(URL.format(1)).status_code == 404


def test_a_form_the_dossier_does_not_have_is_not_found(client, dossier, desk):
    signed_in(client, factories.make_officer(desk, "motcua.mytho", factories.OFFICER))
    assert client.get(URL.format(3)).status_code == 404  # never refused
    assert client.get(URL.format(6)).status_code == 404  # the back office renders Form 06


def test_register_download(client, dossier, desk, agencies):
    signed_in(client, factories.make_officer(desk, "motcua.mytho", factories.OFFICER))
    query = {"agency": desk.pk, "start": "01/01/2026", "end": "31/01/2026", "format": "xlsx"}

    response = client.get("/bieu-mau/so-theo-doi/", query)

    assert response.status_code == 200
    assert response.content.startswith(b"PK")
    pdf = client.get("/bieu-mau/so-theo-doi/", {**query, "format": "pdf"})
    assert pdf.content.startswith(b"%PDF-")
    other = client.get("/bieu-mau/so-theo-doi/", {**query, "agency": agencies["cao_lanh"].pk})
    assert other.status_code == 400
    assert "field-error" in other.content.decode()
    assert not other.content.startswith(b"PK")


def test_register_refuses_a_reversed_period(client, dossier, desk):
    signed_in(client, factories.make_officer(desk, "motcua.mytho", factories.OFFICER))
    response = client.get(
        "/bieu-mau/so-theo-doi/",
        {"agency": desk.pk, "start": "31/01/2026", "end": "01/01/2026", "format": "pdf"},
    )
    assert response.status_code == 400
    assert "Ngày kết thúc không được trước ngày bắt đầu." in response.content.decode()


def test_citizens_have_no_register(client, citizen):
    signed_in(client, citizen)
    assert client.get("/bieu-mau/so-theo-doi/").status_code == 404


def test_register_of_one_field(client, dossier, desk):
    signed_in(client, factories.make_officer(desk, "motcua.mytho", factories.OFFICER))
    query = {"agency": desk.pk, "start": "01/01/2026", "end": "31/01/2026", "format": "xlsx"}
    field = dossier.procedure.field
    other = Field.objects.create(code="dat-dai", name="Đất đai")

    own = load_workbook(BytesIO(client.get("/bieu-mau/so-theo-doi/", {**query, "field": field.pk}).content))
    empty = load_workbook(BytesIO(client.get("/bieu-mau/so-theo-doi/", {**query, "field": other.pk}).content))

    assert own.active.cell(6, 3).value == dossier.code
    assert own.active.cell(6, 2).value == "HO-TICH/2026"
    assert empty.active.max_row == 5
    unknown = client.get("/bieu-mau/so-theo-doi/", {**query, "field": 999999})
    assert unknown.status_code == 400
