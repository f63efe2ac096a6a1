#!/usr/bin/env bash
# The whole test suite: lint, type check, migrations check, unit + integration tests on PostgreSQL,
# browser tests in Debian's chromium, and a smoke test of the SQLite demo.
# Uses DATABASE_URL when set; otherwise starts a throwaway PostgreSQL and removes it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh test

if [ -z "${DATABASE_URL:-}" ]; then
    pgdir=$(mktemp -d /tmp/tinhso-testdb.XXXXXX)
    trap 'scripts/pg-throwaway.sh stop "$pgdir"' EXIT
    database_setting=$(scripts/pg-throwaway.sh start "$pgdir")
    export "${database_setting:?the throwaway PostgreSQL did not start}"
fi
echo "Test database: ${DATABASE_URL%%\?*}"

export DJANGO_SETTINGS_MODULE=tinhso.settings_test
export DJANGO_ALLOW_ASYNC_UNSAFE=true
unset DEBUG
# The suite starts many Python processes (pytest's workers, gunicorn, task workers, the seeding
# scripts): each reuses the bytecode of the project's modules and pytest's rewritten test modules
# instead of compiling them again (with PYTHONDONTWRITEBYTECODE set, a pytest process alone spends
# ~9 s of CPU on it).
unset PYTHONDONTWRITEBYTECODE

.venv/bin/ruff check .
make --no-print-directory typecheck
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null \
    || { echo "Models changed without migrations: run manage.py makemigrations" >&2; exit 1; }
# In parallel (pytest-xdist), one worker per core unless TEST_WORKERS says otherwise; each worker
# has its own test database; conftest.py keeps the demo journeys on one worker. Coverage is
# reported (terminal summary, HTML in var/coverage/), never a gate.
.venv/bin/python -m pytest -n "${TEST_WORKERS:-auto}" --dist load --cov --cov-report=term --cov-report=html "$@"
