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
    "statistics_page",
    "ioc_dashboard",
    "statistics_page_alone",
    "ioc_dashboard_alone",
    "officer_inbox",
    "officer_inbox_filter",
    "officer_inbox_search",
    "officer_dossier_page",
    "officer_actions",
    "officer_processing",
    "deadline_day_mix",
    "document_numbering",
    "document_registering",
    "document_inbox_year",
    "open_data_search",
    "open_data_datastore",
    "open_data_page",
)
MIB = 1024 * 1024
# The deadline-day mix, in percent of the requests (issue 19).
MIX_SHARES = {"tracking": 80, "search": 10, "submissions": 5, "officer_actions": 5}
# The capacity figure's assumption: a person sends a request every THINK_SECONDS on average
# (reads a page, fills in a form or looks at a dossier between two requests).
THINK_SECONDS = 30
# Latency targets, as a multiple of the framework floor's p50 in the same run (issue 19).
OFFICER_PAGES = ("officer_inbox", "officer_inbox_filter", "officer_inbox_search", "officer_dossier_page")
LEADER_PAGES = ("statistics_page", "ioc_dashboard", "statistics_province_year")
OFFICER_PAGE_MULTIPLE, LEADER_PAGE_MULTIPLE = 5, 10
# Procedure search had "p50 ≤ 10 ms" when the committed runs' floor p50 was 4.5 ms: 2.2 × the floor.
SEARCH_MULTIPLE = 2.2
TAIL_MULTIPLE, OFFICER_TAIL_MULTIPLE = 5, 3
PEAK_RSS_MIB = 250
GROWTH_LIMIT = 1.5
# Issue 18: the operations centre answers one leader in under 200 ms at 10 million dossiers.
IOC_ALONE_P50_MS = 200


def _ratio(a, b):
    return round(a / b, 3) if a and b else None


def _target(name, measured, target, unit, better, note="", **extra) -> dict:
    met = False if measured is None else measured >= target if better == "higher" else measured <= target
    entry = {"name": name, "measured": measured, "target": target, "unit": unit, "met": met}
    if note:
        entry["note"] = note
    entry.update(extra)
    return entry


def _p50_vs_floor(phases: dict, name: str, multiple: float) -> dict:
    phase, floor = phases[name], phases["framework_floor"].get("p50_ms")
    measured = _ratio(phase.get("p50_ms"), floor) if phase.get("requests") else None
    return _target(
        f"{name}_p50_vs_framework_floor_p50",
        measured,
        multiple,
        "× the framework floor's p50",
        "lower",
        note=phase.get("note", "") if measured is None else f"p50 {phase['p50_ms']:g} ms, floor {floor:g} ms",
    )


# Reference measurements of the machine, not of the platform: nobody waits on them. Their tails
# are reported with every phase's but do not count in the platform's tail-latency target.
REFERENCE_PHASES = frozenset(
    {"framework_floor", "database_floor_lookup", "database_floor_submission", "gateway_direct"}
)


def _tails(phases: dict) -> dict:
    """Every platform phase's p99 against its own p50: the worst one is the target's figure."""
    ratios = {
        name: phase["p99_over_p50"]
        for name, phase in phases.items()
        if phase.get("p99_over_p50") and name not in REFERENCE_PHASES
    }
    # The mix's classes differ by tens of milliseconds: each class is a phase of its own here.
    ratios.pop("deadline_day_mix", None)
    for name, figures in phases.get("deadline_day_mix", {}).get("classes", {}).items():
        if figures["requests"] and figures["p50_ms"]:
            ratios[f"deadline_day_mix.{name}"] = _ratio(figures["p99_ms"], figures["p50_ms"])
    worst = max(ratios, key=ratios.get) if ratios else None
    over = sorted(name for name, ratio in ratios.items() if ratio > TAIL_MULTIPLE)
    note = f"worst: {worst}" + (f"; over {TAIL_MULTIPLE}: {', '.join(over)}" if over else "")
    references = [
        f"{name} {phases[name]['p99_over_p50']:g}"
        for name in sorted(REFERENCE_PHASES)
        if phases.get(name, {}).get("p99_over_p50")
    ]
    if references:
        note += f"; the floors, not counted: {', '.join(references)}"
    return _target(
        "every_phase_p99_vs_own_p50",
        ratios.get(worst),
        TAIL_MULTIPLE,
        "× the phase's own p50",
        "lower",
        note=note if worst else "not measured",
    )


def _officer_action_targets(phases: dict, name: str, floor) -> list[dict]:
    """An officer-action phase's throughput against the framework floor and its tail."""
    phase = phases.get(name, {"note": "not measured"})
    return [
        _target(
            f"{name}_vs_framework_floor",
            _ratio(phase.get("throughput_rps"), floor),
            0.3,
            "ratio of throughputs",
            "higher",
            note=phase.get("note", ""),
        ),
        _target(
            f"{name}_p99_vs_own_p50",
            phase.get("p99_over_p50"),
            OFFICER_TAIL_MULTIPLE,
            "× the phase's own p50",
            "lower",
            note=phase.get("note", ""),
        ),
    ]


def targets(phases: dict, memory: dict, dossiers: int) -> list[dict]:
    """The targets of one round (one database size); every latency target is a ratio to the
    framework floor's p50 measured in the same round, the absolute figures go in the notes."""
    floor = phases["framework_floor"].get("throughput_rps")
    db_submit = phases["database_floor_submission"].get("throughput_rps")
    lower_floor = min(value for value in (floor, db_submit) if value) if (floor or db_submit) else None
    officer, processing = phases["officer_actions"], phases.get("officer_processing", {})
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
        _p50_vs_floor(phases, "procedure_search", SEARCH_MULTIPLE),
        *(_p50_vs_floor(phases, name, OFFICER_PAGE_MULTIPLE) for name in OFFICER_PAGES),
        *(_p50_vs_floor(phases, name, LEADER_PAGE_MULTIPLE) for name in LEADER_PAGES),
        *_officer_action_targets(phases, "officer_actions", floor),
        *_officer_action_targets(phases, "officer_processing", floor),
        _target(
            "officer_actions_errors",
            None if officer.get("errors") is None else officer["errors"] + processing.get("errors", 0),
            0,
            "errors",
            "lower",
            note=officer.get("note", "reception and processing"),
        ),
        _tails(phases),
        _target("peak_rss_per_worker", memory["peak_rss_max_mib"], PEAK_RSS_MIB, "MiB", "lower"),
        _target(
            "ioc_dashboard_alone_p50",
            phases["ioc_dashboard_alone"].get("p50_ms"),
            IOC_ALONE_P50_MS,
            "ms",
            "lower",
            note=phases["ioc_dashboard_alone"].get("note", "one leader alone (one connection)"),
        ),
    ]
    errors = sum(phases[name].get("errors", 0) for name in (*MEASURED_PHASES, "framework_floor"))
    found.append(_target("errors_in_measured_phases", errors, 0, "errors", "lower"))
    for entry in found:
        entry["dossiers"] = dossiers
    return found


def capacity(phases: dict) -> dict | None:
    """How many people one application-server core carries, from the deadline-day mix: the
    application server's CPU per request of the mix gives the requests one core serves per
    second; each person sends one every THINK_SECONDS."""
    mix = phases.get("deadline_day_mix", {})
    parts = mix.get("cpu_ms_per_request") or {}
    if not mix.get("requests") or not parts.get("application server"):
        return None
    per_core = 1000 / parts["application server"]
    people = per_core * THINK_SECONDS
    total = sum(parts.values())
    officers = MIX_SHARES["officer_actions"] / 100
    return {
        "application_cpu_ms_per_request": parts["application server"],
        "requests_per_second_per_core": round(per_core, 1),
        "think_seconds": THINK_SECONDS,
        "people_per_core": round(people),
        "citizens_per_core": round(people * (1 - officers)),
        "officers_per_core": round(people * officers),
        "cpu_share": {name: round(value / total, 3) for name, value in parts.items()} if total else {},
        "method": (
            "one application-server core serves 1000 / (the application server's CPU ms per request "
            f"in the mix) requests a second; each person sends one every {THINK_SECONDS} s on average, "
            "so a core carries that many requests a second × "
            f"{THINK_SECONDS} people at once, in the mix's shares (officers "
            f"{MIX_SHARES['officer_actions']} %). PostgreSQL, the task worker and the mail server are "
            "sized apart, from their own CPU per request."
        ),
    }


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
    phones=None,
) -> dict:
    floor = phases["framework_floor"].get("throughput_rps")
    floor_p50 = phases["framework_floor"].get("p50_ms")
    for name, phase in phases.items():
        if phase.get("requests") and phase.get("p50_ms"):
            phase["p99_over_p50"] = _ratio(phase["p99_ms"], phase["p50_ms"])
            if not name.startswith("database_floor"):
                phase["p50_vs_framework_floor_p50"] = _ratio(phase["p50_ms"], floor_p50)
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
    memory = {
        "peak_rss_per_worker_mib": [round(kib / 1024, 1) for kib in memory_kib],
        "peak_rss_max_mib": round(max(memory_kib) / 1024, 1) if memory_kib else None,
    }
    return {
        "date": started.isoformat(timespec="seconds"),
        "machine": machine,
        "settings": settings,
        "seeding": seeding,
        "workload": workload,
        "submission_sql": submission_sql,
        "phases": phases,
        "capacity": capacity(phases),
        "memory": memory,
        "database": {
            **database,
            "size_mib": round(database["size_bytes"] / MIB, 1),
            "size_mib_per_million_dossiers": round(database["size_bytes"] / MIB / dossiers * 1_000_000, 1)
            if dossiers
            else None,
        },
        "phones": phones,
        "targets": [
            *targets(phases, memory, settings["dossiers"]),
            *(phones["targets"] if phones else []),
            *(
                _target(
                    f"cost_growth_{name}_p50",
                    None,
                    GROWTH_LIMIT,
                    "ratio",
                    "lower",
                    note="not measured: needs a growth run (BENCH_GROWTH=1), never across runs",
                )
                for name in GROWTH_TARGETS
            ),
        ],
    }


# The phases whose cost growth is a target (the p50, relative to the framework floor's p50 of
# the same round, at the second size over the first).
GROWTH_TARGETS = ("tracking", "submissions", "officer_inbox", "officer_dossier_page")


def growth(rounds: list[dict]) -> dict:
    """One growth run's report: the second (larger) round as the main figures, the first round
    kept whole, and each phase's growth from the first size to the second in this one run."""
    small, large = rounds
    per_phase = {}
    for name, phase in large["phases"].items():
        before = small["phases"].get(name, {})
        if not phase.get("requests") or not before.get("requests"):
            continue
        per_phase[name] = {
            "p50_ms": [before["p50_ms"], phase["p50_ms"]],
            "p50_growth": _ratio(phase["p50_ms"], before["p50_ms"]),
            "p50_vs_floor_growth": _ratio(
                phase.get("p50_vs_framework_floor_p50"), before.get("p50_vs_framework_floor_p50")
            ),
            "throughput_growth": _ratio(phase["throughput_rps"], before["throughput_rps"]),
            "p99_growth": _ratio(phase["p99_ms"], before["p99_ms"]),
        }
    sizes = [small["settings"]["dossiers"], large["settings"]["dossiers"]]
    found = [target for target in small["targets"] if not target["name"].startswith("cost_growth_")]
    found += [target for target in large["targets"] if not target["name"].startswith("cost_growth_")]
    for name in GROWTH_TARGETS:
        figures = per_phase.get(name)
        found.append(
            _target(
                f"cost_growth_{name}_p50",
                figures["p50_vs_floor_growth"] if figures else None,
                GROWTH_LIMIT,
                "ratio",
                "lower",
                note=(
                    f"p50 × floor p50 at {sizes[1]:,} over at {sizes[0]:,} dossiers, in this run "
                    f"(p50 {figures['p50_ms'][0]:g} → {figures['p50_ms'][1]:g} ms)"
                    if figures
                    else "not measured"
                ),
            )
        )
    return {
        **large,
        "targets": found,
        "growth": {"sizes": sizes, "per_phase": per_phase, "first_round": small},
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


def _phases_table(phases: dict) -> list[str]:
    lines = [
        "| Phase | Endpoint | req/s | p50 ms | p95 ms | p99 ms | errors | p50 × floor p50 | p99 / p50 "
        f"| × framework floor | × database floor | CPU ms per request ({' · '.join(CPU_PARTS)}) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, phase in phases.items():
        if "note" in phase:
            lines.append(f"| {name} | `{phase['endpoint']}` | {phase['note']} | | | | | | | | | |")
            continue
        lines.append(
            f"| {name} | `{phase['endpoint']}` | {_cell(phase['throughput_rps'])} | "
            f"{_cell(phase['p50_ms'])} | {_cell(phase['p95_ms'])} | {_cell(phase['p99_ms'])} | "
            f"{phase['errors']} | {_cell(phase.get('p50_vs_framework_floor_p50'), 2)} | "
            f"{_cell(phase.get('p99_over_p50'), 2)} | {_cell(phase.get('ratio_to_framework_floor'), 2)} | "
            f"{_cell(phase.get('ratio_to_database_floor'), 2)} | {_cpu(phase.get('cpu_ms_per_request'))} |"
        )
    return lines


def _mix(results: dict) -> list[str]:
    mix = results["phases"].get("deadline_day_mix", {})
    if not mix.get("classes"):
        return []
    floor = results["phases"]["framework_floor"].get("p50_ms")
    lines = [
        "",
        f"Deadline-day mix ({results['settings']['mix_seconds']:g} s, {mix['connections']} connections, "
        f"{mix['requests']:,} requests, {_cell(mix['throughput_rps'])} req/s):",
        "",
        "| Class | share % | requests | p50 ms | p99 ms | p50 × floor p50 | p99 / p50 | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, figures in mix["classes"].items():
        lines.append(
            f"| {name} | {MIX_SHARES[name]} | {figures['requests']:,} | {_cell(figures['p50_ms'])} | "
            f"{_cell(figures['p99_ms'])} | {_cell(_ratio(figures['p50_ms'], floor), 2)} | "
            f"{_cell(_ratio(figures['p99_ms'], figures['p50_ms']), 2)} | {figures['errors']} |"
        )
    if short := mix["classes"]["officer_actions"].get("replaced_by_tracking"):
        lines += ["", f"{short:,} officer actions were sent as tracking lookups: no dossier was left."]
    if capacity := results.get("capacity"):
        shares = ", ".join(f"{name} {share:.0%}" for name, share in capacity["cpu_share"].items())
        lines += [
            "",
            f"CPU split of the mix: {shares} ({_cpu(mix['cpu_ms_per_request'])} ms per request).",
            "",
            f"One application-server core carries about **{capacity['people_per_core']:,} concurrent "
            f"people** ({capacity['citizens_per_core']:,} citizens and {capacity['officers_per_core']:,} "
            f"officers): {capacity['requests_per_second_per_core']:,} requests a second at "
            f"{capacity['application_cpu_ms_per_request']} ms of application CPU each. Method: "
            f"{capacity['method']}",
        ]
    return lines


def _round(results: dict) -> list[str]:
    """One round's figures: the phases, the mix, notifications, disk, memory and size."""
    machine = results["machine"]
    lines = _phases_table(results["phases"]) + _mix(results)
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
    database, memory, workload = results["database"], results["memory"], results["workload"]
    peaks = ", ".join(f"{value} MiB" for value in memory["peak_rss_per_worker_mib"])
    after = [
        f"{name} {phase['worker_peak_rss_mib_after']}"
        for name, phase in results["phases"].items()
        if phase.get("worker_peak_rss_mib_after")
    ]
    lines += [
        "",
        f"Peak RSS per gunicorn worker (VmHWM after the phases): {peaks}; the highest worker's, MiB, "
        f"after each phase: {', '.join(after) or 'not measured'}. Database: "
        f"{database['size_mib']:,} MiB for {database['dossiers']:,} dossiers, "
        f"{_cell(database['size_mib_per_million_dossiers'])} MiB per million dossiers. The busiest desk "
        f"({workload.get('busiest_desk')}) held {workload.get('busiest_desk_open_dossiers', 0):,} open "
        f"dossiers; the inbox search looked for “{workload.get('inbox_search_name')}”.",
        f"One real submission runs {results['submission_sql']['count']} SQL statements "
        f"({results['submission_sql']['writes']} writes) in a fresh process; bench/pgbench/submit.sql "
        "replays them as a warm process runs them (the procedure, its documents and agencies, the "
        "communes and the flow are then read from the process's reference copies).",
    ]
    return lines


def markdown(results: dict) -> str:
    machine, settings = results["machine"], results["settings"]
    dirty = " (uncommitted changes)" if machine["working_tree_dirty"] else ""
    seeding = results["seeding"]
    growth_run = results.get("growth")
    title = (
        f"growth from {growth_run['sizes'][0]:,} to {growth_run['sizes'][1]:,} dossiers in one run"
        if growth_run
        else f"{settings['dossiers']:,} dossiers"
    )
    lines = [
        f"# tinhso benchmark, {title}",
        "",
        f"{results['date']} · commit `{machine['commit'][:12]}`{dirty} · {machine['cores']} cores, "
        f"{machine['memory_gib']} GiB ({machine['cpu']}) · Python {machine['python']} · load average "
        f"{machine.get('load_average_before_phases')} before the phases, "
        f"{machine.get('load_average_after_phases')} after",
        "",
        f"{machine['note']} gunicorn {settings['gunicorn_workers']} sync workers, DEBUG off, task worker "
        f"running; wrk {settings['connections']} connections; pgbench {settings['pgbench_clients']} clients; "
        f"each phase {settings['phase_seconds']:g} s (at most {settings['max_requests_per_phase']:,} "
        f"requests) after a {settings['warmup_seconds']:g} s warm-up. Every latency target is a multiple "
        "of the framework floor's p50 measured in the same round.",
        "",
    ]
    if growth_run:
        first = growth_run["first_round"]
        lines += [
            f"Seeding: {first['seeding']['dossiers']:,} dossiers in {first['seeding']['seconds']:,} s, "
            f"the phases, then the same database grown by {seeding['dossiers']:,} dossiers in "
            f"{seeding['seconds']:,} s and the phases again (schema and demo data "
            f"{seeding['schema_and_demo_seconds']} s).",
            "",
            f"## At {growth_run['sizes'][0]:,} dossiers",
            "",
            *_round(first),
            "",
            f"## At {growth_run['sizes'][1]:,} dossiers (the same database, grown)",
            "",
            *_round(results),
            "",
            "## Growth in this run",
            "",
            f"Each phase at {growth_run['sizes'][1]:,} over at {growth_run['sizes'][0]:,} dossiers.",
            "",
            "| Phase | p50 ms | p50 growth | p50 × floor growth | p99 growth | throughput growth |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for name, figures in growth_run["per_phase"].items():
            lines.append(
                f"| {name} | {_cell(figures['p50_ms'][0])} → {_cell(figures['p50_ms'][1])} | "
                f"{_cell(figures['p50_growth'], 2)} | {_cell(figures['p50_vs_floor_growth'], 2)} | "
                f"{_cell(figures['p99_growth'], 2)} | {_cell(figures['throughput_growth'], 2)} |"
            )
    else:
        lines += [
            f"Seeding: {seeding['dossiers']:,} dossiers and {seeding['citizens']:,} citizens in "
            f"{seeding['seconds']:,} s (schema and demo data {seeding['schema_and_demo_seconds']} s).",
            "",
            *_round(results),
        ]
    lines += [
        "",
        "## Targets",
        "",
        "| Target | Dossiers | Measured | Target | Unit | Met |",
        "|---|---:|---:|---:|---|---|",
    ]
    for target in results["targets"]:
        measured = _cell(target["measured"], 3) if target["measured"] is not None else target.get("note", "–")
        if target["measured"] is not None and target.get("note"):
            measured += f" ({target['note']})"
        lines.append(
            f"| {target['name']} | {_cell(target.get('dossiers'))} | {measured} | {target['target']} | "
            f"{target['unit']} | {'yes' if target['met'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def write(results: dict, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, ensure_ascii=False, indent=2) + "\n"
    growth_run = results.get("growth")
    name = (
        "growth-{}-{}.json".format(*growth_run["sizes"])
        if growth_run
        else f"dossiers-{results['settings']['dossiers']}.json"
    )
    paths = [directory / "latest.json", directory / "latest.md", directory / name]
    paths[0].write_text(text)
    paths[1].write_text(markdown(results))
    paths[2].write_text(text)
    return paths
