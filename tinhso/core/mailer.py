"""E-mail over one connection per process, kept open from one notification to the next.

A connection per message (TCP, EHLO, perhaps STARTTLS and login, then QUIT) took a third of the
task worker's CPU for an e-mail and half of the mail server's. The connection is opened on first use
and closed after any error. A server may close a connection left idle (aiosmtpd and Postfix after
five minutes): a send over a kept connection that fails that way is made once more over a new one.
"""

import smtplib
import threading
from contextlib import suppress

from django.core.mail import get_connection, send_mail
from django.core.signals import setting_changed
from django.dispatch import receiver

_lock = threading.Lock()
_connection = None


def send(subject: str, body: str, to: str) -> None:
    """``send_mail(subject, body, None, [to])`` over the kept connection; raises as it does."""
    with _lock:
        kept = _connection is not None
        try:
            _send(subject, body, to)
        except smtplib.SMTPException as exc:
            if not (kept and _closed_by_server(exc)):
                raise
            _send(subject, body, to)


def _send(subject: str, body: str, to: str) -> None:
    global _connection
    try:
        if _connection is None:
            _connection = get_connection()
            _connection.open()
        send_mail(subject, body, None, [to], connection=_connection)
    except Exception:
        _close()
        raise


def _closed_by_server(exc: smtplib.SMTPException) -> bool:
    """Whether the server had closed the connection: gone, or "421 closing" (Postfix's timeout)."""
    return isinstance(exc, smtplib.SMTPServerDisconnected) or getattr(exc, "smtp_code", None) == 421


def _close() -> None:
    global _connection
    connection, _connection = _connection, None
    if connection is not None:
        with suppress(smtplib.SMTPException, OSError):
            connection.close()


@receiver(setting_changed)
def _close_on_email_settings(*, setting: str, **kwargs) -> None:
    """Tests change the mail settings: the next send connects with the new ones."""
    if setting.startswith("EMAIL_"):
        with _lock:
            _close()
