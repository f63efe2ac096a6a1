#!/usr/bin/env bash
# Start the demo: SQLite, the Đồng Tháp demo province, printed demo logins, http://127.0.0.1:8000.
#   DEMO_PORT (default 8000) and DEMO_DB (default var/demo.sqlite3) can be changed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh demo

port=${DEMO_PORT:-8000}
mkdir -p var/static
export TINHSO_DEMO=1
export DATABASE_URL=${DEMO_DATABASE_URL:-sqlite:///$(pwd)/${DEMO_DB:-var/demo.sqlite3}}
export ALLOWED_HOSTS=127.0.0.1,localhost
export SITE_URL=${SITE_URL:-http://127.0.0.1:$port}
unset DEBUG

.venv/bin/python manage.py migrate --no-input -v 0
.venv/bin/python manage.py createcachetable
.venv/bin/python manage.py load_demo
echo
echo "Tỉnh số đang chạy tại / is running at: http://127.0.0.1:$port/  (Ctrl+C để dừng / to stop)"
exec .venv/bin/python manage.py runserver "127.0.0.1:$port" --noreload
