"""The task worker survives a database outage (issue 16, finding 7): ``manage.py run_worker``
against a PostgreSQL server of the test's own, which the test stops and starts again; the worker
must then run a job enqueued after the restart. ``db_worker`` itself exits at the first error."""

import os
import shutil
import subprocess
import sys
import time

import pytest
from django.core.management import CommandError, call_command

from tests.pgserver import ROOT, Server, private_directory, wait_for

pytestmark = [pytest.mark.ops, pytest.mark.django_db]

ENQUEUE = "from tinhso.statistics.tasks import update_rollups; print(update_rollups.enqueue().id)"


@pytest.fixture
def server():
    directory = private_directory("/tmp/tinhso-worker-")
    server = Server(directory)
    server.initdb()
    server.start()
    server.load_schema_of_the_test_database()
    yield server
    server.stop("immediate")
    shutil.rmtree(directory, ignore_errors=True)


def environment(server):
    return {
        **{key: value for key, value in os.environ.items() if key != "DEBUG"},
        "DATABASE_URL": server.url(),
        "DJANGO_SETTINGS_MODULE": "tinhso.settings_test",
        "PYTHONUNBUFFERED": "1",
    }


def enqueue(server) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", ENQUEUE],
        cwd=ROOT,
        env=environment(server),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def status(server, job: str) -> str:
    rows = server.sql(f"SELECT status FROM django_tasks_database_dbtaskresult WHERE id = '{job}'")
    return rows[0][0] if rows else ""


def start_worker(server, command: str, log):
    return subprocess.Popen(
        [sys.executable, "manage.py", command, "--interval", "0.2", "--no-startup-delay"]
        + (["--max-delay", "2"] if command == "run_worker" else []),
        cwd=ROOT,
        env=environment(server),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def test_run_worker_reconnects_with_growing_delays_and_runs_a_job_enqueued_after_the_restart(
    server, tmp_path
):
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = start_worker(server, "run_worker", log)
    try:
        before = enqueue(server)
        wait_for(lambda: status(server, before) == "SUCCESSFUL", 30, "the first job")

        server.stop("fast")
        wait_for(lambda: log_path.read_text().count("retry") >= 3, 30, "three retries in the log")
        assert worker.poll() is None, log_path.read_text()
        lines = log_path.read_text().splitlines()
        retries = [line for line in lines if "The database is unreachable" in line]
        assert "retry 1 in 1 s" in retries[0] and "retry 2 in 2 s" in retries[1], retries
        assert "retry 3 in 2 s" in retries[2], retries  # capped by --max-delay

        server.start()
        after = enqueue(server)
        wait_for(lambda: status(server, after) == "SUCCESSFUL", 30, "the job enqueued after the restart")
        assert worker.poll() is None
    finally:
        worker.terminate()
        worker.wait(10)
    assert worker.returncode == 0, log_path.read_text()


def test_db_worker_alone_dies_with_the_database(server, tmp_path):
    """What the issue reported: the plain worker exits when PostgreSQL goes away."""
    with (tmp_path / "worker.log").open("w") as log:
        worker = start_worker(server, "db_worker", log)
    try:
        time.sleep(3)
        assert worker.poll() is None
        server.stop("fast")
        assert worker.wait(30) != 0
    finally:
        if worker.poll() is None:
            worker.kill()


def test_a_job_left_running_by_a_killed_worker_runs_again_when_that_worker_restarts(server, tmp_path):
    """kill -9 in the middle of a job leaves it "running": the worker restarted with the same id
    (as systemd does) runs it again; a job of another worker is left alone."""
    mine, theirs = enqueue(server), enqueue(server)
    server.sql(
        "UPDATE django_tasks_database_dbtaskresult SET status = 'RUNNING', started_at = now(), "
        f"worker_ids = CASE id WHEN '{mine}' THEN '[\"host-1\"]' ELSE '[\"host-2\"]' END::jsonb"
    )
    with (tmp_path / "worker.log").open("w") as log:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--worker-id", "host-1", "--interval", "0.2"],
            cwd=ROOT,
            env=environment(server),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: status(server, mine) == "SUCCESSFUL", 30, "the abandoned job")
        assert status(server, theirs) == "RUNNING"
        assert (
            f"Job {mine} (tinhso.statistics.tasks.update_rollups) was abandoned"
            in (tmp_path / "worker.log").read_text()
        )
    finally:
        worker.terminate()
        worker.wait(10)


@pytest.mark.parametrize("max_delay", ["0", "-5", "nan"])
def test_a_maximum_delay_under_a_second_is_refused(max_delay):
    with pytest.raises(CommandError, match="--max-delay must be at least 1 s"):
        call_command("run_worker", "--max-delay", max_delay)
