"""The crash test in miniature (issue 16): parallel idempotent API submissions to gunicorn while
its workers and the task worker are killed with SIGKILL, twice each (the task worker once it has
sent notifications, then started again with the same id, as systemd does). Every submission is
acknowledged once retried, nothing is lost or duplicated, and every applicant gets their e-mail.
E-mail is delivered at least once: a task worker killed after the SMTP server accepted a message
and before its transaction marked it sent sends that one message again when it restarts, so
each kill of the task worker may add one duplicate e-mail, never more (each message is marked
sent in its own transaction, ``tinhso.dossiers.notifications.send_batch``)."""

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
from tinhso.testing import minimal_pdf

pytestmark = [pytest.mark.ops, pytest.mark.django_db]

SUBMISSIONS = 60
PACE = 0.3  # seconds between two submissions of a client: the storm outlasts a worker restart
SEED = """
import datetime, json
from django.utils import timezone
from tinhso.accounts.models import ApiToken, hash_token
from tinhso import testing as factories
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


def test_nothing_is_lost_or_duplicated_when_workers_are_killed_during_submissions(stack):
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
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                response = None  # the worker died before or while answering: not acknowledged
            if response is not None and response.status_code in (200, 201):
                with lock:
                    acknowledged[key] = response.json()["submission_reference"]
                time.sleep(PACE)
                return
            with lock:
                retries[key] += 1
            time.sleep(0.2)
        raise AssertionError(f"{key} was never acknowledged")

    kills = []
    server = stack["server"]

    def sent() -> int:
        return server.sql("SELECT count(*) FROM dossiers_notification WHERE state = 'sent'")[0][0]

    def killer() -> None:
        """gunicorn's workers, then the task worker once it has sent notifications, gunicorn's
        workers again, then the restarted task worker once it has sent more."""
        restarted_after = {"sent": 0}
        plan = [
            ("gunicorn", lambda: len(acknowledged) >= 5),
            ("worker", lambda: sent() >= 3),
            ("gunicorn", lambda: len(acknowledged) >= SUBMISSIONS // 2),
            ("worker", lambda: sent() > restarted_after["sent"]),
        ]
        for victim, ready in plan:
            wait_for(ready, 120, f"the moment to kill the {victim}", interval=0.05)
            if victim == "gunicorn":  # every worker, so that requests in flight die too
                for pid in gunicorn_workers(processes["gunicorn"].pid):
                    os.kill(pid, signal.SIGKILL)
            else:
                os.kill(processes["worker"].pid, signal.SIGKILL)
                processes["worker"].wait(10)
                restarted_after["sent"] = sent()
                stack["start_worker"]()
            kills.append((victim, len(acknowledged)))

    started = time.monotonic()
    killing = threading.Thread(target=killer)
    killing.start()
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(submit, range(SUBMISSIONS)))
    killing.join(60)
    elapsed = time.monotonic() - started
    assert len(kills) == 4, kills
    assert all(acks < SUBMISSIONS for _victim, acks in kills[:3]), kills  # during the storm

    # Every key acknowledged; asking again gives the same dossier back.
    assert len(acknowledged) == SUBMISSIONS
    for key, code in list(acknowledged.items())[:10]:
        again = requests.post(
            f"{base}/api/v1/dossiers/", json=body, headers={**headers, "Idempotency-Key": key}, timeout=30
        )
        assert again.status_code == 200 and again.json()["submission_reference"] == code
    assert server.sql("SELECT count(*), count(DISTINCT submission_reference) FROM dossiers_dossier")[0] == (
        SUBMISSIONS,
        SUBMISSIONS,
    )
    references = server.sql("SELECT submission_reference FROM dossiers_dossier")
    assert sorted(reference for (reference,) in references) == sorted(acknowledged.values())
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
    per_dossier = Counter(code for subject in subjects for code in acknowledged.values() if code in subject)
    assert set(per_dossier) == set(acknowledged.values()), per_dossier  # nobody's e-mail lost
    # At most the message in flight at each kill of the task worker is sent again.
    worker_kills = sum(1 for victim, _acks in kills if victim == "worker")
    duplicates = sum(count - 1 for count in per_dossier.values())
    assert duplicates <= worker_kills and max(per_dossier.values()) <= 2, per_dossier
    assert len(subjects) == SUBMISSIONS + duplicates
    print(
        f"crash test: {SUBMISSIONS} submissions in {elapsed:.1f} s, kills (victim, acknowledged "
        f"submissions then): {kills}, "
        f"{sum(retries.values())} retries, {len(subjects)} e-mails ({duplicates} sent again after a kill)"
    )
