"""The citizen's dossier page (issue 20, finding 3, citizen side): the answers, documents,
payments, progress and, once signed, the result to download as a PDF."""

import pytest

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.payments.models import Payment
from tinhso.signing import actions as signing_actions
from tinhso.signing.actions import issue_signed_result

pytestmark = pytest.mark.django_db


def test_the_page_shows_answers_documents_payments_and_progress(client, citizen, submitted):
    Payment.objects.create(
        dossier=submitted,
        payer=citizen,
        amount=16000,
        items=[],
        txn_ref="26120311000012345678",
        order_info="Thanh toan",
        expires_at=submitted.submitted_at,
    )
    client.force_login(citizen)
    page = client.get(f"/ho-so/{submitted.display_code}/").content.decode()
    assert "Nguyễn Ngọc Hân" in page and "05/01/2026" in page  # e-form answers
    assert "Bệnh viện Đa khoa Tiền Giang, Phường Mỹ Tho" in page
    assert "giay-chung-sinh.pdf" in page  # documents
    assert '<span class="money">16.000 đ</span>' in page  # payments
    assert "Mới đăng ký" in page  # progress
    assert "Kết quả của bạn" not in page  # nothing signed yet


def test_the_signed_result_downloads_as_a_pdf_for_the_applicant_only(
    client, citizen, other_citizen, submitted
):
    desk = submitted.receiving_agency
    signing_actions.issue_agency_certificate(None, desk)
    leader = factories.make_officer(desk, "lanhdao.mytho", Role.LEADER)
    result = issue_signed_result(leader, submitted, factories.minimal_pdf(), "Giấy khai sinh")
    client.force_login(citizen)
    page = client.get(f"/ho-so/{submitted.display_code}/").content.decode()
    assert "Kết quả của bạn" in page and "Giấy khai sinh" in page
    link = f"/xac-thuc-ket-qua/{result.pk}/tai-ve/"
    assert f'href="{link}"' in page
    response = client.get(link)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('.pdf"')
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    # The same result in the document store downloads with its extension too.
    store = citizen.personal_documents.get(source="result")
    stored = client.get(f"/ho-so/kho-giay-to/{store.pk}/")
    assert stored["Content-Type"] == "application/pdf"
    assert stored["Content-Disposition"].endswith("''Gi%E1%BA%A5y%20khai%20sinh.pdf")
    client.force_login(other_citizen)
    assert client.get(link).status_code == 404
    assert "Kết quả của bạn" not in client.get(f"/ho-so/{submitted.display_code}/").content.decode()
