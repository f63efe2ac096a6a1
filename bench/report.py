"""The benchmark report: targets computed from the measured phases, written as JSON and Markdown."""

import json
from pathlib import Path

from bench import phones as phones_phase

MEASURED_PHASES = (
    "tracking",
    "submissions",
    "procedure_search",
    "statistics_province_year",
    "statistics_agency_year",
    "ioc_dashboard",
    "officer_actions",
    "document_numbering",
    "document_registering",
    "document_inbox_year",
)
MIB = 1024 * 1024


def _ratio(a, b):
    return round(a / b, 3) if a and b else None


def _target(name, measured, target, unit, better, note="", **extra) -> dict:
    met = False if measured is None else measured >= target if better == "higher" else measured <= target
    entry = {"name": name, "measured": measured, "target": target, "unit": unit, "met": met}
    if note:
        entry["note"] = note
    entry.update(extra)
    return entry


def _previous(results_dir: Path, dossiers: int) -> dict | None:
    path = results_dir / f"dossiers-{dossiers}.json"
    return json.loads(path.read_text()) if path.exists() else None


def targets(phases: dict, dossiers: int, results_dir: Path, commit: str = "") -> list[dict]:
    floor = phases["framework_floor"].get("throughput_rps")
    db_submit = phases["database_floor_submission"].get("throughput_rps")
    lower_floor = min(value for value in (floor, db_submit) if value) if (floor or db_submit) else None
    found = [
        _target(
            "tracking_lookups_vs_framework_floor",
            _ratio(phases["tracking"]["throughput_rps"], floor),
            0.6,
            "ratio of throughputs",
            "higher",
        ),
        _target(
            "submissions_vs_lower_floor",
            _ratio(phases["submissions"]["throughput_rps"], lower_floor),
            0.4,
            "ratio of throughputs",
            "higher",
            note="lower of the framework floor and the pgbench submission floor",
        ),
    ]
    statistics = phases["statistics_province_year"]
    at_ten_million = dossiers >= 10_000_000
    found.append(
        _target(
            f"statistics_province_year_p50_at_{'10m' if at_ten_million else '1m'}",
            statistics.get("p50_ms"),
            200 if at_ten_million else 50,
            "ms",
            "lower",
            note=statistics.get("note", ""),
            dossiers=dossiers,
        )
    )
    ioc = phases["ioc_dashboard"]
    found.append(
        _target(
            "ioc_dashboard_p50",
            ioc.get("p50_ms") if ioc.get("requests") else None,
            200,
            "ms",
            "lower",
            note=ioc.get("note", "the target holds at 10,000,000 dossiers (BENCH_DOSSIERS)"),
            dossiers=dossiers,
        )
    )
    found.append(_target("procedure_search_p50", phases["procedure_search"]["p50_ms"], 10, "ms", "lower"))
    this_run = {"phases": phases, "machine": {"commit": commit}}
    small, large = (
        (_previous(results_dir, 1_000_000), this_run)
        if at_ten_million
        else (this_run if dossiers == 1_000_000 else None, _previous(results_dir, 10_000_000))
    )
    for phase in ("tracking", "submissions"):
        if small and large:
            measured = _ratio(large["phases"][phase]["p50_ms"], small["phases"][phase]["p50_ms"])
            commits = [run.get("machine", {}).get("commit", "")[:12] for run in (large, small)]
            note = "p50 at 10,000,000 dossiers (commit {}) / p50 at 1,000,000 (commit {})".format(*commits)
        else:
            measured = None
            note = "not measured: needs runs at 1,000,000 and 10,000,000 dossiers (BENCH_DOSSIERS)"
        found.append(
            _target(f"cost_growth_{phase}_p50_10m_vs_1m", measured, 1.5, "ratio", "lower", note=note)
        )
    officer = phases["officer_actions"]
    found.append(
        _target(
            "officer_actions_errors",
            officer.get("errors"),
            0,
            "errors",
            "lower",
            note=officer.get("note", ""),
        )
    )
    errors = sum(phases[name].get("errors", 0) for name in (*MEASURED_PHASES, "framework_floor"))
    found.append(_target("errors_in_measured_phases", errors, 0, "errors", "lower"))
    return found


def build(
    *,
    started,
    machine,
    settings,
    seeding,
    workload,
    submission_sql,
    phases,
    memory_kib,
    database,
    results_dir,
    phones=None,
) -> dict:
    floor = phases["framework_floor"].get("throughput_rps")
    for name in MEASURED_PHASES:
        if "note" in phases[name]:
            continue
        phases[name]["ratio_to_framework_floor"] = _ratio(phases[name]["throughput_rps"], floor)
    phases["tracking"]["ratio_to_database_floor"] = _ratio(
        phases["tracking"]["throughput_rps"], phases["database_floor_lookup"]["throughput_rps"]
    )
    phases["submissions"]["ratio_to_database_floor"] = _ratio(
        phases["submissions"]["throughput_rps"], phases["database_floor_submission"]["throughput_rps"]
    )
    dossiers = database["dossiers"]
    return {
        "date": started.isoformat(timespec="seconds"),
        "machine": machine,
        "settings": settings,
        "seeding": seeding,
        "workload": workload,
        "submission_sql": submission_sql,
        "phases": phases,
        "memory": {
            "peak_rss_per_worker_mib": [round(kib / 1024, 1) for kib in memory_kib],
            "peak_rss_max_mib": round(max(memory_kib) / 1024, 1) if memory_kib else None,
        },
        "database": {
            **database,
            "size_mib": round(database["size_bytes"] / MIB, 1),
            "size_mib_per_million_dossiers": round(database["size_bytes"] / MIB / dossiers * 1_000_000, 1)
            if dossiers
            else None,
        },
        "phones": phones,
        "targets": targets(phases, settings["dossiers"], results_dir, machine.get("commit", ""))
        + (phones["targets"] if phones else []),
    }


def _cell(value, digits=1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


# The parts of the stack whose CPU time a phase reports, in the order of the report's column (the
# mail server stands in for the province's SMTP relay, but it runs on this machine too).
CPU_PARTS = ("application server", "task worker", "mail server", "postgresql", "load generator")


def _cpu(parts: dict | None) -> str:
    if not parts:
        return "–"
    return " · ".join(_cell(parts.get(name), 2) for name in CPU_PARTS)


def markdown(results: dict) -> str:
    machine, settings = results["machine"], results["settings"]
    dirty = " (uncommitted changes)" if machine["working_tree_dirty"] else ""
    seeding = results["seeding"]
    lines = [
        f"# tinhso benchmark, {settings['dossiers']:,} dossiers",
        "",
        f"{results['date']} · commit `{machine['commit'][:12]}`{dirty} · {machine['cores']} cores, "
        f"{machine['memory_gib']} GiB ({machine['cpu']}) · Python {machine['python']} · load average "
        f"{machine.get('load_average_before_phases')} before the phases, "
        f"{machine.get('load_average_after_phases')} after",
        "",
        f"{machine['note']} gunicorn {settings['gunicorn_workers']} sync workers, DEBUG off, task worker "
        f"running; wrk {settings['connections']} connections; pgbench {settings['pgbench_clients']} clients; "
        f"each phase {settings['phase_seconds']:g} s (at most {settings['max_requests_per_phase']:,} "
        f"requests) after a {settings['warmup_seconds']:g} s warm-up.",
        "",
        f"Seeding: {seeding['dossiers']:,} dossiers and {seeding['citizens']:,} citizens in "
        f"{seeding['seconds']:,} s (schema and demo data {seeding['schema_and_demo_seconds']} s).",
        "",
        "| Phase | Endpoint | req/s | p50 ms | p95 ms | p99 ms | errors | × framework floor "
        f"| × database floor | CPU ms per request ({' · '.join(CPU_PARTS)}) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, phase in results["phases"].items():
        if "note" in phase:
            lines.append(f"| {name} | `{phase['endpoint']}` | {phase['note']} | | | | | | | |")
            continue
        lines.append(
            f"| {name} | `{phase['endpoint']}` | {_cell(phase['throughput_rps'])} | "
            f"{_cell(phase['p50_ms'])} | {_cell(phase['p95_ms'])} | {_cell(phase['p99_ms'])} | "
            f"{phase['errors']} | {_cell(phase.get('ratio_to_framework_floor'), 2)} | "
            f"{_cell(phase.get('ratio_to_database_floor'), 2)} | {_cpu(phase.get('cpu_ms_per_request'))} |"
        )
    for name, phase in results["phases"].items():
        if sent := phase.get("notifications"):
            lines += [
                "",
                f"{name}: {sent['queued_at_end']:,} notifications were still waiting when the phase ended; "
                f"the task worker sent them in the next {sent['seconds_to_send_them']:g} s "
                f"({sent['left_after_waiting']:,} left) and the next phase started after that "
                f"({sent['sent_so_far']:,} sent so far in the run by {sent['sender_tasks_so_far']:,} "
                "sender tasks).",
            ]
    reads = [
        f"{name} {_cell(phase['disk_kib_read_per_request'], 1)}"
        for name, phase in results["phases"].items()
        if phase.get("disk_kib_read_per_request")
    ]
    if cache := machine.get("memory_before_phases"):
        lines += [
            "",
            f"Page cache before the phases: {cache['page_cache_mib']:,} MiB "
            f"({cache['free_mib']:,} MiB free). Read from disk during the phases, KiB per request "
            f"(whole machine): {', '.join(reads) or 'nothing'}.",
        ]
    if results.get("phones"):
        lines.append(phones_phase.markdown(results["phones"]).rstrip("\n"))
    database, memory = results["database"], results["memory"]
    peaks = ", ".join(f"{value} MiB" for value in memory["peak_rss_per_worker_mib"])
    lines += [
        "",
        f"Peak RSS per gunicorn worker: {peaks}. Database: {database['size_mib']:,} MiB for "
        f"{database['dossiers']:,} dossiers, {_cell(database['size_mib_per_million_dossiers'])} MiB per "
        "million dossiers.",
        f"One real submission runs {results['submission_sql']['count']} SQL statements "
        f"({results['submission_sql']['writes']} writes) in a fresh process; bench/pgbench/submit.sql "
        "replays them as a warm process runs them (the procedure, its documents and agencies, the "
        "communes and the flow are then read from the process's reference copies).",
        "",
        "| Target | Measured | Target | Unit | Met |",
        "|---|---:|---:|---|---|",
    ]
    for target in results["targets"]:
        measured = _cell(target["measured"], 3) if target["measured"] is not None else target.get("note", "–")
        if target["measured"] is not None and target.get("note"):
            measured += f" ({target['note']})"
        lines.append(
            f"| {target['name']} | {measured} | {target['target']} | {target['unit']} | "
            f"{'yes' if target['met'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def write(results: dict, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, ensure_ascii=False, indent=2) + "\n"
    paths = [
        directory / "latest.json",
        directory / "latest.md",
        directory / f"dossiers-{results['settings']['dossiers']}.json",
    ]
    paths[0].write_text(text)
    paths[1].write_text(markdown(results))
    paths[2].write_text(text)
    return paths
