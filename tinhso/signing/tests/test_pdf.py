import asyncio
import datetime
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import pytest
from cryptography.fernet import InvalidToken
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from tinhso.signing import actions as signing_actions
from tinhso.signing import keys
from tinhso.signing.models import AgencyCertificate, TrustRoot
from tinhso.signing.pdf import SIGNATURE_OVERHEAD, sign_pdf, signature_space, verify_pdf

pytestmark = pytest.mark.django_db


def sign(pdf, agency):
    return sign_pdf(pdf, agency, "Ký số kết quả giải quyết", "Đồng Tháp", "Lê Văn Hùng")


@pytest.mark.django_db(transaction=True)
def test_signing_from_inside_a_running_event_loop(desk, certificate, result_pdf):
    """An action run from async code (e.g. a loader under Playwright's sync API) still signs;
    the coroutine has its own database connection, hence the committed data."""

    async def inside_a_loop():
        try:
            return sign(result_pdf, desk)
        finally:
            connection.close()

    # In a thread of its own: this test process may already run a loop (a browser test's).
    with ThreadPoolExecutor(1) as pool:
        signed = pool.submit(asyncio.run, inside_a_loop()).result()
    assert verify_pdf(signed).valid


def test_signed_pdf_verifies(desk, certificate, result_pdf):
    signed = sign(result_pdf, desk)

    result = verify_pdf(signed)

    assert result.valid and result.intact and result.trusted
    assert not result.modified_after_signing
    assert result.signer == "Lê Văn Hùng"
    assert result.certificate_subject == "Trung tâm Phục vụ hành chính công phường Mỹ Tho"
    assert result.agency == desk
    assert abs(result.signed_at - timezone.now()) < datetime.timedelta(minutes=1)
    assert "hợp lệ" in result.message_vi
    assert b"/ETSI.CAdES.detached" in signed


def test_a_flipped_byte_in_the_signed_content_is_detected(desk, certificate, result_pdf):
    signed = bytearray(sign(result_pdf, desk))
    position = signed.index(b"WeasyPrint")
    signed[position] = ord("X")

    result = verify_pdf(bytes(signed))

    assert result.signed
    assert not result.valid
    assert not result.intact
    assert "đã bị sửa đổi sau khi ký" in result.message_vi


def test_an_incremental_update_after_signing_is_reported(desk, certificate, result_pdf):
    signed = sign(result_pdf, desk)
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    text = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (Da sua) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(text))
    output = BytesIO()
    writer.write(output)

    result = verify_pdf(output.getvalue())

    assert result.intact  # the signed revision itself is untouched...
    assert result.modified_after_signing  # ...but content was added after it
    assert not result.valid
    assert "thêm nội dung sau khi ký" in result.message_vi


def test_a_certificate_from_an_untrusted_root_is_reported(desk, result_pdf):
    signing_actions.issue_agency_certificate(None, desk)
    rogue_root = TrustRoot.objects.get(is_demo=True)
    rogue_root.is_active = False
    rogue_root.save()

    result = verify_pdf(sign(result_pdf, desk))

    assert result.intact
    assert not result.trusted
    assert not result.valid
    assert "không do tổ chức chứng thực được tin cậy" in result.message_vi


def test_an_expired_certificate_is_refused_at_signing(desk, result_pdf):
    now = timezone.now()
    signing_actions.issue_agency_certificate(
        None, desk, not_before=now - datetime.timedelta(days=800), not_after=now - datetime.timedelta(days=1)
    )

    with pytest.raises(ValidationError) as error:
        sign(result_pdf, desk)

    assert error.value.code == "certificate_expired"
    assert "không còn hiệu lực" in error.value.messages[0]


def test_an_agency_without_certificate_cannot_sign(desk, result_pdf):
    with pytest.raises(ValidationError) as error:
        sign(result_pdf, desk)
    assert error.value.code == "no_certificate"
    assert "chưa có chứng thư số" in error.value.messages[0]


def test_only_pdf_documents_are_signed(desk, certificate):
    with pytest.raises(ValidationError) as error:
        sign(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, desk)
    assert error.value.code == "not_pdf"


def test_unsigned_damaged_and_foreign_files(result_pdf):
    assert verify_pdf(result_pdf).message_vi == "Văn bản không có chữ ký số."
    assert not verify_pdf(result_pdf).signed
    assert verify_pdf(b"MZ\x90\x00 not a pdf").message_vi == "Tệp không phải là tệp PDF."
    damaged = verify_pdf(b"%PDF-1.7\n garbage")
    assert not damaged.valid
    assert damaged.message_vi


def certificate_key(certificate):
    return keys.load_certificate(certificate.certificate_pem).public_key()


def test_private_keys_are_encrypted_at_rest(certificate, settings):
    stored = AgencyCertificate.objects.get(pk=certificate.pk).private_key_encrypted
    assert "PRIVATE KEY" not in stored
    assert keys.decrypt_private_key(stored).public_key() == certificate_key(certificate)

    settings.SECRET_KEY = "a-different-secret-key-for-the-test"
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(InvalidToken):
        keys.decrypt_private_key(stored)

    settings.SECRET_KEY_FALLBACKS = ["test-only-secret-key-not-for-production"]
    assert keys.decrypt_private_key(stored).public_key() == certificate_key(certificate)


def test_the_room_kept_for_the_signature_holds_it_without_a_trial_signature(
    desk, certificate, result_pdf, monkeypatch
):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.signers.pdf_signer import PdfSigningSession

    def trial(*args, **kwargs):
        raise AssertionError("pyHanko measured the signature with a trial one")

    monkeypatch.setattr(PdfSigningSession, "estimate_signature_container_size", trial)
    signed = sign(result_pdf, desk)
    assert verify_pdf(signed).valid
    container = PdfFileReader(BytesIO(signed)).embedded_signatures[0].signed_data.dump()
    room = signature_space(certificate.signer())
    assert 2 * len(container) < room < 2 * len(container) + 2 * 2 * SIGNATURE_OVERHEAD
