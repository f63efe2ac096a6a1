"""The pages: inbox with counts and accent-free search, actions by URL, refusals by URL."""

import pytest
from django.urls import reverse

from tinhso.accounts.middleware import SECOND_FACTOR_SESSION_KEY
from tinhso.dossiers.status import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        session = client.session
        session[SECOND_FACTOR_SESSION_KEY] = user.pk
        session.save()
        return client

    return sign_in


def test_inbox_shows_the_dossier_and_finds_it_without_accents(signed_in, officer, submitted):
    client = signed_in(officer)
    response = client.get(reverse("motcua:inbox"))
    assert response.status_code == 200, response
    assert submitted.code in response.content.decode()
    assert response.context["counts"]["total"] == 1
    found = client.get(reverse("motcua:inbox"), {"q": "nguyen van an"})
    assert submitted.code in found.content.decode()
    missing = client.get(reverse("motcua:inbox"), {"q": "tran thi"})
    assert submitted.code not in missing.content.decode()


def test_accept_through_the_page(signed_in, officer, specialist, submitted):
    client = signed_in(officer)
    url = reverse("motcua:action", args=[submitted.pk, "tiep_nhan"])
    response = client.post(url, {"assignee": specialist.pk, "version": submitted.version, "note": ""})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.ACCEPTED


def test_another_agency_gets_404_and_a_wrong_role_403(signed_in, other_officer, specialist, submitted):
    client = signed_in(other_officer)
    assert client.get(reverse("motcua:dossier", args=[submitted.pk])).status_code == 404
    url = reverse("motcua:action", args=[submitted.pk, "tiep_nhan"])
    assert client.post(url, {"assignee": specialist.pk, "version": submitted.version}).status_code == 404
    client = signed_in(specialist)
    response = client.post(url, {"assignee": specialist.pk, "version": submitted.version})
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == Status.NEW


def test_a_citizen_cannot_open_the_back_office(signed_in, citizen, submitted):
    client = signed_in(citizen)
    assert client.get(reverse("motcua:inbox")).status_code == 403


def pdf_text(content: bytes) -> str:
    import io
    import unicodedata

    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return unicodedata.normalize("NFC", text)


def test_forms_01_and_06_print_from_the_dossier_page(signed_in, officer, specialist, submitted):
    client = signed_in(officer)
    url = reverse("motcua:action", args=[submitted.pk, "tiep_nhan"])
    client.post(url, {"assignee": specialist.pk, "version": submitted.version, "note": ""})
    submitted.refresh_from_db()

    receipt = client.get(reverse("motcua:form", args=[submitted.pk, 1]))
    assert receipt.status_code == 200
    assert receipt["Content-Type"] == "application/pdf"
    text = pdf_text(receipt.content)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text.upper()
    assert submitted.code in text

    control = client.get(reverse("motcua:form", args=[submitted.pk, 6]))
    assert control.status_code == 200
    text = pdf_text(control.content)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text.upper()
    assert specialist.full_name in text


def test_a_form_the_records_cannot_fill_is_refused_with_a_message(signed_in, officer, submitted):
    client = signed_in(officer)
    response = client.get(reverse("motcua:form", args=[submitted.pk, 3]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("motcua:dossier", args=[submitted.pk])
    assert list(response.context["messages"])


def test_another_agency_cannot_print_a_form(signed_in, other_officer, submitted):
    client = signed_in(other_officer)
    assert client.get(reverse("motcua:form", args=[submitted.pk, 1])).status_code == 404
