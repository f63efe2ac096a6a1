"""Smoke test of `make demo`: the real script, on SQLite, answering on a free port."""

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_ports(count: int) -> list[int]:
    """Distinct ports nothing listens on or connects from now.

    Each of the demo's services gets its own: the script's defaults (its port + 10, + 20, …) fall in
    the ephemeral range when its port does, where the suite's own connections may hold them.
    """
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@pytest.mark.smoke
def test_demo_starts_on_sqlite_and_serves_the_vietnamese_home_page(tmp_path):
    port, axis, gateway, portal, population, identity, webhook = free_ports(7)
    test_only = {
        "DATABASE_URL",
        "SECRET_KEY",
        "DEBUG",
        "DJANGO_SETTINGS_MODULE",
        "SECURE_HTTPS",
        "STATIC_MANIFEST",
        # What production must set: the demo starts without any of it.
        "SITE_URL",
        "EMAIL_HOST",
        "DEFAULT_FROM_EMAIL",
        "VNPAY_TMN_CODE",
        "VNPAY_HASH_SECRET",
    }
    environment = {k: v for k, v in os.environ.items() if k not in test_only}
    # A shorter year of history than make demo makes (600 dossiers): the same code, less waiting
    # (tinhso/dossiers/tests/test_demo.py and the demo journeys check a history of 60).
    environment.update(
        DEMO_PORT=str(port),
        DEMO_AXIS_PORT=str(axis),
        DEMO_GATEWAY_PORT=str(gateway),
        DEMO_PORTAL_PORT=str(portal),
        DEMO_POPULATION_PORT=str(population),
        DEMO_IDENTITY_PORT=str(identity),
        DEMO_WEBHOOK_PORT=str(webhook),
        DEMO_DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        DEMO_HISTORY="20",
    )
    log = tmp_path / "demo.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            ["scripts/demo.sh"],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 300
        body = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(1)
        output_text = log.read_text()
        worker_log = ROOT / "var" / f"demo-worker-{port}.log"
        assert body is not None, output_text + (worker_log.read_text() if worker_log.exists() else "")
        assert '<html lang="vi">' in body
        assert "Chính quyền số tỉnh Đồng Tháp" in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.status == 200
        # The demo prints its accounts.
        assert "Tài khoản trình diễn" in output_text
        assert "Mật khẩu" in output_text
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
