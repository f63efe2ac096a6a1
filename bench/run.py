"""``make bench``: seed a province, load the production stack from a separate process, measure
the machine's own floors in the same run, and write the report under ``bench/results/``.

Settings (environment or options): ``BENCH_DOSSIERS`` (1,000,000), ``BENCH_PHASE_SECONDS`` (20),
``BENCH_MAX_REQUESTS`` (200,000 per phase), ``BENCH_WARMUP_SECONDS`` (3), ``BENCH_MIX_SECONDS``
(180, the deadline-day mix), ``BENCH_WORKERS`` (2 × cores + 1), ``BENCH_SERVER_URL`` (use this
PostgreSQL server, in a database of its own that is dropped afterwards, instead of a throwaway
server), ``BENCH_GROWTH=1`` (seed the first of ``BENCH_GROWTH_SIZES``, 1,000,000 and 10,000,000,
run the phases, grow the same database to the second size and run them again: the growth is
measured in one run, never across runs; ``BENCH_DOSSIERS`` is then ignored). The benchmark
never fails a build: targets that are missed are reported with ``met: false``.
"""

import argparse
import datetime
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench import phones, report

# The harness starts the stack's own programs (scripts, gunicorn, wrk, pgbench, git) by design.
# ruff: noqa: S603, S607

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
# Endpoints of phases whose code is written by other issues; measured once they exist.
STATISTICS_PATH = "/api/v1/statistics/dossiers"
IOC_PATH = "/dieu-hanh/"
DOCUMENT_ACTIONS = 2000  # drafts numbered and packages registered at most, per phase
YEAR_OF_DOCUMENTS = 12_000  # incoming documents a provincial agency registers in a year
GATEWAY_CALLS = 20_000  # calls through the gateway at most, per phase (one signed assertion each)


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    """The processes and the database of one run; everything is stopped by ``close``."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.processes: list[subprocess.Popen] = []
        self.cleanups: list = []

    def start(self, name: str, command: list[str], env: dict) -> subprocess.Popen:
        output = (self.workdir / f"{name}.log").open("w")
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append(process)
        return process

    def close(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception as exc:  # cleaning up must not hide the report
                log(f"cleanup failed: {exc}")


def database(stack: Stack, server_url: str | None) -> str:
    """A fresh database: on ``server_url``'s server, or on a throwaway server."""
    import psycopg

    if server_url:
        base, _sep, name = server_url.rpartition("/")
        name = re.sub(r"\W", "_", name.split("?")[0]) + "_bench"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')

        def drop():
            with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        stack.cleanups.append(drop)
        return f"{base}/{name}"
    pgdir = Path(tempfile.mkdtemp(prefix="tinhso-bench-pg."))
    stack.cleanups.append(lambda: subprocess.run([str(ROOT / "scripts/pg-throwaway.sh"), "stop", str(pgdir)]))
    output = subprocess.run(
        [str(ROOT / "scripts/pg-throwaway.sh"), "start", str(pgdir)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return output.strip().split("DATABASE_URL=", 1)[1]


def run(command: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, env=env, check=True, **kwargs)


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the application server stopped while starting")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the application server did not answer {url}")


def wrk(
    base_url: str, mode: str, seconds: float, connections: int, max_requests: int, threads: int = 1, **env
) -> dict:
    """One wrk run (one thread: the generator stays light; the mix runs one per connection to
    time each request's class); the Lua script's summary."""
    environment = {
        **os.environ,
        "BENCH_MODE": mode,
        "BENCH_MAX": str(max(0, max_requests)),  # 0: bounded by the duration only
        **{key: str(value) for key, value in env.items()},
    }
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
    command += ["-s", str(BENCH / "lua" / "phase.lua"), base_url]
    completed = subprocess.run(command, env=environment, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed: {completed.stderr[-2000:]}")
    output = completed.stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_RESULT "))
    result = json.loads(line.split(" ", 1)[1])
    seconds_run = result["duration_us"] / 1e6
    return {
        "requests": result["requests"],
        "seconds": round(seconds_run, 2),
        "throughput_rps": round(result["requests"] / seconds_run, 1) if seconds_run else 0.0,
        "p50_ms": result["p50_us"] / 1000,
        "p95_ms": result["p95_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "max_ms": result["max_us"] / 1000,
        "errors": result["non2xx"] + result["socket_errors"] + result["timeouts"],
        "non_2xx": result["non2xx"],
        "socket_errors": result["socket_errors"],
        "timeouts": result["timeouts"],
        "first_error": result["first_error"],
        "connections": connections,
        **({"classes": mix_classes(result)} if "classes" in result else {}),
    }


def mix_classes(result: dict) -> dict:
    """The mix's figures per class, in milliseconds."""
    classes = {
        name: {
            "requests": figures["requests"],
            "p50_ms": figures["p50_us"] / 1000,
            "p95_ms": figures["p95_us"] / 1000,
            "p99_ms": figures["p99_us"] / 1000,
            "max_ms": figures["max_us"] / 1000,
            "errors": figures["non2xx"],
        }
        for name, figures in result["classes"].items()
    }
    classes["officer_actions"]["replaced_by_tracking"] = result["actions_short"]
    return classes


def pgbench(
    database_url: str, script: Path, seconds: float, clients: int, workdir: Path, **variables
) -> dict:
    """One pgbench run of a custom script; percentiles from its per-transaction log."""
    logs = workdir / f"pgbench-{script.stem}"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir()
    command = ["pgbench", "-n", "-j", "1", "-c", str(clients), "-T", str(max(1, round(seconds)))]
    command += ["-f", str(script), "--log", f"--log-prefix={logs}/tx", "-d", database_url]
    for name, value in variables.items():
        command += ["-D", f"{name}={value}"]
    output = subprocess.run(command, capture_output=True, text=True)
    if output.returncode != 0:
        raise RuntimeError(f"pgbench {script.name} failed: {output.stderr[-2000:]}")
    latencies = []
    for path in logs.iterdir():
        for line in path.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[2].isdigit():
                latencies.append(int(fields[2]))
    latencies.sort()
    failed = (
        int(m.group(1)) if (m := re.search(r"number of failed transactions: (\d+)", output.stdout)) else 0
    )
    tps = re.search(r"tps = ([\d.]+)", output.stdout)

    def percentile(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] / 1000 if latencies else 0.0

    return {
        "requests": len(latencies),
        "seconds": round(seconds, 2),
        "throughput_rps": round(float(tps.group(1)), 1) if tps else 0.0,
        "p50_ms": percentile(0.50),
        "p95_ms": percentile(0.95),
        "p99_ms": percentile(0.99),
        "errors": failed,
        "connections": clients,
    }


def sql(database_url: str, query: str, *params):
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        cursor = connection.execute(query, params or None)
        return cursor.fetchall() if cursor.description else []


class CpuMeter:
    """CPU time (user + system) each part of the stack spends during a phase, from Linux's /proc:
    a process tree's own time plus that of its children that have ended. The load generator is
    the harness's own child (wrk or pgbench)."""

    LOAD_GENERATOR = "load generator"

    def __init__(self, roots: dict[str, int]):
        self.names = {pid: name for name, pid in roots.items() if Path(f"/proc/{pid}").exists()}

    def sample(self) -> dict[str, float]:
        tick = os.sysconf("SC_CLK_TCK")
        parents, times = {}, {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid = int(stat.parent.name)
            parents[pid] = int(fields[1])
            times[pid] = sum(int(value) for value in fields[11:15]) / tick  # utime stime cutime cstime
        totals = dict.fromkeys(self.names.values(), 0.0)
        for pid, seconds in times.items():
            root = pid
            while root and root not in self.names:
                root = parents.get(root, 0)
            if root:
                totals[self.names[root]] += seconds
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        totals[self.LOAD_GENERATOR] = children.ru_utime + children.ru_stime
        return totals

    def per_request(self, before: dict[str, float], requests: int) -> dict[str, float]:
        after = self.sample()
        return {name: round((after[name] - before[name]) * 1000 / max(requests, 1), 2) for name in after}


def disk_kib_read() -> int:
    """KiB this machine has read from its block devices since boot (``pgpgin``): a phase that
    reads from disk works on data that is not in the page cache."""
    for line in Path("/proc/vmstat").read_text().splitlines():
        name, _sep, value = line.partition(" ")
        if name == "pgpgin":
            return int(value)
    return 0


def memory_mib() -> dict[str, int]:
    """The page cache and the free memory, in MiB (from /proc/meminfo)."""
    values = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        name, _sep, value = line.partition(":")
        values[name] = int(value.split()[0]) // 1024
    return {"page_cache_mib": values.get("Cached", 0), "free_mib": values.get("MemFree", 0)}


def postmaster_pid(database_url: str) -> int:
    """The PostgreSQL server's process id when it runs on this machine, else 0."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        backend = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
        try:
            return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            return 0


def drain_notifications(database_url: str, seconds: float = 900) -> dict:
    """Wait until the task worker has sent every notification the phase queued, so that the next
    phase (and the pgbench floors) does not share the machine with it. Reported: how many were
    still waiting when the phase ended and how long the worker took to send them, and so far in
    the run how many notifications were sent by how many sender tasks (each server process wakes
    the sender at most once a second, and a task sends all that is due). Notifications waiting to
    be tried again (the demo loader's, tried before the mail server started) are not the phase's:
    nothing wakes the sender for them until the next commit."""
    waiting_sql = (
        "SELECT (SELECT count(*) FROM dossiers_notification "
        "WHERE state = 'pending' AND attempts = 0 AND next_attempt_at <= now()) + "
        "(SELECT count(*) FROM django_tasks_database_dbtaskresult "
        "WHERE queue_name = 'default' AND status IN ('READY', 'RUNNING'))"
    )
    started = time.monotonic()
    waiting = left = sql(database_url, waiting_sql)[0][0]
    while left and time.monotonic() - started < seconds:
        time.sleep(0.5)
        left = sql(database_url, waiting_sql)[0][0]
    [(sent, tasks)] = sql(
        database_url,
        "SELECT (SELECT count(*) FROM dossiers_notification WHERE state = 'sent'), "
        "(SELECT count(*) FROM django_tasks_database_dbtaskresult "
        "WHERE task_path = 'tinhso.dossiers.notifications.send_notifications')",
    )
    return {
        "queued_at_end": waiting,
        "seconds_to_send_them": round(time.monotonic() - started, 1),
        "left_after_waiting": left,
        "sent_so_far": sent,
        "sender_tasks_so_far": tasks,
    }


def worker_memory(master: subprocess.Popen) -> list[int]:
    """Peak resident memory (VmHWM, KiB) of each gunicorn worker."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master.pid}$", text, re.M) and (
            m := re.search(r"^VmHWM:\s+(\d+)", text, re.M)
        ):
            peaks.append(int(m.group(1)))
    return sorted(peaks)


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text()
    total_kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    # The results of an earlier run waiting to be committed are not a change to the code measured.
    dirty = bool(
        subprocess.run(
            ["git", "status", "--porcelain", "--", ".", ":(exclude)bench/results"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout
    )
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split(" [")[0]
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(total_kib / 1024 / 1024, 1),
        "cpu": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        ),
        "python": platform.python_version(),
        "wrk": wrk_version,
        "commit": commit,
        "working_tree_dirty": dirty,
        "note": "The load generator (wrk, one thread; in the deadline-day mix one per connection), the "
        "application server, the task worker and PostgreSQL share this machine's cores.",
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=int(os.environ.get("BENCH_DOSSIERS", 1_000_000)))
    parser.add_argument(
        "--phase-seconds", type=float, default=float(os.environ.get("BENCH_PHASE_SECONDS", 20))
    )
    parser.add_argument(
        "--max-requests", type=int, default=int(os.environ.get("BENCH_MAX_REQUESTS", 200_000))
    )
    parser.add_argument(
        "--warmup-seconds", type=float, default=float(os.environ.get("BENCH_WARMUP_SECONDS", 3))
    )
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", 2 * os.cpu_count() + 1))
    )
    parser.add_argument("--citizens", type=int, default=8, help="citizens submitting in the load phases")
    parser.add_argument("--mix-seconds", type=float, default=float(os.environ.get("BENCH_MIX_SECONDS", 180)))
    parser.add_argument(
        "--growth",
        action="store_true",
        default=os.environ.get("BENCH_GROWTH", "") not in {"", "0"},
        help="seed the first size, run the phases, grow the same database to the second size, run them again",
    )
    parser.add_argument(
        "--growth-sizes",
        type=lambda text: [int(size) for size in text.split(",")],
        default=os.environ.get("BENCH_GROWTH_SIZES", "1000000,10000000"),
        help="the two sizes of a growth run (a test-only override of 1,000,000 and 10,000,000)",
    )
    parser.add_argument("--server-url", default=os.environ.get("BENCH_SERVER_URL"))
    parser.add_argument("--results", type=Path, default=BENCH / "results")
    parser.add_argument(
        "--phones",
        action=argparse.BooleanOptionalAction,
        default=os.environ.get("BENCH_PHONES", "1") != "0",
        help="the citizen journey on an emulated phone (bench/phones.py)",
    )
    options = parser.parse_args(argv)
    sizes = options.growth_sizes
    if options.growth and (len(sizes) != 2 or not 0 < sizes[0] < sizes[1]):
        parser.error("BENCH_GROWTH_SIZES: two sizes, the first smaller than the second")
    workdir = Path(tempfile.mkdtemp(prefix="tinhso-bench."))
    stack = Stack(workdir)
    try:
        results = measure(options, stack, workdir)
    finally:
        stack.close()
    paths = report.write(results, options.results)
    print(report.markdown(results))
    log(f"report: {', '.join(str(path) for path in paths)}")
    first_round = results.get("growth", {}).get("first_round", {})
    phases = [*results["phases"].values(), *first_round.get("phases", {}).values()]
    if any(phase.get("errors") for phase in phases):
        log(f"errors in the phases: server logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def documents_phases(
    options,
    base_url: str,
    workdir: Path,
    env: dict,
    phases: dict,
    measured,
    phase,
    conns: int,
    limit: int,
    prepared: dict,
) -> None:
    """Issue 17's paths: numbering a draft, registering an arrived package (each once, like the
    officer actions: no warm-up), and reading the first page of an inbox holding a year of
    documents. Sizes follow the run: a province's year is about 12,000 incoming documents. The
    work of every round is prepared once, in the first (``prepared`` keeps it): each round takes
    its own drafts and packages, and reads the same inbox."""
    count = min(limit or DOCUMENT_ACTIONS, DOCUMENT_ACTIONS) + conns + 5
    rounds = len(options.growth_sizes) if options.growth else 1
    size = options.growth_sizes[0] if options.growth else options.dossiers
    year_documents = max(500, min(YEAR_OF_DOCUMENTS, size // 80))
    if not prepared:
        log(f"preparing the document phases ({year_documents:,} documents in the inbox)")
        prepared.update(
            json.loads(
                run(
                    [
                        PYTHON,
                        "-m",
                        "bench.documents",
                        "--out",
                        str(workdir),
                        "--count",
                        str(count * rounds),
                        "--year-documents",
                        str(year_documents),
                    ],
                    env,
                    stdout=subprocess.PIPE,
                    text=True,
                ).stdout
            ),
            round=0,
        )
        for tsv in ("numbering", "registering"):
            lines = (workdir / f"{tsv}.tsv").read_text().splitlines(keepends=True)
            for number in range(rounds):
                share = lines[number * count : (number + 1) * count]
                (workdir / f"{tsv}-{number}.tsv").write_text("".join(share))
    work, number = prepared, prepared["round"]
    prepared["round"] += 1
    for name, endpoint, tsv in (
        ("document_numbering", "POST /api/v1/documents/outgoing/{id}/issue", "numbering"),
        ("document_registering", "POST /api/v1/documents/incoming/{id}/register", "registering"),
    ):
        log(f"phase {name}: {endpoint}")
        phases[name] = {
            "endpoint": endpoint,
            **measured(
                wrk,
                base_url,
                "action",
                options.phase_seconds,
                conns,
                count - conns - 5,
                BENCH_RUN=f"{name}-{number}",
                BENCH_INPUT=workdir / f"{tsv}-{number}.tsv",
            ),
        }
    phase(
        "document_inbox_year",
        f"GET {work['inbox_path']} ({year_documents:,} documents)",
        "get",
        BENCH_PATH=work["inbox_path"],
        BENCH_TOKEN=work["inbox_token"],
    )


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the process stopped while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port}")


def gateway_phases(
    options, base_url: str, workdir: Path, env: dict, stack: Stack, phases: dict, measured
) -> None:
    """Issue 21: the gateway's overhead. The same provider (the application server's
    ``GET /healthz``) called directly, then through the gateway (``manage.py run_gateway``, a
    grant checked, a signed client assertion verified and its ``jti`` stored, the call logged),
    back to back with the same connections; no warm-up (each assertion is used once)."""
    conns = 2 * options.workers
    calls = min(options.max_requests or GATEWAY_CALLS, GATEWAY_CALLS)
    log(f"preparing the gateway phases ({calls + conns + 5:,} client assertions)")
    work = json.loads(
        run(
            [
                PYTHON,
                "-m",
                "bench.gateway",
                "--out",
                str(workdir),
                "--count",
                str(calls + conns + 5),
                "--provider",
                base_url,
            ],
            env,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
    )
    port = free_port()
    gateway = stack.start("gateway", [PYTHON, "manage.py", "run_gateway", "--port", str(port)], env)
    wait_for_port(port, gateway)
    log("phase gateway_direct: GET /healthz")
    direct = measured(
        wrk,
        base_url,
        "get",
        options.phase_seconds,
        conns,
        calls,
        BENCH_RUN="gateway_direct",
        BENCH_PATH="/healthz",
    )
    phases["gateway_direct"] = {"endpoint": "GET /healthz (the provider, directly)", **direct}
    log(f"phase gateway: GET {work['path']}")
    through = measured(
        wrk,
        f"http://127.0.0.1:{port}",
        "gateway",
        options.phase_seconds,
        conns,
        calls,
        BENCH_RUN="gateway",
        BENCH_INPUT=workdir / "gateway.tsv",
        BENCH_CLIENT=work["client"],
    )
    phases["gateway"] = {
        "endpoint": f"GET {work['path']} (through the gateway)",
        **through,
        "added_p50_ms": round(through["p50_ms"] - direct["p50_ms"], 2),
        "added_p99_ms": round(through["p99_ms"] - direct["p99_ms"], 2),
        "throughput_ratio": round(through["throughput_rps"] / direct["throughput_rps"], 3)
        if direct["throughput_rps"]
        else None,
    }


class Round:
    """What every round of one run shares: the database, the environment, the running stack and
    the CPU meter."""

    def __init__(self, options, stack: Stack, workdir: Path, database_url: str, env: dict, http_port: int):
        self.options, self.stack, self.workdir = options, stack, workdir
        self.database_url, self.env = database_url, env
        self.base_url = f"http://127.0.0.1:{http_port}"
        self.gunicorn: subprocess.Popen | None = None
        self.cpu: CpuMeter | None = None
        self.documents: dict = {}  # the document phases' work, prepared once for every round


def seed_round(context: Round, dossiers: int, rng_seed: int) -> tuple[dict, str]:
    """Seed ``dossiers`` more dossiers and rebuild the statistics' rollup; the seeding summary
    (with its timings) and the rollup's error, if any."""
    log(f"seeding {dossiers:,} dossiers")
    seeded = json.loads(
        run(
            [PYTHON, "-m", "bench.seed", "--dossiers", str(dossiers), "--seed", str(rng_seed)],
            context.env,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
    )
    clock = time.monotonic()
    rollup = subprocess.run(
        [PYTHON, "manage.py", "rollup_statistics", "--rebuild"],
        cwd=ROOT,
        env=context.env,
        capture_output=True,
        text=True,
    )
    seeded["statistics_rollup_seconds"] = round(time.monotonic() - clock, 1)
    return seeded, rollup.stderr.strip().splitlines()[-1] if rollup.returncode else ""


def start_stack(context: Round, smtp_port: int) -> None:
    env, stack = context.env, context.stack
    smtp = stack.start(
        "smtp",
        [PYTHON, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}", "-c", "aiosmtpd.handlers.Sink"],
        env,
    )
    context.gunicorn = stack.start(
        "gunicorn",
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "tinhso.wsgi",
            "--workers",
            str(context.options.workers),
            "--bind",
            context.base_url.removeprefix("http://"),
            "--timeout",
            "60",
        ],
        env,
    )
    worker = stack.start("db_worker", [PYTHON, "manage.py", "db_worker"], env)
    wait_until_up(f"{context.base_url}/healthz", context.gunicorn)
    context.cpu = CpuMeter(
        {
            "application server": context.gunicorn.pid,
            "task worker": worker.pid,
            "mail server": smtp.pid,
            "postgresql": postmaster_pid(context.database_url),
        }
    )


def prepare(context: Round, module: str, *args: str) -> dict:
    """Run one of the harness's preparation modules inside Django; its JSON summary."""
    command = [PYTHON, "-m", module, *args]
    return json.loads(run(command, context.env, stdout=subprocess.PIPE, text=True).stdout)


def measure(options, stack: Stack, workdir: Path) -> dict:
    started = datetime.datetime.now(datetime.UTC)
    database_url = database(stack, options.server_url)
    smtp_port, http_port = free_port(), free_port()
    env = {
        key: value for key, value in os.environ.items() if key not in {"TINHSO_DEMO", "DEBUG", "DATABASE_URL"}
    }
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="tinhso.settings",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_HTTPS="0",
        STATIC_MANIFEST="0",
        MEDIA_ROOT=str(workdir / "media"),
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        DEFAULT_FROM_EMAIL="Tỉnh số <no-reply@bench.invalid>",
        SITE_URL=f"http://127.0.0.1:{http_port}",
        VNPAY_TMN_CODE="BENCH001",
        VNPAY_HASH_SECRET=secrets.token_urlsafe(32),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    context = Round(options, stack, workdir, database_url, env, http_port)
    clock = time.monotonic()
    run([PYTHON, "manage.py", "migrate", "-v0"], env)
    run([PYTHON, "manage.py", "createcachetable"], env)
    if options.phones:  # static files as production serves them: hashed names, compressed, cached for good
        env.update(STATIC_MANIFEST="1", STATIC_ROOT=str(workdir / "static"))
        run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], env)
    run([PYTHON, "manage.py", "load_demo", "--history", "0"], env, stdout=subprocess.DEVNULL)
    schema_seconds = round(time.monotonic() - clock, 1)
    sizes = options.growth_sizes if options.growth else [options.dossiers]
    rounds, seeded_so_far = [], 0
    for number, size in enumerate(sizes):
        seeded, rollup_error = seed_round(context, size - seeded_so_far, 2026 + number)
        seeded_so_far = size
        seeded["schema_and_demo_seconds"] = schema_seconds
        if context.gunicorn is None:
            start_stack(context, smtp_port)
        rounds.append(measure_round(context, size, seeded, rollup_error, started))
    if not options.growth:
        return rounds[0]
    return report.growth(rounds)


def measure_round(context: Round, size: int, seeded: dict, rollup_error: str, started) -> dict:
    """Every phase once against the database as it is now (``size`` seeded dossiers)."""
    options, workdir, database_url, base_url = (
        context.options,
        context.workdir,
        context.database_url,
        context.base_url,
    )
    env, cpu = context.env, context.cpu
    size_after_seed = sql(database_url, "SELECT pg_database_size(current_database())")[0][0]
    log(f"preparing the workload ({size:,} dossiers)")
    workload = prepare(
        context,
        "bench.workload",
        "--base-url",
        base_url,
        "--out",
        str(workdir),
        "--citizens",
        str(options.citizens),
    )
    pages = prepare(context, "bench.pages", "--out", str(workdir))
    load_before = [round(value, 2) for value in os.getloadavg()]
    memory_before = memory_mib()
    seconds, conns, limit = options.phase_seconds, 2 * options.workers, options.max_requests
    phases = {}

    def measured(run_phase, *args, **kwargs) -> dict:
        before, read_before = cpu.sample(), disk_kib_read()
        result = run_phase(*args, **kwargs)
        read = (disk_kib_read() - read_before) / max(result["requests"], 1)
        peaks = worker_memory(context.gunicorn)
        return {
            **result,
            "cpu_ms_per_request": cpu.per_request(before, result["requests"]),
            "disk_kib_read_per_request": round(read, 2),
            # The highest worker's VmHWM so far: the phase where it jumps is the one that costs memory.
            "worker_peak_rss_mib_after": round(max(peaks) / 1024, 1) if peaks else None,
        }

    def phase(
        name: str, endpoint: str, mode: str, page: bool = False, connections: int = conns, **env_vars
    ) -> None:
        """One wrk phase; a rendered page (``page``) runs at least 3 s, so that a short phase (the
        smoke run's 1 s) does not end before a worker's first page does."""
        log(f"phase {name}: {endpoint}")
        if options.warmup_seconds:
            wrk(
                base_url,
                mode,
                options.warmup_seconds,
                connections,
                limit,
                BENCH_RUN=f"warm-{name}",
                **env_vars,
            )
        duration = max(seconds, 3) if page else seconds
        run = f"{size}-{name}"
        phases[name] = {
            "endpoint": endpoint,
            "connections": connections,
            **measured(wrk, base_url, mode, duration, connections, limit, BENCH_RUN=run, **env_vars),
        }

    phase("framework_floor", "GET /healthz (SELECT 1)", "get", BENCH_PATH="/healthz")
    phase("tracking", "GET /api/v1/dossiers/track?code=&factor=", "track", BENCH_INPUT=workdir / "track.tsv")
    phase("submissions", "POST /api/v1/dossiers/", "submit", BENCH_INPUT=workdir / "submit.tsv")
    phases["submissions"]["notifications"] = drain_notifications(database_url)
    phase("procedure_search", "GET /api/v1/procedures/?q=", "search", BENCH_INPUT=workdir / "search.tsv")
    token = (workdir / "statistics.token").read_text()
    today = datetime.datetime.now(datetime.UTC).date()
    year = f"from={today - datetime.timedelta(days=365)}&to={today}"
    busiest = sql(
        database_url,
        "SELECT a.code FROM dossiers_dossiercodecounter c JOIN agencies_agency a ON a.id = c.agency_id "
        "GROUP BY a.code ORDER BY sum(c.value) DESC LIMIT 1",
    )[0][0]
    for name, query in (
        ("statistics_province_year", year),
        ("statistics_agency_year", f"{year}&agency={busiest}"),
    ):
        path = f"{STATISTICS_PATH}?{query}"
        if rollup_error:
            note = f"not measured: rollup_statistics --rebuild failed ({rollup_error[:200]})"
            phases[name] = {"endpoint": f"GET {path}", "note": note}
        else:
            phase(name, f"GET {path}", "get", BENCH_PATH=path, BENCH_TOKEN=token)
    leaders_phases(phases, phase, pages, rollup_error)
    open_data_phases(context, phases, phase)
    desk = f"the busiest desk, {pages['desk']}: {pages['desk_open_dossiers']:,} open dossiers"
    for name, key in (
        ("officer_inbox", "inbox"),
        ("officer_inbox_filter", "inbox_filter"),
        ("officer_inbox_search", "inbox_search"),
    ):
        path = pages[key]
        phase(name, f"GET {path} ({desk})", "get", True, BENCH_PATH=path, BENCH_COOKIE=pages["desk_cookie"])
    phase(
        "officer_dossier_page",
        f"GET /mot-cua/ho-so/{{id}}/ (each dossier of the first inbox page of {desk})",
        "paths",
        True,
        BENCH_INPUT=workdir / "dossier_pages.tsv",
        BENCH_COOKIE=pages["desk_cookie"],
    )
    officer_phases(context, phases, measured)
    mix_phase(context, phases, measured)
    documents_phases(
        options, base_url, workdir, env, phases, measured, phase, conns, limit, context.documents
    )
    gateway_phases(options, base_url, workdir, env, context.stack, phases, measured)

    log("phase citizen_phones: the citizen journey in chromium on an emulated phone (bench/phones.py)")
    phone_figures = phones.phase(base_url, options.phones)
    log("database floors (pgbench)")
    ids = sql(
        database_url,
        "SELECT d.procedure_id, d.receiving_agency_id, d.applicant_id, d.applicant_unit_id, t.token_hash, "
        "a.personal_document_id, a.required_document_id, f.version_id, f.state_id "
        "FROM dossiers_dossier d JOIN accounts_apitoken t ON t.user_id = d.applicant_id "
        "JOIN LATERAL (SELECT p.id AS personal_document_id, x.required_document_id "
        "FROM dossiers_attachment x JOIN dossiers_personaldocument p ON p.owner_id = d.applicant_id "
        "WHERE x.dossier_id = d.id LIMIT 1) a ON true "
        "JOIN workflows_dossierflow f ON f.dossier_id = d.id ORDER BY d.id DESC LIMIT 1",
    )[0]
    sql(database_url, "CREATE SEQUENCE IF NOT EXISTS bench_floor_seq")
    low, high = sql(
        database_url, "SELECT min(id), max(id) FROM dossiers_dossier WHERE code NOT LIKE 'FLOOR-%'"
    )[0]
    phases["database_floor_lookup"] = {
        "endpoint": "pgbench bench/pgbench/lookup.sql",
        **measured(
            pgbench,
            database_url,
            BENCH / "pgbench" / "lookup.sql",
            seconds,
            options.workers,
            workdir,
            low=low,
            high=high,
        ),
    }
    names = ("proc", "agency", "user", "unit", "token_hash", "doc", "reqdoc", "flow_version", "flow_state")
    phases["database_floor_submission"] = {
        "endpoint": "pgbench bench/pgbench/submit.sql",
        **measured(
            pgbench,
            database_url,
            BENCH / "pgbench" / "submit.sql",
            seconds,
            options.workers,
            workdir,
            **{**dict(zip(names, ids, strict=True)), "token_hash": f"'{ids[4]}'"},
        ),
    }
    memory = worker_memory(context.gunicorn)
    # The rows written by the submission floor stay (the audit trail is append-only): they are
    # counted with the others in the database size.
    dossiers, size_bytes = sql(
        database_url, "SELECT (SELECT count(*) FROM dossiers_dossier), pg_database_size(current_database())"
    )[0]
    return report.build(
        started=started,
        machine={
            **machine(),
            "load_average_before_phases": load_before,
            "memory_before_phases": memory_before,
            "load_average_after_phases": [round(value, 2) for value in os.getloadavg()],
        },
        settings={
            "dossiers": size,
            "phase_seconds": seconds,
            "max_requests_per_phase": limit,
            "warmup_seconds": options.warmup_seconds,
            "mix_seconds": options.mix_seconds,
            "gunicorn_workers": options.workers,
            "connections": conns,
            "pgbench_clients": options.workers,
        },
        seeding=seeded,
        workload={
            **{key: value for key, value in workload.items() if key != "submission_queries"},
            "busiest_desk": pages["desk"],
            "busiest_desk_open_dossiers": pages["desk_open_dossiers"],
            "inbox_search_name": pages["search_name"],
        },
        submission_sql={k: workload["submission_queries"][k] for k in ("status", "count", "writes")},
        phases=phases,
        memory_kib=memory,
        database={"dossiers": dossiers, "size_bytes": size_bytes, "size_bytes_after_seed": size_after_seed},
        phones=phone_figures,
    )


def leaders_phases(phases: dict, phase, pages: dict, rollup_error: str) -> None:
    """The leaders' pages, signed in as the province leader: the statistics page for the whole
    province over a year, and the operations centre (issue 18: every tile, the Decision 766
    index and twelve months of trend). Each is measured under the phases' load and again for
    one leader alone (one connection): what a leader opening the page waits for."""
    for name, endpoint, path in (
        ("statistics_page", f"GET {pages['statistics_page']} (the whole province, a year)", None),
        ("ioc_dashboard", f"GET {IOC_PATH} (the whole province)", IOC_PATH),
    ):
        path = path or pages["statistics_page"]
        for suffix, connections in (("", None), ("_alone", 1)):
            label = endpoint if connections is None else f"{endpoint}, one leader alone"
            if rollup_error:
                note = f"not measured: rollup_statistics --rebuild failed ({rollup_error[:200]})"
                phases[name + suffix] = {"endpoint": label, "note": note}
                continue
            extra = {} if connections is None else {"connections": connections}
            phase(
                name + suffix,
                label,
                "get",
                True,
                BENCH_PATH=path,
                BENCH_COOKIE=pages["leader_cookie"],
                **extra,
            )


def open_data_phases(context: Round, phases: dict, phase) -> None:
    """Open data as anyone and the harvesters read it, on the seeded records: the catalogue's
    search through CKAN's API, a page of the DataStore (the monthly dossier figures), and the
    dataset's page; the nightly refresh that built them is timed (``bench.opendata``)."""
    work = prepare(context, "bench.opendata")
    phases["open_data_refresh"] = {
        "endpoint": "refresh_open_data (every dataset, over the seeded records)",
        "seconds": work["refresh_seconds"],
        "new_versions": work["new_versions"],
        "note": (
            f"{work['refresh_seconds']} s for {work['datasets']} datasets; "
            f"the monthly dossier figures: {work['rows']:,} rows"
        ),
    }
    search = "/api/3/action/package_search?q=ho+so&rows=10"
    phase("open_data_search", f"GET {search}", "get", BENCH_PATH=search)
    rows = f"/api/3/action/datastore_search?resource_id={work['resource']}&limit=100"
    phase("open_data_datastore", f"GET {rows} ({work['rows']:,} rows)", "get", BENCH_PATH=rows)
    page = f"/du-lieu-mo/{work['dataset']}/"
    phase("open_data_page", f"GET {page}", "get", True, BENCH_PATH=page)


def officer_phases(context: Round, phases: dict, measured) -> None:
    """Officers receiving the dossiers submitted in the run (``officer_actions``; each reception
    issues Form 01, signed by the task worker), then the specialists they handed them to starting
    to process them (``officer_processing``: a step of the flow with a status change, no form)."""
    actions_phase(
        context,
        phases,
        measured,
        "officer_actions",
        "POST /api/v1/mot-cua/dossiers/{id}/actions/{key} (reception of a dossier submitted in the run)",
        "reception",
    )
    actions_phase(
        context,
        phases,
        measured,
        "officer_processing",
        "POST /api/v1/mot-cua/dossiers/{id}/actions/{key} (a specialist starts processing a dossier "
        "received in the run)",
        "processing",
    )


def actions_phase(context: Round, phases: dict, measured, name: str, endpoint: str, step: str) -> None:
    """One flow action per dossier prepared by ``bench.officers --step step`` (each once: no
    warm-up)."""
    options, conns = context.options, 2 * context.options.workers
    limit = options.max_requests
    log(f"preparing {name}")
    out = context.workdir / name
    out.mkdir(exist_ok=True)
    work = prepare(context, "bench.officers", "--out", str(out), "--step", step)
    # Each dossier can take the action once: no warm-up, and fewer requests than dossiers,
    # leaving room for the requests still in flight when wrk stops.
    budget = work["dossiers"] - conns - 5
    if budget < 10:
        phases[name] = {"endpoint": endpoint, "note": "not measured: too few dossiers to act on"}
        return
    log(f"phase {name}: {endpoint}")
    phases[name] = {
        "endpoint": endpoint,
        **measured(
            wrk,
            context.base_url,
            "action",
            # At least 3 s: each reception renders and signs Form 01, so a shorter phase (the
            # smoke run's 1 s) may end before any request does.
            max(options.phase_seconds, 3),
            conns,
            min(limit, budget) if limit else budget,
            BENCH_RUN=name,
            BENCH_INPUT=out / "actions.tsv",
        ),
        "notifications": drain_notifications(context.database_url),
    }


def mix_phase(context: Round, phases: dict, measured) -> None:
    """The deadline-day mix (80 % tracking, 10 % search, 5 % submissions, 5 % officer actions
    at once, ``BENCH_MIX_SECONDS``): p50/p99 per class, and the CPU each part of the stack spent
    in all, from which the report computes how many people one application-server core carries.
    The officer actions receive the dossiers submitted in the run and not yet received."""
    options, workdir = context.options, context.workdir
    mix = workdir / "mix"
    mix.mkdir(exist_ok=True)
    log("preparing the deadline-day mix")
    prepare(context, "bench.officers", "--out", str(mix))
    connections = 2 * options.workers
    endpoint = "80 % tracking, 10 % search, 5 % submissions, 5 % officer actions (reception)"
    log(f"phase deadline_day_mix: {endpoint}, {options.mix_seconds:g} s")
    result = measured(
        wrk,
        context.base_url,
        "mix",
        options.mix_seconds,
        connections,
        0,
        threads=connections,
        BENCH_RUN=f"mix-{secrets.token_hex(4)}",
        BENCH_THREADS=connections,
        BENCH_MIX_WEIGHTS=",".join(str(share) for share in report.MIX_SHARES.values()),
        BENCH_TRACK=workdir / "track.tsv",
        BENCH_SEARCH=workdir / "search.tsv",
        BENCH_SUBMIT=workdir / "submit.tsv",
        BENCH_ACTIONS=mix / "actions.tsv",
    )
    phases["deadline_day_mix"] = {
        "endpoint": endpoint,
        **result,
        "notifications": drain_notifications(context.database_url),
    }


if __name__ == "__main__":
    main()
