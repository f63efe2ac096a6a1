"""Forms 01–05 sent to the applicant of an online dossier are signed with the issuing agency's
certificate when the action that issues them happens, kept, and served as signed afterwards
(Decree 30/2020/NĐ-CP Art. 8(2)(h): the agency's seal on an electronic paper is its digital
signature). Verified with pyHanko against the province's CA and read back with pypdf."""

import datetime
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tinhso import testing as factories
from tinhso.audit.models import AuditEntry
from tinhso.audit.services import PERSONAL_DATA_READ, history_for
from tinhso.dossiers import actions as dossier_actions
from tinhso.motcua import actions as motcua
from tinhso.motcua.models import CopyForm, ScanExemption
from tinhso.motcua.tests.fixtures import *  # noqa: F403
from tinhso.motcua.tests.fixtures import submit
from tinhso.official_forms.models import IssuedForm, Letter
from tinhso.official_forms.tasks import sign_form
from tinhso.official_forms.tests.test_forms import nfc, read
from tinhso.signing import actions as signing_actions
from tinhso.signing.pdf import verify_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(desk):
    return signing_actions.issue_agency_certificate(None, desk)


def only(dossier, number) -> IssuedForm:
    return IssuedForm.objects.get(dossier=dossier, form_number=number)


def assert_signed_by(issued: IssuedForm, agency, *texts):
    assert issued.content is not None
    content = bytes(issued.content)
    assert hashlib.sha256(content).hexdigest() == issued.sha256
    verdict = verify_pdf(content)
    assert verdict.valid, verdict.message
    assert verdict.trusted and not verdict.modified_after_signing
    assert verdict.agency == agency
    text = read(content)
    for expected in texts:
        assert nfc(expected) in text, expected
    return text


def test_accepting_an_online_dossier_signs_its_receipt(certificate, submitted, officer, specialist, desk):
    accepted = motcua.accept_dossier(officer, submitted, assignee=specialist)
    issued = only(accepted, 1)
    assert (issued.agency, issued.certificate, issued.actor) == (desk, certificate, officer)
    text = assert_signed_by(issued, desk, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", accepted.code)
    received = accepted.received_at.astimezone(datetime.timezone(datetime.timedelta(hours=7)))
    assert nfc(f"ngày {received:%d} tháng {received:%m} năm {received:%Y}") in text
    entry = AuditEntry.objects.get(action="official_forms.issue")
    assert entry.data["sha256"] == issued.sha256 and entry.data["form"] == 1


def test_the_applicant_downloads_the_bytes_that_were_signed_even_after_the_records_change(
    certificate, submitted, officer, specialist, citizen, client, desk
):
    accepted = motcua.accept_dossier(officer, submitted, assignee=specialist)
    issued = only(accepted, 1)
    desk.name = "Trung tâm Phục vụ hành chính công phường Mỹ Tho (tên mới)"
    desk.save()
    client.force_login(citizen)
    by_number = client.get(reverse("official_forms:dossier_form", args=[accepted.code, 1]))
    by_id = client.get(reverse("official_forms:issued_form", args=[issued.pk]))
    assert by_number.status_code == by_id.status_code == 200
    assert by_number.content == by_id.content == bytes(issued.content)
    assert "tên mới" not in read(by_id.content)
    page = client.get(reverse("dossiers:detail", args=[accepted.code]))
    assert reverse("official_forms:issued_form", args=[issued.pk]) in page.content.decode()
    # The applicant's own reads are not logged.
    assert not history_for(citizen).filter(action=PERSONAL_DATA_READ).exists()


def test_another_citizen_and_an_officer_of_another_commune_get_nothing(
    certificate, submitted, officer, specialist, other_officer, client, signed_in
):
    accepted = motcua.accept_dossier(officer, submitted, assignee=specialist)
    url = reverse("official_forms:issued_form", args=[only(accepted, 1).pk])
    client.force_login(factories.make_citizen(cccd="087095009999", name="Trần Thị Bé"))
    assert client.get(url).status_code == 404
    assert signed_in(other_officer).get(url).status_code == 404


def test_an_officer_download_is_the_signed_form_and_is_logged(
    certificate, submitted, officer, specialist, citizen, signed_in
):
    accepted = motcua.accept_dossier(officer, submitted, assignee=specialist)
    issued = only(accepted, 1)
    response = signed_in(specialist).get(reverse("official_forms:back_office_form", args=[accepted.pk, 1]))
    assert response.content == bytes(issued.content)
    read_entry = history_for(citizen).get(action=PERSONAL_DATA_READ)
    assert read_entry.actor == specialist and read_entry.data["purpose"] == "official_forms.form_01"


def test_refusal_supplement_extension_and_stop_are_signed_when_issued(
    certificate, submitted, officer, specialist, leader, desk, citizen, client
):
    second = submit(citizen, submitted.procedure, desk)
    motcua.refuse_dossier(officer, second, "Thủ tục không thuộc thẩm quyền của phường")
    assert_signed_by(only(second, 3), desk, "PHIẾU TỪ CHỐI", "không thuộc thẩm quyền")

    motcua.ask_for_supplement(officer, submitted, ["Bản sao giấy chứng nhận kết hôn"])
    assert_signed_by(only(submitted, 2), desk, "PHIẾU YÊU CẦU BỔ SUNG", "giấy chứng nhận kết hôn")

    third = submit(citizen, submitted.procedure, desk)
    accepted = motcua.accept_dossier(officer, third, assignee=specialist)
    extension = motcua.extend_dossier(
        leader, accepted, accepted.due_at + datetime.timedelta(days=3), "Cần xác minh thông tin hộ tịch"
    )
    issued = only(accepted, 4)
    # In the name of the agency that is late (the desk holding the dossier), with its certificate.
    assert (issued.agency, issued.certificate) == (extension.agency, certificate)
    letter = Letter.objects.get(dossier=accepted, form_number=4)
    assert issued.letter == letter
    assert_signed_by(issued, extension.agency, f"Số: {letter.reference}", "xác minh thông tin hộ tịch")

    accepted.refresh_from_db()
    motcua.stop_dossier(leader, accepted, "Người nộp đề nghị dừng để bổ sung giấy tờ khác")
    stop_letter = Letter.objects.get(dossier=accepted, form_number=5)
    assert_signed_by(only(accepted, 5), desk, "THÔNG BÁO DỪNG", f"Số: {stop_letter.reference}")

    client.force_login(citizen)
    for number in (4, 5):
        response = client.get(reverse("official_forms:dossier_form", args=[accepted.code, number]))
        assert response.content == bytes(only(accepted, number).content)


def test_without_a_valid_certificate_no_electronic_form_is_issued_and_the_trail_says_why(
    submitted, officer, specialist, citizen, client, desk
):
    accepted = motcua.accept_dossier(officer, submitted, assignee=specialist)
    assert accepted.status == 2 and not IssuedForm.objects.exists()
    entry = AuditEntry.objects.get(action="official_forms.not_issued")
    assert entry.data["form"] == 1 and desk.name in entry.data["reason"][0]
    client.force_login(citizen)
    assert client.get(reverse("official_forms:dossier_form", args=[accepted.code, 1])).status_code == 404


def test_an_expired_certificate_does_not_sign(submitted, officer, specialist, desk):
    signing_actions.issue_agency_certificate(
        None,
        desk,
        not_before=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
        not_after=datetime.datetime(2025, 12, 31, tzinfo=datetime.UTC),
    )
    motcua.accept_dossier(officer, submitted, assignee=specialist)
    assert not IssuedForm.objects.exists()
    assert AuditEntry.objects.filter(action="official_forms.not_issued").exists()


def test_a_walk_in_gets_paper_forms_only(certificate, officer, specialist, procedure, desk):
    document = procedure.documents.get(position=1)
    dossier = motcua.receive_at_counter(
        officer,
        desk,
        procedure,
        {"name": "Lê Thị Cúc", "cccd": "087095001111", "phone": "0912000111"},
        [motcua.GivenDocument(CopyForm.ORIGINAL, document, exemption=ScanExemption.NOT_SCANNABLE)],
        assignee=specialist,
    )
    assert dossier.received_at is not None
    assert not IssuedForm.objects.filter(dossier=dossier).exists()


def test_a_refused_action_leaves_no_form(certificate, submitted, officer, specialist):
    accepted = motcua.accept_dossier(officer, submitted, assignee=specialist)
    with pytest.raises(PermissionDenied):
        motcua.stop_dossier(officer, accepted, "Lý do")
    with pytest.raises(ValidationError):
        dossier_actions.request_supplement(officer, accepted, [])
    assert list(IssuedForm.objects.values_list("form_number", flat=True)) == [1]


def test_the_officer_does_not_wait_for_the_signature_and_the_form_is_signed_once_as_issued(
    certificate, submitted, officer, specialist, citizen, client, desk, settings
):
    """With the database queue, accepting keeps Form 01's text and queues its signing: the
    officer does not wait for printing and signing. Signed later (here by the first download,
    then the worker), it states the records as they were on reception, and only once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    accepted = motcua.accept_dossier(officer, submitted, assignee=specialist)
    issued = only(accepted, 1)
    assert issued.content is None and accepted.code in issued.html
    assert not AuditEntry.objects.filter(action="official_forms.issue").exists()
    desk.name = "Trung tâm Phục vụ hành chính công phường Mỹ Tho (tên mới)"
    desk.save()

    client.force_login(citizen)
    url = reverse("official_forms:dossier_form", args=[accepted.code, 1])
    first, second = client.get(url), client.get(url)
    issued.refresh_from_db()
    assert first.content == second.content == bytes(issued.content)
    text = assert_signed_by(issued, desk, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", accepted.code)
    assert "tên mới" not in text
    # The worker's run comes after: the form stays as signed, audited once.
    assert sign_form.call(issued.pk) == issued.sha256
    issued.refresh_from_db()
    assert bytes(issued.content) == first.content
    entry = AuditEntry.objects.get(action="official_forms.issue")
    assert (entry.data["sha256"], entry.actor) == (issued.sha256, officer)


def test_a_form_whose_certificate_lapsed_before_signing_says_so_and_is_signed_with_the_next_one(
    certificate, submitted, officer, specialist, citizen, client, desk, settings
):
    """The agency's certificate lapses between the reception and the worker's signing (here its
    active certificate is one that has expired): the applicant's download explains it (503,
    Retry-After) instead of failing, keeps nothing and logs no read; once the agency has a valid
    certificate again, the next download signs with it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    accepted = motcua.accept_dossier(officer, submitted, assignee=specialist)
    issued = only(accepted, 1)
    now = timezone.now()
    signing_actions.issue_agency_certificate(
        None, desk, not_before=now - datetime.timedelta(days=800), not_after=now - datetime.timedelta(days=1)
    )
    client.force_login(citizen)
    url = reverse("official_forms:dossier_form", args=[accepted.code, 1])
    refused = client.get(url)
    assert refused.status_code == 503 and refused["Retry-After"] == "3600"
    page = refused.content.decode()
    assert "chưa được ký số" in page and "không còn hiệu lực" in page, page
    issued.refresh_from_db()
    assert issued.content is None
    assert not AuditEntry.objects.filter(action="official_forms.issue").exists()

    renewed = signing_actions.issue_agency_certificate(None, desk)
    signed = client.get(url)
    assert signed.status_code == 200 and signed.content.startswith(b"%PDF-")
    issued.refresh_from_db()
    assert issued.certificate == renewed and certificate != renewed
    assert_signed_by(issued, desk, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", accepted.code)
