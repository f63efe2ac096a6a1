"""Log lines that say which request or job wrote them.

``RequestIdMiddleware`` takes the caller's ``X-Request-ID`` when it is a sensible token (the
reverse proxy's, so one id follows the request through nginx and the platform) or makes one,
answers it in the response and keeps it, with the path and the signed-in user, in a context
variable for the request; the job's id is kept the same way while the task worker runs it.
``ContextFilter`` puts these on every log record. In production each line is one JSON object
(``JsonFormatter``), in the demo a readable line (``TextFormatter``). The last line of a request
gives its status and duration.
"""

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

REQUEST_ID_HEADER = "X-Request-ID"
# What an incoming id may be: a UUID, a proxy's hex id, a trace id. Anything else (too long,
# spaces, quotes, line breaks) is replaced, so a caller cannot write into the log lines.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")

access_logger = logging.getLogger("tinhso.request")


@dataclass(frozen=True)
class LogContext:
    request_id: str | None = None
    path: str | None = None
    task_id: str | None = None
    request: HttpRequest | None = None

    def user_id(self) -> int | None:
        """The signed-in user's id, once something in the request has looked the user up (the
        filter never queries the database itself)."""
        user = getattr(self.request, "user", None)
        if user is None or getattr(user, "_wrapped", None) is empty:
            return None
        return user.pk if user.is_authenticated else None


NO_CONTEXT = LogContext()
_context: ContextVar[LogContext | None] = ContextVar("tinhso_log_context", default=None)


def current() -> LogContext:
    """The context of the request or job being handled (empty outside both)."""
    return _context.get() or NO_CONTEXT


def request_id_from(request: HttpRequest) -> str:
    """The caller's request id when it is valid, else a new one."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if VALID_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Gives every request an id, answered in ``X-Request-ID`` and written on its log lines."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        request_id = request_id_from(request)
        token = _context.set(LogContext(request_id=request_id, path=request.path, request=request))
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            access_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            _context.reset(token)


_task_tokens: list[Token[LogContext | None]] = []


def task_started(task_result: Any, **kwargs: Any) -> None:
    """From a job's start (django-tasks' signal, sent by the worker) its lines carry its id."""
    _task_tokens.append(_context.set(replace(current(), task_id=str(task_result.id))))


def task_finished(task_result: Any, **kwargs: Any) -> None:
    """After the job (and the worker's line saying how it ended) the id is taken off again."""
    if _task_tokens:
        _context.reset(_task_tokens.pop())


class ContextFilter(logging.Filter):
    """Adds request_id, user_id, path and task_id (None outside a request or job) to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current()
        record.request_id = context.request_id
        record.user_id = context.user_id()
        record.path = context.path
        record.task_id = context.task_id
        return True


CONTEXT_FIELDS = ("request_id", "user_id", "path", "task_id", "status", "duration_ms")


class TextFormatter(logging.Formatter):
    """A readable line: time, level, logger, message, then the context fields that are set."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = " ".join(
            f"{field}={value}"
            for field in CONTEXT_FIELDS
            if (value := getattr(record, field, None)) is not None and field != "path"
        )
        first, newline, rest = line.partition("\n")
        return f"{first} [{context}]{newline}{rest}" if context else line


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the context and, on a request's last
    line, its status and duration."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in CONTEXT_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)
