"""Schema fuzzing of the whole API (issue 16, finding 9): schemathesis runs every operation of
``/api/v1/openapi.json`` against gunicorn serving a small province on a PostgreSQL of the test's
own, anonymously, as a citizen and as an officer (one-stop officer of a desk and province
administrator), each with a bearer token. Every answer must be declared by the document: no 5xx,
no undeclared status, the declared content type, a body valid against the declared schema.

``make fuzz`` (scripts/fuzz.sh) runs the same with many more examples: ``FUZZ_MAX_EXAMPLES``
cases per operation and phase (200 there, 4 here: about a minute in all on a quiet machine).
"""

import json
import os
import re
import subprocess

import pytest
import requests

from tests.pgserver import ROOT, free_port
from tests.province import database, environment, gunicorn, seed, stop, wait_until_up

pytestmark = [pytest.mark.ops, pytest.mark.django_db]

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "4"))
STEPS = ["refuse", "supplement", "payment", "cash", "extend", "stop", "grant_withdrawal", "refuse_withdrawal"]


@pytest.fixture
def served(tmp_path):
    with database("/tmp/tinhso-fuzz-") as server:
        env = environment(server, tmp_path / "media")
        seeded = seed(env)
        port = free_port()
        with (tmp_path / "gunicorn.log").open("w") as log:
            process = gunicorn(port, env, log)
            try:
                wait_until_up(f"http://127.0.0.1:{port}", process)
                yield {"base": f"http://127.0.0.1:{port}", "seed": seeded}
            finally:
                stop([process])


def configuration(seeded: dict) -> str:
    """Half the path parameters name the province's real objects (a random code is only ever
    a 404): schemathesis's dictionaries, one per kind of object."""
    dictionaries = {
        "units": ["82", "28261"],
        "agencies": ["H20", "H20.201.01", "H20.201"],
        "procedures": [seeded["procedure"]],
        "dossiers": [seeded["dossier"]["code"]],
        "pks": [seeded["dossier"]["id"]],
        "actions": seeded["actions"] or ["tiep_nhan"],
        "steps": STEPS,
    }
    bindings = [
        (r"^/api/v1/units/\{code\}$", {"path.code": "units"}),
        (r"^/api/v1/agencies/\{code\}", {"path.code": "agencies"}),
        (r"^/api/v1/procedures/\{code\}$", {"path.code": "procedures"}),
        (r"^/api/v1/dossiers/\{code\}", {"path.code": "dossiers"}),
        (r"^/api/v1/mot-cua/dossiers/\{pk\}$", {"path.pk": "pks"}),
        (r"^/api/v1/mot-cua/dossiers/\{pk\}/actions/", {"path.pk": "pks", "path.key": "actions"}),
        (r"^/api/v1/mot-cua/dossiers/\{pk\}/steps/", {"path.pk": "pks", "path.key": "steps"}),
    ]
    lines = ["[dictionaries]"]
    lines += [f"{name} = {{ values = {json.dumps(values)} }}" for name, values in dictionaries.items()]
    for regex, parameters in bindings:
        lines += ["", "[[operations]]", f"include-path-regex = {json.dumps(regex)}"]
        lines.append(
            "parameters = { "
            + ", ".join(
                f'"{key}" = {{ dictionary = "{name}", probability = 0.5 }}'
                for key, name in parameters.items()
            )
            + " }"
        )
    return "\n".join(lines) + "\n"


def fuzz(base: str, config, token: str | None) -> dict:
    """One schemathesis run over every operation; returns its figures and its output."""
    headers = ["--header", f"Authorization: Bearer {token}"] if token else []
    run = subprocess.run(
        [
            *(str(ROOT / ".venv/bin/st"), "--config-file", str(config), "run", f"{base}/api/v1/openapi.json"),
            *("--checks", CHECKS, "--max-examples", str(MAX_EXAMPLES), "--continue-on-failure"),
            *("--phases", "examples,coverage,fuzzing", "--workers", "1", "--no-shrink"),
            *("--request-timeout", "30", "--seed", os.environ.get("FUZZ_SEED", "16")),
            *("--suppress-health-check", "all", "--warnings", "off", "--output-truncate", "false"),
            *headers,
        ],
        cwd=config.parent,  # schemathesis keeps a cache where it runs
        capture_output=True,
        text=True,
        timeout=3600,
    )
    output = run.stdout + run.stderr
    tested = re.search(r"Tested: (\d+)", output)
    cases = re.search(r"(\d+) generated", output)
    failures = re.search(r"(\d+) unique failures?", output)
    return {
        "returncode": run.returncode,
        "output": output,
        "operations": int(tested.group(1)) if tested else 0,
        "cases": int(cases.group(1)) if cases else 0,
        "failures": int(failures.group(1)) if failures else 0,
    }


def test_every_operation_answers_as_its_schema_says(served, tmp_path):
    seeded = served["seed"]
    config = tmp_path / "schemathesis.toml"
    config.write_text(configuration(seeded))
    document = requests.get(f"{served['base']}/api/v1/openapi.json", timeout=10).json()
    operations = sum(len(path) for path in document["paths"].values())
    # gunicorn answers a URL too long itself (found by schema fuzzing): declared, without a body schema.
    long_url = requests.get(f"{served['base']}/api/v1/units/", params={"q": "x" * 5000}, timeout=10)
    declared = document["paths"]["/api/v1/units/"]["get"]["responses"]
    assert long_url.status_code == 414 and "content" not in declared["414"]
    runs = {
        identity: fuzz(served["base"], config, token)
        for identity, token in (
            ("anonymous", None),
            # The officer first: the citizen's run withdraws the dossier the officer would handle.
            ("officer", seeded["officer"]["token"]),
            ("citizen", seeded["citizen"]["token"]),
        )
    }
    figures = ", ".join(
        f"{identity}: {run['operations']}/{operations} operations, {run['cases']} cases, "
        f"{run['failures']} failures"
        for identity, run in runs.items()
    )
    print(f"schema fuzzing ({MAX_EXAMPLES} examples per operation and phase): {figures}")
    failed = {identity: run["output"] for identity, run in runs.items() if run["returncode"] != 0}
    assert not failed, "\n\n".join(f"=== {identity}\n{output}" for identity, output in failed.items())
    assert all(run["operations"] == operations and run["cases"] > operations for run in runs.values()), (
        figures
    )
