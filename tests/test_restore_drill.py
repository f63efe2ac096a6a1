"""Backups that restore (issue 16): a base backup (scripts/backup.sh) and continuous WAL archiving
on a PostgreSQL server of the test's own, then scripts/restore-drill.sh restores to a moment
between two batches of writes on a fresh data directory: recovery stops at that moment, the audit
trail verifies, the counts are those of that moment; restored past a rewritten audit entry, the
drill fails."""

import os
import shutil
import subprocess
import sys
import time

import pytest

from tests.pgserver import ROOT, Server, as_owner, private_directory, wait_for

pytestmark = [pytest.mark.ops, pytest.mark.django_db]

WRITE = """
import sys
from django.db import transaction
from tinhso.accounts.models import User
from tinhso.audit.services import anchor_trail, record
prefix, count = sys.argv[-2], int(sys.argv[-1])
for i in range(count):
    with transaction.atomic():
        user = User.objects.create_user(username=f"{prefix}{i}", full_name=f"Drill {i}")
        record(None, "drill.create", user, {"i": i}, new=True)
        record(None, "drill.update", user, {"i": i})
anchor_trail()
"""


@pytest.fixture
def archived_server():
    directory = private_directory("/tmp/tinhso-drill-")
    archive = directory / "wal"
    subprocess.run(as_owner(["mkdir", str(archive)]), check=True)
    server = Server(
        directory,
        settings={
            "wal_level": "replica",
            "archive_mode": "on",
            "archive_command": f"'test ! -f {archive}/%f && cp %p {archive}/%f'",
        },
    )
    server.initdb()
    server.start()
    server.load_schema_of_the_test_database()
    yield server, directory, archive
    server.stop("immediate")
    shutil.rmtree(directory, ignore_errors=True)


def platform_environment(server):
    return {
        **{key: value for key, value in os.environ.items() if key != "DEBUG"},
        "DATABASE_URL": server.url(),
        "DJANGO_SETTINGS_MODULE": "tinhso.settings_test",
    }


def write(server, prefix: str, count: int) -> None:
    """``count`` accounts, two audit entries each, then an anchor, by the platform's own code."""
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); exec({WRITE!r})", prefix, str(count)],
        cwd=ROOT,
        env=platform_environment(server),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def drill(server, *arguments):
    environment = platform_environment(server)
    environment.pop("DATABASE_URL")
    return subprocess.run(
        [str(ROOT / "scripts/restore-drill.sh"), *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_drill_restores_to_a_point_in_time_with_the_audit_trail_intact(archived_server, tmp_path):
    server, directory, archive = archived_server
    started = time.monotonic()
    write(server, "before-backup-", 3)
    backups = directory / "backups"
    subprocess.run(as_owner(["mkdir", str(backups)]), check=True)
    subprocess.run(
        as_owner(["env", f"BACKUP_DIR={backups}", f"WAL_ARCHIVE={archive}", str(ROOT / "scripts/backup.sh")]),
        env={**os.environ, "PGHOST": "127.0.0.1", "PGPORT": str(server.port), "PGUSER": "tinhso"},
        check=True,
        capture_output=True,
    )
    (base,) = (backups / "base").iterdir()
    write(server, "after-backup-", 2)
    time.sleep(1)
    (target,) = server.sql("SELECT clock_timestamp()::text")[0]
    time.sleep(1)
    write(server, "too-late-", 4)
    # Someone with the database's superuser rewrites an audit entry (the append-only triggers off).
    server.sql(
        "SET session_replication_role = replica; UPDATE audit_auditentry SET data = '{\"i\": 99}' "
        "WHERE id = (SELECT min(id) FROM audit_auditentry)"
    )
    time.sleep(1)
    (after_tampering,) = server.sql("SELECT clock_timestamp()::text")[0]
    server.sql("CREATE TABLE later_work ()")  # recovery needs a commit after its target
    (segment,) = server.sql("SELECT pg_walfile_name(pg_switch_wal())")[0]
    wait_for(lambda: (archive / segment).exists(), 30, "the last WAL segment in the archive")

    expected = tmp_path / "counts"
    expected.write_text("audit_auditentry 10\naudit_auditanchor 2\naccounts_user 5\n")
    done = drill(server, str(base), str(archive), target, str(expected))
    assert done.returncode == 0, done.stdout + done.stderr
    print(done.stdout)
    assert "10 bản ghi của 5 đối tượng và 2 mốc neo: nhật ký toàn vẹn" in done.stdout  # verify_audit
    assert "audit_auditentry 10\n" in done.stdout and "accounts_user 5\n" in done.stdout
    assert "recovery stopping before commit" in done.stdout
    print(f"restore drill: {time.monotonic() - started:.1f} s in all")

    # Restored past the rewrite, the drill finds the broken link and fails.
    refused = drill(server, str(base), str(archive), after_tampering)
    assert refused.returncode != 0
    assert "RESTORE DRILL FAILED: the audit trail is broken" in refused.stderr
