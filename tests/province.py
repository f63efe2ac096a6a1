"""A small but real province served by real processes, for the tests that drive the platform from
outside (schema fuzzing, two servers behind a load balancer): a PostgreSQL server of the test's own
with the test database's schema, seeded by the platform's factories and actions in a subprocess,
and gunicorn on a free port."""

import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.pgserver import ROOT, Server, private_directory, wait_for

SEED = """
import json
import pyotp
from django.utils import timezone
from tinhso.accounts.actions import issue_api_token
from tinhso.accounts.models import Membership, Role
from tinhso import testing as factories
from tinhso.motcua.tests.fixtures import submit
from tinhso.workflows.models import Action

tree = factories.make_province()
desk = tree["agencies"]["my_tho"]
procedure = factories.make_procedure()
citizen = factories.make_citizen()
officer = factories.make_officer(desk, "motcua.mytho")
Membership.objects.create(
    user=officer, agency=tree["agencies"]["province"], role=Role.PROVINCE_ADMIN, valid_from=factories.START
)
# The province administrator signs in on the pages too (the admin): staff, an authenticator set up.
officer.is_staff, officer.totp_secret, officer.totp_confirmed_at = True, pyotp.random_base32(), timezone.now()
officer.save()
dossier = submit(citizen, procedure, desk)
print(json.dumps({
    "citizen": {"username": citizen.username, "token": issue_api_token(citizen, "seed")[0]},
    "officer": {
        "username": officer.username,
        "token": issue_api_token(officer, "seed")[0],
        "totp_secret": officer.totp_secret,
    },
    "password": factories.PASSWORD,
    "procedure": procedure.code,
    "document": procedure.documents.get(position=1).pk,
    "answers": factories.ANSWERS,
    "dossier": {"id": dossier.pk, "code": dossier.display_code},
    "actions": sorted(set(Action.objects.values_list("key", flat=True))),
}))
"""


def environment(server: Server, media: Path, **extra: str) -> dict[str, str]:
    """The environment of the platform's processes: production settings of the test suite."""
    return {
        **{key: value for key, value in os.environ.items() if key != "DEBUG"},
        "DATABASE_URL": server.url(),
        "DJANGO_SETTINGS_MODULE": "tinhso.settings_test",
        "MEDIA_ROOT": str(media),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def seed(env: dict[str, str]) -> dict:
    """Seed the province; returns the names, tokens and codes the test needs."""
    seeded = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); exec({SEED!r})"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr
    return json.loads(seeded.stdout.strip().splitlines()[-1])


@contextmanager
def database(prefix: str):
    """A PostgreSQL server of the test's own with the test database's schema, removed afterwards."""
    directory = private_directory(prefix)
    server = Server(directory)
    try:
        server.initdb()
        server.start()
        server.load_schema_of_the_test_database()
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)


def gunicorn(port: int, env: dict[str, str], log, workers: int = 2) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *(str(ROOT / ".venv/bin/gunicorn"), "tinhso.wsgi", "--workers", str(workers)),
            *("--bind", f"127.0.0.1:{port}", "--timeout", "60"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def up(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def wait_until_up(base: str, process: subprocess.Popen, timeout: float = 90) -> None:
    def ready():
        assert process.poll() is None, f"the server at {base} exited with {process.returncode}"
        return up(base)

    wait_for(ready, timeout, f"the server at {base}")


def stop(processes) -> None:
    """Terminate, then kill what does not stop within ten seconds."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
