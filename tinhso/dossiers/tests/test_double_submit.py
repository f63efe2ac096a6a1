"""A double-clicked "Submit the dossier" (issue 20, finding 4): the second request shows the
dossier the first one submitted, one code is issued, and nothing fails; on PostgreSQL and on
SQLite as the demo runs it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tinhso.audit.models import AuditEntry
from tinhso.dossiers.models import Dossier, DossierCodeCounter
from tinhso.dossiers.tests.double_submit import post_twice_at_once, ready_draft

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_on_postgresql_give_one_dossier():
    draft = ready_draft()
    outcomes = post_twice_at_once(draft)
    draft.refresh_from_db()
    assert not draft.is_draft
    confirmation = reverse("dossiers:confirmation", args=[draft.submission_reference])
    assert outcomes == [(302, confirmation), (302, confirmation)]
    assert Dossier.objects.filter(is_draft=False).count() == 1
    assert draft.code is None and not DossierCodeCounter.objects.exists()
    assert draft.status_changes.count() == 1
    assert AuditEntry.objects.filter(action="dossiers.submit").count() == 1


def test_two_simultaneous_submissions_on_sqlite_give_one_dossier(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "tinhso.dossiers.tests.double_submit", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    confirmation = f"/ho-so/{answer['code']}/da-nop/"
    assert answer["outcomes"] == [[302, confirmation], [302, confirmation]], result.stderr[-3000:]
    assert answer["dossiers"] == 1 and answer["counter"] == [] and answer["history"] == 1
