"""Uploaded files: type sniffed from the bytes, size limit, antivirus, random storage names.

The name and extension a file arrives with are ignored: only a PDF (``%PDF-``, and it must open
as a PDF: a cross-reference table, a trailer and at least one page), a JPEG (``FF D8 FF``) or a PNG
(its 8-byte signature) is accepted. When ``settings.CLAMAV_SOCKET`` is
set (a Unix socket path, or ``host:port``), every file is streamed to ClamAV's clamd with the
INSTREAM command before it is stored.
"""

import hashlib
import secrets
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from pypdf import PdfReader

from tinhso.core.text import nfc

SIGNATURES = [
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
]
CHUNK = 64 * 1024
CLAMD_TIMEOUT = 30


class VirusFound(ValidationError):
    pass


@dataclass
class StoredFile:
    name: str  # the storage name
    content_type: str
    size: int
    sha256: str


def max_upload_bytes() -> int:
    return int(getattr(settings, "DOSSIER_MAX_UPLOAD_MB", 10)) * 1024 * 1024


def sniff_content_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the first bytes, or None when not an accepted type."""
    for signature, content_type, extension in SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    return None


def check_pdf(fileobj) -> None:
    """Refuse a file that starts like a PDF but does not open as one (no readable cross-reference
    table and trailer, no page), or one that needs a password to open."""
    fileobj.seek(0)
    try:
        reader = PdfReader(fileobj)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValidationError(
                _("The PDF is protected by a password. Upload it without the password."), code="pdf_password"
            )
        pages = len(reader.pages)
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on a damaged file
        raise ValidationError(_("The file is not a valid PDF document."), code="pdf_damaged") from exc
    finally:
        fileobj.seek(0)
    if not pages:
        raise ValidationError(_("The file is not a valid PDF document."), code="pdf_damaged")


def _clamd_connect(address: str) -> socket.socket:
    if address.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(CLAMD_TIMEOUT)
        sock.connect(address)
        return sock
    host, _sep, port = address.removeprefix("tcp://").rpartition(":")
    return socket.create_connection((host, int(port)), timeout=CLAMD_TIMEOUT)


def scan_file(fileobj) -> None:
    """Stream ``fileobj`` to clamd (INSTREAM) when ``CLAMAV_SOCKET`` is set; raise ``VirusFound``
    when it reports a signature, ``ValidationError`` when it cannot scan (fail closed)."""
    address = getattr(settings, "CLAMAV_SOCKET", None)
    if not address:
        return
    fileobj.seek(0)
    try:
        with _clamd_connect(address) as sock:
            sock.sendall(b"zINSTREAM\0")
            while chunk := fileobj.read(CHUNK):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                data = sock.recv(4096)
                if not data:
                    break
                reply += data
    except OSError as exc:
        raise ValidationError(
            _("The file could not be checked for viruses. Please try again later."), code="scan_failed"
        ) from exc
    finally:
        fileobj.seek(0)
    answer = reply.rstrip(b"\0").decode("utf-8", "replace")
    if answer.endswith("FOUND"):
        raise VirusFound(_("The file contains a virus and was refused."), code="virus")
    if not answer.endswith("OK"):
        raise ValidationError(
            _("The file could not be checked for viruses. Please try again later."), code="scan_failed"
        )


def check_and_store(upload, reuse: Callable[[str], StoredFile | None] | None = None) -> StoredFile:
    """Check an uploaded file (a Django ``File``) and save it under a random name.

    Refuses, with a Vietnamese message: an empty file, one over the size limit, one that is not
    really a PDF, JPEG or PNG, one with a virus. Nothing is stored when it is refused.
    ``reuse(sha256)`` may give a file already stored with the same content: it is returned and
    nothing is written again.
    """
    size = upload.size
    if not size:
        raise ValidationError(_("The file is empty."), code="empty")
    limit = max_upload_bytes()
    if size > limit:
        raise ValidationError(
            _("The file is larger than %(limit)s MB.") % {"limit": limit // (1024 * 1024)}, code="too_large"
        )
    upload.seek(0)
    sniffed = sniff_content_type(upload.read(16))
    if sniffed is None:
        raise ValidationError(_("The file must be a PDF, JPEG or PNG document."), code="file_type")
    content_type, extension = sniffed
    scan_file(upload)
    if content_type == "application/pdf":
        check_pdf(upload)
    digest = hashlib.sha256()
    upload.seek(0)
    while chunk := upload.read(CHUNK):
        digest.update(chunk)
    upload.seek(0)
    if reuse is not None and (stored := reuse(digest.hexdigest())) is not None:
        return stored
    now = timezone.now()
    name = default_storage.save(f"dossiers/{now:%Y/%m}/{secrets.token_hex(16)}.{extension}", upload)
    return StoredFile(name=name, content_type=content_type, size=size, sha256=digest.hexdigest())


def clean_file_name(name: str) -> str:
    """The name shown to people: NFC, no path, at most 255 characters."""
    return nfc(str(name or "").replace("\\", "/").rsplit("/", 1)[-1])[:255] or "tep"
