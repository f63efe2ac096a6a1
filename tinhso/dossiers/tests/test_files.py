"""Uploads: the type comes from the bytes, size limits, ClamAV over its INSTREAM protocol."""

import io
import os
import random
import socketserver
import struct
import threading
import time
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from pypdf import PdfWriter

from tinhso import testing as factories
from tinhso.dossiers import actions
from tinhso.dossiers.files import check_and_store, scan_file, sniff_content_type
from tinhso.dossiers.models import Attachment, PersonalDocument

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd(socketserver.BaseRequestHandler):
    """clamd's INSTREAM: ``zINSTREAM\\0``, chunks of <4-byte length><data>, a zero length."""

    def handle(self):
        command = b""
        while not command.endswith(b"\0"):
            command += self.request.recv(1)
        assert command == b"zINSTREAM\0"
        data = b""
        while True:
            (length,) = struct.unpack("!L", self._read(4))
            if length == 0:
                break
            data += self._read(length)
        self.server.scanned.append(data)
        reply = b"stream: Eicar-Signature FOUND\0" if EICAR in data else b"stream: OK\0"
        self.request.sendall(reply)

    def _read(self, size):
        data = b""
        while len(data) < size:
            data += self.request.recv(size - len(data))
        return data


@pytest.fixture
def clamd(settings):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), FakeClamd)
    server.scanned = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CLAMAV_SOCKET = f"127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def upload(name, content):
    return SimpleUploadedFile(name, content)


def test_the_type_is_sniffed_from_the_bytes():
    assert sniff_content_type(factories.minimal_pdf()) == ("application/pdf", "pdf")
    assert sniff_content_type(b"\xff\xd8\xff\xe0\x00\x10JFIF") == ("image/jpeg", "jpg")
    assert sniff_content_type(factories.PNG_BYTES) == ("image/png", "png")
    assert sniff_content_type(b"MZ\x90\x00") is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "Tệp phải là tài liệu PDF, JPEG hoặc PNG."),  # an .exe
        (b"<html><script>alert(1)</script></html>", "Tệp phải là tài liệu PDF, JPEG hoặc PNG."),
        (b"PDF-1.4 not really", "Tệp phải là tài liệu PDF, JPEG hoặc PNG."),
        (b"", "Tệp không có nội dung."),
    ],
)
def test_a_file_named_pdf_that_is_not_a_pdf_is_refused(content, message, tmp_path, settings):
    with pytest.raises(ValidationError) as caught:
        check_and_store(upload("giay-chung-sinh.pdf", content))
    assert caught.value.messages == [message]
    assert not list((tmp_path / "media").rglob("*.*"))


def protected_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(factories.minimal_pdf()))
    writer.encrypt(user_password=user_password, owner_password="chu-so-huu", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\n" + random.Random(20).randbytes(4000), "Tệp không phải là tài liệu PDF hợp lệ."),
        (
            b"%PDF-1.4\n" + random.Random(21).randbytes(4000) + b"\n%%EOF\n",
            "Tệp không phải là tài liệu PDF hợp lệ.",
        ),
        (factories.minimal_pdf()[:-60], "Tệp không phải là tài liệu PDF hợp lệ."),
        (b"%PDF-1.4\n%%EOF\n", "Tệp không phải là tài liệu PDF hợp lệ."),
        (protected_pdf("mat-khau"), "Tệp PDF được bảo vệ bằng mật khẩu. Hãy tải lên bản không đặt mật khẩu."),
    ],
)
def test_a_file_starting_like_a_pdf_must_open_as_one(content, message, tmp_path, settings):
    with pytest.raises(ValidationError) as caught:
        check_and_store(upload("giay-chung-sinh.pdf", content))
    assert caught.value.messages == [message]
    assert not list((tmp_path / "media").rglob("*.*"))


def test_a_pdf_with_only_an_owner_password_opens_and_is_kept():
    stored = check_and_store(upload("sao-ke.pdf", protected_pdf("")))
    assert stored.content_type == "application/pdf"


def test_a_file_over_the_limit_is_refused(settings, tmp_path):
    content = factories.minimal_pdf() + b"0" * (11 * 1024 * 1024)
    with pytest.raises(ValidationError) as caught:
        check_and_store(upload("ban-ve.pdf", content))
    assert caught.value.messages == ["Tệp lớn hơn 10 MB."]
    settings.DOSSIER_MAX_UPLOAD_MB = 12
    assert check_and_store(upload("ban-ve.pdf", content)).size == len(content)


def test_files_are_stored_under_random_names_with_their_hash():
    first = check_and_store(upload("giay-chung-sinh.pdf", factories.minimal_pdf()))
    second = check_and_store(upload("giay-chung-sinh.pdf", factories.minimal_pdf()))
    assert first.name != second.name
    assert "giay-chung-sinh" not in first.name and first.name.endswith(".pdf")
    assert len(first.name.rsplit("/", 1)[-1]) == len("0123456789abcdef0123456789abcdef.pdf")
    assert first.sha256 == second.sha256 and first.content_type == "application/pdf"


def test_clamd_is_asked_and_the_eicar_test_file_is_refused(clamd, tmp_path):
    clean = check_and_store(upload("anh.png", factories.PNG_BYTES))
    assert clean.content_type == "image/png"
    assert clamd.scanned == [factories.PNG_BYTES]
    with pytest.raises(ValidationError) as caught:
        check_and_store(upload("virus.pdf", b"%PDF-1.4\n" + EICAR))
    assert caught.value.messages == ["Tệp có chứa virus nên bị từ chối."]
    assert len(list((tmp_path / "media").rglob("*.*"))) == 1


def test_when_clamd_cannot_be_reached_the_file_is_refused(settings):
    settings.CLAMAV_SOCKET = "127.0.0.1:9"
    with pytest.raises(ValidationError) as caught:
        scan_file(upload("a.pdf", factories.minimal_pdf()))
    assert caught.value.messages == ["Chưa kiểm tra được virus cho tệp. Vui lòng thử lại sau."]


@pytest.mark.django_db
def test_a_refused_upload_creates_nothing(citizen, procedure, desk, clamd):
    draft = actions.start_draft(citizen, procedure, desk)
    with pytest.raises(ValidationError):
        actions.add_attachment(
            citizen, draft, upload("virus.pdf", b"%PDF-1.4\n" + EICAR), procedure.documents.first()
        )
    assert not Attachment.objects.exists() and not PersonalDocument.objects.exists()


# Orphan files (issue 16, finding 8) ---------------------------------------------------------


def stored_files(tmp_path):
    return sorted(path for path in (tmp_path / "media").rglob("*") if path.is_file())


def pdf(name="giay-chung-sinh.pdf"):
    return upload(name, factories.minimal_pdf())


def test_the_same_file_uploaded_twice_is_stored_once(citizen, tmp_path):
    first = actions.add_personal_document(citizen, pdf())
    second = actions.add_personal_document(citizen, pdf("ban-sao.pdf"))
    assert second == first and PersonalDocument.objects.filter(owner=citizen).count() == 1
    assert [path.name for path in stored_files(tmp_path)] == [first.file.name.rsplit("/", 1)[-1]]


def test_a_file_attached_again_reuses_the_copy_already_stored(citizen, procedure, desk, tmp_path):
    document = actions.add_personal_document(citizen, pdf())
    draft = actions.start_draft(citizen, procedure, desk)
    attachment = actions.add_attachment(citizen, draft, pdf(), procedure.documents.get(position=1))
    assert attachment.file.name == document.file.name and attachment.original_name == "giay-chung-sinh.pdf"
    assert len(stored_files(tmp_path)) == 1


def test_another_owner_gets_a_copy_of_their_own(citizen, other_citizen, tmp_path):
    mine = actions.add_personal_document(citizen, pdf())
    theirs = actions.add_personal_document(other_citizen, pdf())
    assert mine.file.name != theirs.file.name and len(stored_files(tmp_path)) == 2


def test_a_file_written_in_a_transaction_that_rolls_back_is_deleted(citizen, tmp_path):
    """A caller's transaction fails after the action stored the file: the file goes with it."""
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.add_personal_document(citizen, pdf())
        assert len(stored_files(tmp_path)) == 1
        raise RuntimeError("a later step of the same transaction failed")
    assert not PersonalDocument.objects.exists()
    assert stored_files(tmp_path) == []


def test_only_the_files_of_the_savepoint_rolled_back_are_deleted(citizen, other_citizen, tmp_path):
    with transaction.atomic():
        kept = actions.add_personal_document(citizen, pdf())
        with pytest.raises(RuntimeError), transaction.atomic():
            actions.add_personal_document(other_citizen, pdf())
            raise RuntimeError
    assert [path.name for path in stored_files(tmp_path)] == [kept.file.name.rsplit("/", 1)[-1]]


def age(path, hours):
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_the_orphan_sweep_removes_only_old_files_no_row_points_at(citizen, tmp_path):
    document = actions.add_personal_document(citizen, pdf())
    old_orphan = default_storage.save("dossiers/2026/01/orphan.pdf", ContentFile(b"%PDF-1.4 old"))
    young_orphan = default_storage.save("feedback/young.jpg", ContentFile(b"\xff\xd8\xff young"))
    media = tmp_path / "media"
    for name in (document.file.name, old_orphan):
        age(media / name, 48)

    out = StringIO()
    call_command("sweep_orphan_files", "--dry-run", stdout=out)
    assert out.getvalue().splitlines() == [old_orphan, "1 orphan files (12 bytes) would be deleted."]
    assert len(stored_files(tmp_path)) == 3

    out = StringIO()
    call_command("sweep_orphan_files", stdout=out)
    assert out.getvalue() == "1 orphan files (12 bytes) deleted.\n"
    assert {path.relative_to(media).as_posix() for path in stored_files(tmp_path)} == {
        document.file.name,
        young_orphan,
    }


@pytest.mark.django_db
def test_the_orphan_sweep_of_a_new_installation_finds_nothing(tmp_path):
    assert not (tmp_path / "media").exists()
    out = StringIO()
    call_command("sweep_orphan_files", stdout=out)
    assert out.getvalue() == "0 orphan files (0 bytes) deleted.\n"


def test_the_orphan_sweep_refuses_a_grace_period_shorter_than_an_hour(tmp_path):
    default_storage.save("dossiers/orphan.pdf", ContentFile(b"%PDF-1.4"))
    with pytest.raises(CommandError):
        call_command("sweep_orphan_files", "--grace-hours", "0")
    assert len(stored_files(tmp_path)) == 1
