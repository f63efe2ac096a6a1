#!/usr/bin/env bash
# The long schema-fuzzing run over the whole API (tests/test_api_fuzz.py with many more examples):
# FUZZ_MAX_EXAMPLES cases per operation and phase (default 200), FUZZ_SEED to vary or replay a run.
# Uses DATABASE_URL when set; otherwise starts a throwaway PostgreSQL and removes it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh test

if [ -z "${DATABASE_URL:-}" ]; then
    pgdir=$(mktemp -d /tmp/tinhso-fuzzdb.XXXXXX)
    trap 'scripts/pg-throwaway.sh stop "$pgdir"' EXIT
    database_setting=$(scripts/pg-throwaway.sh start "$pgdir")
    export "${database_setting:?the throwaway PostgreSQL did not start}"
fi

export DJANGO_SETTINGS_MODULE=tinhso.settings_test
export DJANGO_ALLOW_ASYNC_UNSAFE=true
export FUZZ_MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-200}
unset DEBUG

.venv/bin/python -m pytest tests/test_api_fuzz.py -p no:randomly -s "$@"
