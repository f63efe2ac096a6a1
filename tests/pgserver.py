"""A PostgreSQL server of a test's own, which the test may stop, start and archive: the tests of
the task worker's reconnection and of the restore drill. It runs Debian's server binaries like
``scripts/pg-throwaway.sh`` (as the postgres user when the tests run as root)."""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def pg_bin(program: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{program}"))
    found = candidates[-1] if candidates else shutil.which(program)
    assert found, f"{program} not found: scripts/bootstrap.sh test installs the PostgreSQL server"
    return found


def as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def private_directory(prefix: str) -> Path:
    """A directory the server's user owns (pytest's tmp_path is closed to it when run as root)."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    if os.getuid() == 0:
        shutil.chown(directory, "postgres")
    return directory


class Server:
    def __init__(self, directory: Path, data: str = "data", settings: dict | None = None):
        self.directory = directory
        self.data = directory / data
        self.port = free_port()
        self.settings = {"listen_addresses": "127.0.0.1", "fsync": "off", **(settings or {})}

    def url(self, database: str = "tinhso") -> str:
        return f"postgres://tinhso@127.0.0.1:{self.port}/{database}"

    def initdb(self) -> None:
        subprocess.run(
            as_owner(
                [
                    pg_bin("initdb"),
                    *("-D", str(self.data), "-U", "tinhso", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"),
                ]
            ),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} " + " ".join(
            f"-c {key}={value}" for key, value in self.settings.items()
        )
        subprocess.run(
            as_owner(
                [
                    pg_bin("pg_ctl"),
                    *("-D", str(self.data), "-l", str(self.directory / "server.log")),
                    *("-w", "-t", "60", "-o", options, "start"),
                ]
            ),
            check=True,
            capture_output=True,
        )

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            as_owner([pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
            capture_output=True,
        )

    def sql(self, statement: str, database: str = "tinhso"):
        with psycopg.connect(self.url(database), autocommit=True) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else None

    def load_schema_of_the_test_database(self) -> None:
        """Create the database ``tinhso`` with the schema of the test database (migrated by
        pytest-django): much faster than running every migration again."""
        subprocess.run(
            [pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "tinhso", "tinhso"],
            check=True,
        )
        test = connection.settings_dict
        dump = subprocess.run(
            [
                pg_bin("pg_dump"),
                *("--schema-only", "--no-owner", "-U", test["USER"], test["NAME"]),
                *(("-h", test["HOST"]) if test["HOST"] else ()),
                *(("-p", str(test["PORT"])) if test["PORT"] else ()),
            ],
            check=True,
            capture_output=True,
            env={**os.environ, **({"PGPASSWORD": test["PASSWORD"]} if test["PASSWORD"] else {})},
        ).stdout
        subprocess.run(
            [pg_bin("psql"), "-q", "-v", "ON_ERROR_STOP=1", self.url()],
            input=dump,
            check=True,
            capture_output=True,
        )


def wait_for(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}")
