"""Text messages through a provider interface.

Settings: ``SMS_PROVIDER`` = "log" (default: messages are only logged) or "http"; for "http",
``SMS_HTTP_URL`` (the provider's endpoint, receives a JSON POST ``{"to", "text", "sender"}``),
``SMS_HTTP_TOKEN`` (sent as ``Authorization: Bearer …``, optional), ``SMS_SENDER`` (brand name,
optional) and ``SMS_HTTP_TIMEOUT`` (seconds, default 10).
"""

import logging
from typing import Protocol

import requests
from django.conf import settings

logger = logging.getLogger(__name__)


class SmsError(Exception):
    pass


class SmsProvider(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Send ``text`` to ``phone`` (E.164, "+84912345678"); raise ``SmsError`` on failure."""


class LogSmsProvider:
    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class HttpSmsProvider:
    """Posts each message to the gateway; a provider keeps its HTTP connection between the
    messages of one batch."""

    def __init__(self, url: str, token: str = "", sender: str = "", timeout: float = 10):
        self.url, self.token, self.sender, self.timeout = url, token, sender, timeout
        self.session = requests.Session()

    def send(self, phone: str, text: str) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = self.session.post(
                self.url,
                json={"to": phone, "text": text, "sender": self.sender},
                headers=headers,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise SmsError(str(exc)) from exc
        if response.status_code >= 300:
            raise SmsError(f"SMS provider answered {response.status_code}")


def get_provider() -> SmsProvider:
    if getattr(settings, "SMS_PROVIDER", "log") == "http":
        return HttpSmsProvider(
            settings.SMS_HTTP_URL,
            token=getattr(settings, "SMS_HTTP_TOKEN", ""),
            sender=getattr(settings, "SMS_SENDER", ""),
            timeout=float(getattr(settings, "SMS_HTTP_TIMEOUT", 10)),
        )
    return LogSmsProvider()
