"""The crash test in miniature (issue 16): parallel idempotent API submissions to gunicorn while
a gunicorn worker and the task worker are killed with SIGKILL, twice each (the task worker is
started again with the same id, as systemd does). Every submission is acknowledged once retried,
nothing is lost or duplicated, and every applicant gets exactly one e-mail."""

import email
import email.policy
import json
import mailbox
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.pgserver import ROOT, Server, free_port, private_directory, wait_for
from tinhso.dossiers.tests.factories import minimal_pdf

pytestmark = [pytest.mark.ops, pytest.mark.django_db]

SUBMISSIONS = 40
SEED = """
import datetime, json
from django.utils import timezone
from tinhso.accounts.models import ApiToken, hash_token
from tinhso.dossiers.tests import factories
factories.make_province()
procedure = factories.make_procedure()
citizen = factories.make_citizen()
ApiToken.objects.create(
    user=citizen, token_hash=hash_token("crash-test-token-" + "x" * 30),
    expires_at=timezone.now() + datetime.timedelta(hours=1),
)
print(json.dumps({"procedure": procedure.code, "document": procedure.documents.get(position=1).pk,
                  "answers": factories.ANSWERS}))
"""


@pytest.fixture
def stack(tmp_path):
    directory = private_directory("/tmp/tinhso-crash-")
    server = Server(directory)
    server.initdb()
    server.start()
    server.load_schema_of_the_test_database()
    smtp_port, http_port = free_port(), free_port()
    environment = {
        **{key: value for key, value in os.environ.items() if key != "DEBUG"},
        "DATABASE_URL": server.url(),
        "DJANGO_SETTINGS_MODULE": "tinhso.settings_test",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "PYTHONUNBUFFERED": "1",
    }
    seeded = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); exec({SEED!r})"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert seeded.returncode == 0, seeded.stderr
    logs = (tmp_path / "logs").open("w")
    processes = {
        "smtp": subprocess.Popen(
            [
                *(sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}"),
                *("-c", "aiosmtpd.handlers.Mailbox", str(tmp_path / "mail")),
            ],
            stdout=logs,
            stderr=subprocess.STDOUT,
        ),
        "gunicorn": subprocess.Popen(
            [
                *(str(ROOT / ".venv/bin/gunicorn"), "tinhso.wsgi", "--workers", "3"),
                *("--bind", f"127.0.0.1:{http_port}", "--timeout", "60"),
            ],
            cwd=ROOT,
            env=environment,
            stdout=logs,
            stderr=subprocess.STDOUT,
        ),
    }

    def start_worker():
        processes["worker"] = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--worker-id", "crash-1", "--interval", "0.2"],
            cwd=ROOT,
            env=environment,
            stdout=logs,
            stderr=subprocess.STDOUT,
        )

    start_worker()
    base = f"http://127.0.0.1:{http_port}"
    wait_for(lambda: up(base), 60, "gunicorn")
    yield {
        "server": server,
        "base": base,
        "seed": json.loads(seeded.stdout.strip().splitlines()[-1]),
        "processes": processes,
        "start_worker": start_worker,
        "environment": environment,
        "mail": tmp_path / "mail",
    }
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
            process.wait(20)
    logs.close()
    server.stop("immediate")
    shutil.rmtree(directory, ignore_errors=True)


def up(base):
    try:
        return requests.get(f"{base}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def gunicorn_workers(master: int) -> list[int]:
    with open(f"/proc/{master}/task/{master}/children") as children:
        return [int(pid) for pid in children.read().split()]


def test_nothing_is_lost_or_sent_twice_when_workers_are_killed_during_submissions(stack):
    base, seed, processes = stack["base"], stack["seed"], stack["processes"]
    headers = {"Authorization": "Bearer crash-test-token-" + "x" * 30}
    document = requests.post(
        f"{base}/api/v1/dossiers/documents",
        files={"file": ("giay-chung-sinh.pdf", minimal_pdf())},
        headers=headers,
        timeout=30,
    )
    assert document.status_code == 201, document.text
    body = {
        "procedure": seed["procedure"],
        "receiving_agency": "H20.201.01",
        "applicant": {
            "phone": "0912345678",
            "email": "an@example.vn",
            "address": {"commune": "28261", "detail": "12 Ấp Bắc"},
        },
        "form_data": seed["answers"],
        "attachments": [{"personal_document": document.json()["id"], "required_document": seed["document"]}],
    }
    acknowledged: dict[str, str] = {}
    retries = Counter()
    lock = threading.Lock()

    def submit(number: int) -> None:
        key = f"crash-{number}"
        for _attempt in range(60):
            try:
                response = requests.post(
                    f"{base}/api/v1/dossiers/",
                    json=body,
                    headers={**headers, "Idempotency-Key": key},
                    timeout=30,
                )
            except requests.ConnectionError:
                response = None
            if response is not None and response.status_code in (200, 201):
                with lock:
                    acknowledged[key] = response.json()["code"]
                return
            with lock:
                retries[key] += 1
            time.sleep(0.2)
        raise AssertionError(f"{key} was never acknowledged")

    kills = []

    def killer() -> None:
        for threshold, victim in ((4, "gunicorn"), (10, "worker"), (18, "gunicorn"), (26, "worker")):
            wait_for(lambda threshold=threshold: len(acknowledged) >= threshold, 120, f"{threshold} acks")
            if victim == "gunicorn":
                pid = gunicorn_workers(processes["gunicorn"].pid)[0]
                os.kill(pid, signal.SIGKILL)
            else:
                pid = processes["worker"].pid
                os.kill(pid, signal.SIGKILL)
                processes["worker"].wait(10)
                time.sleep(0.5)
                stack["start_worker"]()
            kills.append((victim, pid))

    started = time.monotonic()
    killing = threading.Thread(target=killer)
    killing.start()
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(submit, range(SUBMISSIONS)))
    killing.join(60)
    elapsed = time.monotonic() - started
    assert len(kills) == 4, kills

    # Every key acknowledged; asking again gives the same dossier back.
    assert len(acknowledged) == SUBMISSIONS
    for key, code in list(acknowledged.items())[:10]:
        again = requests.post(
            f"{base}/api/v1/dossiers/", json=body, headers={**headers, "Idempotency-Key": key}, timeout=30
        )
        assert again.status_code == 200 and again.json()["code"] == code
    server = stack["server"]
    assert server.sql("SELECT count(*), count(DISTINCT code) FROM dossiers_dossier")[0] == (40, 40)
    assert sorted(code for (code,) in server.sql("SELECT code FROM dossiers_dossier")) == sorted(
        acknowledged.values()
    )
    assert server.sql("SELECT count(*) FROM dossiers_idempotencykey")[0][0] == SUBMISSIONS

    # The minutely timer's run, then every applicant has had one e-mail: no more, no less.
    subprocess.run(
        [sys.executable, "manage.py", "send_notifications"],
        cwd=ROOT,
        env=stack["environment"],
        check=True,
        capture_output=True,
    )
    wait_for(
        lambda: (
            server.sql("SELECT count(*) FROM dossiers_notification WHERE state = 'sent'")[0][0] == SUBMISSIONS
        ),
        60,
        "every notification sent",
    )
    assert server.sql("SELECT count(*), max(attempts) FROM dossiers_notification")[0] == (SUBMISSIONS, 1)
    subjects = [
        email.message_from_bytes(message.as_bytes(), policy=email.policy.default)["subject"]
        for message in mailbox.Maildir(stack["mail"], create=False)
    ]
    sent = Counter(code for subject in subjects for code in acknowledged.values() if code in subject)
    assert len(subjects) == SUBMISSIONS and set(sent.values()) == {1}, sent
    print(
        f"crash test: {SUBMISSIONS} submissions in {elapsed:.1f} s, {len(kills)} kills {kills}, "
        f"{sum(retries.values())} retries, {len(subjects)} e-mails"
    )
