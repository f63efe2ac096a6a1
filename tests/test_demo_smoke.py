"""Smoke test of `make demo`: the real script, on SQLite, answering on a free port."""

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.smoke
def test_demo_starts_on_sqlite_and_serves_the_vietnamese_home_page(tmp_path):
    port = free_port()
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
        DEMO_PORT=str(port), DEMO_DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}", DEMO_HISTORY="20"
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
        assert body is not None, output_text
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
