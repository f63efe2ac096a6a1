#!/usr/bin/env bash
# Nightly base backup of the PostgreSQL cluster, for point-in-time recovery with the WAL archive.
#   scripts/backup.sh            -> BACKUP_DIR/base/<UTC time>/base.tar.gz (+ backup_manifest)
# Run it as the postgres user on the database server (deploy/tinhso-backup.service does). Between
# base backups PostgreSQL copies every finished WAL segment to WAL_ARCHIVE (archive_command,
# deploy/postgresql-archiving.conf); together they restore the database to any moment since the
# oldest base backup kept (scripts/restore-drill.sh proves it). Keeps BACKUP_KEEP base backups
# (default 7) and removes the WAL segments older than the oldest one kept.
# Settings: BACKUP_DIR (/var/backups/tinhso), WAL_ARCHIVE (BACKUP_DIR/wal), BACKUP_KEEP, and the
# connection through libpq's PGHOST, PGPORT, PGUSER (default: the local server's socket).
set -euo pipefail

BACKUP_DIR=${BACKUP_DIR:-/var/backups/tinhso}
WAL_ARCHIVE=${WAL_ARCHIVE:-$BACKUP_DIR/wal}
BACKUP_KEEP=${BACKUP_KEEP:-7}

pg_tool() {
    local tool=$1 candidate
    shift
    if command -v "$tool" >/dev/null; then "$tool" "$@"; return; fi
    for candidate in /usr/lib/postgresql/*/bin/"$tool"; do :; done
    "$candidate" "$@"
}

[ -d "$WAL_ARCHIVE" ] || { echo "The WAL archive $WAL_ARCHIVE does not exist: set up archiving first" >&2; exit 1; }
mkdir -p "$BACKUP_DIR/base"
target="$BACKUP_DIR/base/$(date -u +%Y%m%dT%H%M%SZ)"
# Tar format, compressed; the WAL comes from the archive (-X none), which pg_basebackup waits for.
pg_tool pg_basebackup -D "$target.partial" -F tar -z -X none --checkpoint=fast --label "tinhso $(date -u -Iseconds)"
mv "$target.partial" "$target"
tar -xzOf "$target/base.tar.gz" backup_label >"$target/backup_label"
echo "Base backup: $target ($(du -sh "$target" | cut -f1))"

mapfile -t backups < <(find "$BACKUP_DIR/base" -mindepth 1 -maxdepth 1 -type d -name '*Z' | sort)
excess=$((${#backups[@]} - BACKUP_KEEP))
for ((i = 0; i < excess; i++)); do
    rm -rf "${backups[$i]}"
    echo "Removed the old base backup ${backups[$i]}"
done
oldest=$(find "$BACKUP_DIR/base" -mindepth 1 -maxdepth 1 -type d -name '*Z' | sort | head -1)
first_wal=$(sed -n 's/^START WAL LOCATION: .* (file \([0-9A-F]*\))$/\1/p' "$oldest/backup_label")
pg_tool pg_archivecleanup "$WAL_ARCHIVE" "$first_wal"
