"""Log lines carry the request id, user, path and task id (issue 15, finding 10): read from the
output of the handler the settings configure."""

import io
import json
import logging
import re

import pytest
from django.test import Client, override_settings
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from tinhso.accounts.models import User
from tinhso.audit.tasks import anchor_audit_trail
from tinhso.core.logs import TextFormatter

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_output():
    """What the configured console handler writes, as a string buffer."""
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield handler, buffer
    finally:
        handler.setStream(previous)


def json_lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]


def test_a_valid_incoming_request_id_is_answered_and_on_the_request_line(client, log_output):
    _, buffer = log_output
    user = User.objects.create_user("log-citizen", "Tinhso@2026-pw", full_name="Lê Văn Nhật Ký")
    client.force_login(user)

    response = client.get("/", headers={"X-Request-ID": "proxy-4f1c2a9e-0001"})

    assert response.status_code == 200
    assert response["X-Request-ID"] == "proxy-4f1c2a9e-0001"
    (line,) = [line for line in json_lines(buffer) if line["logger"] == "tinhso.request"]
    assert line["request_id"] == "proxy-4f1c2a9e-0001"
    assert line["user_id"] == user.pk
    assert line["path"] == "/"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["level"] == "INFO"
    assert line["message"] == "GET / 200"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


@pytest.mark.parametrize(
    "given",
    ["", "short", "has space in it", 'quote"injected-here', "x" * 129, "line\\nbreak-000000"],
)
def test_an_invalid_or_missing_request_id_is_replaced_by_a_new_one(client, log_output, given):
    _, buffer = log_output
    response = client.get("/healthz", headers={"X-Request-ID": given} if given else {})

    new_id = response["X-Request-ID"]
    assert new_id != given and re.fullmatch(r"[0-9a-f]{32}", new_id)
    (line,) = [line for line in json_lines(buffer) if line["logger"] == "tinhso.request"]
    assert line["request_id"] == new_id
    assert "user_id" not in line  # nobody signed in


def test_two_requests_get_different_ids(client):
    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


@override_settings(ROOT_URLCONF="tinhso.core.tests.failing_urls")
def test_every_line_of_a_request_carries_its_id_also_the_error_with_its_traceback(log_output):
    _, buffer = log_output
    client = Client(raise_request_exception=False)

    response = client.get("/test-failure/", headers={"X-Request-ID": "trace-0123456789"})

    assert response.status_code == 500
    lines = json_lines(buffer)
    error = next(line for line in lines if line["logger"] == "django.request")
    assert error["level"] == "ERROR"
    assert error["request_id"] == "trace-0123456789" and error["path"] == "/test-failure/"
    assert "Failure: a bug" in error["exception"]
    assert {line["request_id"] for line in lines} == {"trace-0123456789"}
    assert [line["status"] for line in lines if line["logger"] == "tinhso.request"] == [500]


def test_the_worker_writes_the_job_id_on_the_job_lines(log_output):
    _, buffer = log_output
    result = anchor_audit_trail.enqueue()

    worker = Worker(
        queue_names=["default"],
        interval=1,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="log-test",
        excluded_queue_names=[],
    )
    worker.run_task(DBTaskResult.objects.get(pk=result.id))

    lines = [line for line in json_lines(buffer) if line.get("task_id")]
    assert {line["task_id"] for line in lines} == {str(result.id)}
    assert any("state=SUCCESSFUL" in line["message"] for line in lines)
    assert all("request_id" not in line for line in lines)
    # Outside the job the id is gone again.
    logging.getLogger("tinhso.test").warning("after the job")
    assert "task_id" not in json_lines(buffer)[-1]


def test_readable_lines_for_the_demo_show_the_same_context(client, log_output):
    handler, buffer = log_output
    json_formatter = handler.formatter
    handler.setFormatter(TextFormatter())
    try:
        client.get("/healthz", headers={"X-Request-ID": "demo-request-0001"})
    finally:
        handler.setFormatter(json_formatter)

    (line,) = [line for line in buffer.getvalue().splitlines() if "tinhso.request" in line]
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO tinhso.request: GET /healthz 200 "
        r"\[request_id=demo-request-0001 status=200 duration_ms=[\d.]+\]",
        line,
    ), line
