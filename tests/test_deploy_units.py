"""The systemd units of deploy/systemd: every timer starts a unit that exists and runs a command
the platform has, every long-running service restarts, and systemd itself accepts the files."""

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import get_commands

UNITS = Path(__file__).resolve().parents[1] / "deploy" / "systemd"


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string(re.sub(r"\\\n\s*", " ", path.read_text()))
    return parser


def manage_py_commands(path: Path, instance: str = "") -> list[str]:
    exec_start = unit(path)["Service"]["ExecStart"].replace("%i", instance)
    return re.findall(r"manage\.py (\w+)", exec_start)


def test_every_timer_starts_a_unit_of_ours_that_runs_an_existing_command():
    timers = sorted(UNITS.glob("*.timer"))
    assert len(timers) >= 10
    commands = get_commands()
    for timer in timers:
        target = unit(timer)["Timer"].get("Unit", timer.name.replace(".timer", ".service"))
        template, _at, instance = target.removesuffix(".service").partition("@")
        service = UNITS / (f"{template}@.service" if instance else target)
        assert service.exists(), (timer.name, target)
        assert unit(service)["Service"]["Type"] == "oneshot"
        if "backup" in service.name:
            assert "scripts/backup.sh" in unit(service)["Service"]["ExecStart"]
            continue
        names = manage_py_commands(service, instance)
        assert names and all(name in commands for name in names), (timer.name, names)


def test_the_server_and_the_workers_restart_whatever_kills_them():
    web, worker = unit(UNITS / "tinhso-web.service"), unit(UNITS / "tinhso-worker@.service")
    assert web["Service"]["Restart"] == worker["Service"]["Restart"] == "always"
    assert "gunicorn tinhso.wsgi" in web["Service"]["ExecStart"]
    assert manage_py_commands(UNITS / "tinhso-worker@.service", "1") == ["run_worker"]
    for service in UNITS.glob("*.service"):
        assert unit(service)["Service"].get("Restart") in {"always", "on-failure"}, service.name


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path):
    for path in UNITS.iterdir():
        shutil.copy(path, tmp_path / path.name)
    names = [
        "tinhso-web.service",
        "tinhso-worker@1.service",
        "tinhso-manage@send_notifications.service",
        "tinhso-prune-tasks.service",
        "tinhso-reconcile-payments.service",
        "tinhso-backup.service",
        *(path.name for path in UNITS.glob("*.timer")),
    ]
    done = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / name) for name in names)],
        capture_output=True,
        text=True,
    )
    # The platform is not installed in /opt/tinhso here: only that complaint is allowed.
    problems = [line for line in done.stderr.splitlines() if "is not executable" not in line]
    assert problems == []


def test_the_retention_job_runs_every_night_before_the_orphan_file_sweep():
    retention = unit(UNITS / "tinhso-apply-retention.timer")["Timer"]
    sweep = unit(UNITS / "tinhso-sweep-orphan-files.timer")["Timer"]
    assert retention["Unit"] == "tinhso-manage@apply_retention.service"
    assert retention["OnCalendar"] == "*-*-* 03:00:00" < sweep["OnCalendar"]
    assert retention["Persistent"] == "true"
