#!/usr/bin/env bash
# Restore drill: restore a base backup and the WAL archive to a point in time, in a fresh data
# directory on a private server, then check what came back: the audit trail (manage.py
# verify_audit, every hash and link), the row counts, and that nothing is newer than the target.
#   scripts/restore-drill.sh BASE_BACKUP_DIR WAL_ARCHIVE 'YYYY-MM-DD HH:MM:SS+07' [EXPECTED_COUNTS]
# BASE_BACKUP_DIR holds base.tar.gz (scripts/backup.sh); the target time must be after that
# backup ended. EXPECTED_COUNTS is an optional file of "table count" lines (the counts printed by
# a previous drill, or noted at the target time): any difference fails the drill.
# The restored server listens on 127.0.0.1 only and never archives. Settings: DRILL_DATABASE
# (tinhso), DRILL_USER (tinhso), DRILL_KEEP=1 keeps the restored server running and its directory.
# The platform's settings (SECRET_KEY...) come from the environment, as for manage.py.
# Exit status 0 only when recovery reached the target, the trail is intact and the counts match.
set -euo pipefail
cd "$(dirname "$0")/.."

base=$(realpath "$1")
archive=$(realpath "$2")
target_time=$3
expected=${4:-}
database=${DRILL_DATABASE:-tinhso}
user=${DRILL_USER:-tinhso}
COUNTED=(audit_auditentry audit_auditanchor accounts_user dossiers_dossier dossiers_attachment
    dossiers_notification feedback_report payments_payment payments_receipt signing_signeddocument)

bin=
for candidate in /usr/lib/postgresql/*/bin; do [ -x "$candidate/pg_ctl" ] && bin=$candidate; done
[ -n "$bin" ] || bin=$(dirname "$(command -v pg_ctl)")
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

work=$(mktemp -d /tmp/tinhso-restore-drill.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres "$work"
cleanup() {
    if [ "${DRILL_KEEP:-0}" != 1 ]; then
        as_owner "$bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$work"
    fi
}
trap cleanup EXIT
fail() { echo "RESTORE DRILL FAILED: $*" >&2; exit 1; }

echo "Restoring $base up to $target_time into $work/data"
as_owner mkdir -m 700 "$work/data"
as_owner tar -xzf "$base/base.tar.gz" -C "$work/data"
as_owner touch "$work/data/recovery.signal"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The cluster's own configuration files stay out of the drill (on Debian they live in /etc):
# a configuration of its own, and recovery settings nothing in the backup can override.
as_owner tee "$work/postgresql.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$work'
hba_file = '$work/pg_hba.conf'
ident_file = '$work/pg_ident.conf'
restore_command = 'cp $archive/%f %p'
recovery_target_time = '$target_time'
recovery_target_action = 'promote'
CONF
printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' | as_owner tee "$work/pg_hba.conf" >/dev/null
as_owner touch "$work/pg_ident.conf"
as_owner "$bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w -t 300 \
    -o "-c config_file=$work/postgresql.conf -c archive_mode=off" start \
    >/dev/null || {
    tail -20 "$work/server.log" >&2
    grep -q "recovery ended before configured recovery target" "$work/server.log" &&
        fail "the archive ends before $target_time (nothing was committed after it yet?)"
    fail "the server did not start"
}

psql_drill() { "$bin/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$user" -d "$database" "$@"; }
for _ in $(seq 600); do
    state=$(psql_drill -c 'SELECT pg_is_in_recovery()' 2>/dev/null || echo down)
    [ "$state" = f ] && break
    if [ "$state" = down ] && ! as_owner "$bin/pg_ctl" -D "$work/data" status >/dev/null 2>&1; then
        tail -20 "$work/server.log" >&2
        fail "recovery stopped before reaching the target"
    fi
    sleep 0.5
done
[ "$state" = f ] || fail "recovery did not finish in 5 minutes"
grep -E "recovery stopping|last completed transaction" "$work/server.log" || true

export DATABASE_URL="postgres://$user@127.0.0.1:$port/$database"
.venv/bin/python manage.py verify_audit || fail "the audit trail is broken"

newest=$(psql_drill -c "SELECT coalesce(max(at) > '$target_time'::timestamptz, false) FROM audit_auditentry")
[ "$newest" = f ] || fail "the restored data has audit entries after the target time"

counts="$work/counts"
for table in "${COUNTED[@]}"; do
    if [ "$(psql_drill -c "SELECT to_regclass('$table') IS NOT NULL")" = t ]; then
        echo "$table $(psql_drill -c "SELECT count(*) FROM $table")"
    fi
done | tee "$counts"
if [ -n "$expected" ]; then
    while read -r table want; do
        have=$(awk -v table="$table" '$1 == table {print $2}' "$counts")
        [ "$have" = "$want" ] || fail "$table: $have rows restored, $want expected"
    done <"$expected"
fi
echo "Restore drill passed: restored to $target_time, audit trail intact, counts as printed."
