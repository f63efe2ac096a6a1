"""Error reporting to a Sentry-compatible server (Sentry, or a province's own GlitchTip), only when
``SENTRY_DSN`` is set.

Nothing personal leaves the platform (Law 91/2025/QH15 on personal data protection; a third
party's server is a transfer): no user details (the SDK's default, left alone), no request body,
cookies, query string or headers beyond a few harmless ones, no local variables of the frames,
and every string in the event that looks like a CCCD or other 9-12 digit number, a phone number
or an e-mail address is replaced. Each event is tagged with the request id (or the job's id) of
its log lines, to find them (``tinhso.core.logs``).
"""

import re
from typing import Any, cast

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.types import Breadcrumb, BreadcrumbHint, Event, Hint

from tinhso.core import logs

FILTERED = "[Filtered]"
PERSONAL = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail address
    r"|(?<!\d)\+?\d{9,12}(?!\d)"  # CCCD (12), old ID (9), phone (10, or 11-12 with +84)
)
KEPT_HEADERS = {"accept", "accept-language", "content-type", "host", "user-agent", "x-request-id"}
DROPPED_REQUEST_PARTS = ("data", "cookies", "query_string", "env")


def scrub(value: Any) -> Any:
    """``value`` with personal data replaced in every string it holds."""
    if isinstance(value, str):
        return PERSONAL.sub(FILTERED, value)
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value


def before_send(event: Event, hint: Hint) -> Event:
    """The event as it may leave: request reduced, user reduced to its id, tagged, scrubbed."""
    request = event.get("request")
    if request:
        for part in DROPPED_REQUEST_PARTS:
            request.pop(part, None)
        headers = cast(dict[str, str], request.get("headers") or {})
        request["headers"] = {name: value for name, value in headers.items() if name.lower() in KEPT_HEADERS}
    user = event.get("user")
    if user:
        event["user"] = {"id": user["id"]} if "id" in user else {}
    context = logs.current()
    tags = event.setdefault("tags", {})
    if context.request_id:
        tags["request_id"] = context.request_id
    if context.task_id:
        tags["task_id"] = context.task_id
    scrubbed: Event = scrub(event)
    return scrubbed


def before_breadcrumb(crumb: Breadcrumb, hint: BreadcrumbHint) -> Breadcrumb:
    scrubbed: Breadcrumb = scrub(crumb)
    return scrubbed


def init_error_reporting(dsn: str, environment: str, release: str | None = None) -> None:
    """Send unhandled errors (and ERROR log lines) to the server of ``dsn``."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration()],
        max_request_body_size="never",
        include_local_variables=False,
        before_send=before_send,
        before_breadcrumb=before_breadcrumb,
    )
