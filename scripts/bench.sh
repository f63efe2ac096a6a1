#!/usr/bin/env bash
# `make bench`: the benchmark (bench/run.py) on a throwaway PostgreSQL, in the production
# configuration. Settings: BENCH_DOSSIERS (default 1000000), BENCH_PHASE_SECONDS (20),
# BENCH_MAX_REQUESTS, BENCH_WARMUP_SECONDS, BENCH_WORKERS. Results go to bench/results/.
# It reports targets as met or not; it never fails a build because a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh test

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "Need root to run: $*" >&2; exit 1; fi
}
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v pgbench >/dev/null || ls /usr/lib/postgresql/*/bin/pgbench >/dev/null 2>&1 || missing+=(postgresql-contrib)
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# pgbench lives next to the server binaries when it is not on the PATH.
if ! command -v pgbench >/dev/null; then
    PATH="$(dirname "$(ls /usr/lib/postgresql/*/bin/pgbench | tail -1)"):$PATH"
    export PATH
fi

exec .venv/bin/python -m bench.run "$@"
