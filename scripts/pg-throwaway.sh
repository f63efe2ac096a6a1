#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL server for the test suite.
#   scripts/pg-throwaway.sh start DIR   -> prints DATABASE_URL=...
#   scripts/pg-throwaway.sh stop DIR
# Uses the installed server binaries (Debian's postgresql package, installed by
# scripts/bootstrap.sh when missing). As root, the server runs as the postgres user.
set -euo pipefail

action=$1
dir=$2

pg_bin() {
    local candidate
    for candidate in /usr/lib/postgresql/*/bin; do
        [ -x "$candidate/initdb" ] && latest=$candidate
    done
    if [ -z "${latest:-}" ]; then
        command -v initdb >/dev/null && latest=$(dirname "$(command -v initdb)")
    fi
    [ -n "${latest:-}" ] || { echo "PostgreSQL server binaries not found" >&2; exit 1; }
    echo "$latest"
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case $action in
start)
    bin=$(pg_bin)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U tinhso --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
        "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U tinhso tinhso
    echo "DATABASE_URL=postgres://tinhso@127.0.0.1:$port/tinhso"
    ;;
stop)
    bin=$(pg_bin)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
