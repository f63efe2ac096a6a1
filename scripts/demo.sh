#!/usr/bin/env bash
# Start the demo: SQLite, the Đồng Tháp demo province, printed demo logins, http://127.0.0.1:8000.
#   DEMO_PORT (default 8000), DEMO_DB (default var/demo.sqlite3) and DEMO_HISTORY (dossiers of the
#   past year made when the database is new, default 2000, a third as many feedback reports and a
#   sixth as many official documents)
#   can be changed; the local national document axis listens on DEMO_AXIS_PORT (default
#   DEMO_PORT + 10), the integration gateway (LGSP) on DEMO_GATEWAY_PORT (default DEMO_PORT + 20),
#   the local national public service portal on DEMO_PORTAL_PORT (default DEMO_PORT + 30) with the
#   local population database on DEMO_POPULATION_PORT (default the portal's port + 1), the local
#   national identity (VNeID) on DEMO_IDENTITY_PORT (default DEMO_PORT + 40) and the local webhook
#   receiver on DEMO_WEBHOOK_PORT (default DEMO_PORT + 50).
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
axis_port=${DEMO_AXIS_PORT:-$((port + 10))}
export DOCUMENTS_AXIS_URL=http://127.0.0.1:$axis_port
portal_port=${DEMO_PORTAL_PORT:-$((port + 30))}
population_port=${DEMO_POPULATION_PORT:-$((portal_port + 1))}
identity_port=${DEMO_IDENTITY_PORT:-$((port + 40))}
export NATIONAL_PORTAL_URL=http://127.0.0.1:$portal_port
export OIDC_ISSUER=http://127.0.0.1:$identity_port OIDC_NAME=VNeID OIDC_SCOPE="openid profile"
export OIDC_CLIENT_ID=tinhso-demo OIDC_CLIENT_SECRET=tinhso-local-identity-demo-secret
export OIDC_NATIONAL_IDENTITY=1 OIDC_PERSONAL_NUMBER_CLAIM=personal_number
gateway_port=${DEMO_GATEWAY_PORT:-$((port + 20))}
export LGSP_GATEWAY_URL=http://127.0.0.1:$gateway_port
export LGSP_CLIENT_KEY_FILE=${LGSP_CLIENT_KEY_FILE:-$(pwd)/var/demo-lgsp-client-$port.pem}
export LGSP_CLIENT=${LGSP_CLIENT:-VN-DT/GOV/H20.04/MOTCUA}  # the demo consumer: the catalogue's "try it"
# The local population database through the gateway: its r1 address, called as the platform's own
# subsystem (POPULATION_XROAD_CLIENT, VN-DT/GOV/H20/TINHSO) with its key; granted below.
export POPULATION_DB_URL=${POPULATION_DB_URL:-$LGSP_GATEWAY_URL/r1/VN-DT/GOV/G01/DANCU/tra-cuu-dan-cu}
export POPULATION_XROAD_KEY_FILE=${POPULATION_XROAD_KEY_FILE:-$(pwd)/var/demo-lgsp-platform-$port.pem}
worker_log=var/demo-worker-$port.log

.venv/bin/python manage.py migrate --no-input -v 0
.venv/bin/python manage.py createcachetable

# The local national document axis (its own storage) with one agency outside the province, the
# Government Office, answering what it receives; the demo's documents use it, the worker's
# deliver_documents fetches from it. It stops with the demo.
.venv/bin/python manage.py run_local_axis --demo --port "$axis_port" --data "var/demo-axis-$port.sqlite3" >>"$worker_log" 2>&1 &
trap 'kill $(jobs -p) 2>/dev/null' EXIT
# The local national portal and population database (their own storage) and the local national
# identity; the demo's status changes reach the portal through the worker. They stop with the demo.
.venv/bin/python manage.py run_local_portal --demo --port "$portal_port" --population-port "$population_port" --data "var/demo-portal-$port.sqlite3" >>"$worker_log" 2>&1 &
.venv/bin/python manage.py run_local_identity --port "$identity_port" >>"$worker_log" 2>&1 &
trap 'kill $(jobs -p) 2>/dev/null' EXIT
# Up to a minute each (a loaded machine starts Django slowly); a helper that never answers (its
# port taken, say) stops the demo here, naming the port, instead of failing later in load_demo.
for wait_port in "$axis_port" "$portal_port" "$population_port" "$identity_port"; do
  up=0
  for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$wait_port") 2>/dev/null && { up=1; break; }; sleep 0.2; done
  if [ "$up" = 0 ]; then echo "A local national service did not start on port $wait_port (see $worker_log)." >&2; exit 1; fi
done
.venv/bin/python manage.py load_demo --history "${DEMO_HISTORY:-2000}"

# The local webhook receiver (it checks signatures and replays and logs what it gets to the
# worker's log), subscribed to every event from now on; the worker delivers. It stops with the demo.
webhook_port=${DEMO_WEBHOOK_PORT:-$((port + 50))}
webhook_secret=var/demo-webhook-secret-$port.txt
.venv/bin/python manage.py subscribe_demo_receiver --url "http://127.0.0.1:$webhook_port/su-kien" --secret-file "$webhook_secret"
.venv/bin/python manage.py run_webhook_receiver --port "$webhook_port" --secret-file "$webhook_secret" >>"$worker_log" 2>&1 &
# The integration gateway (X-Road REST r1) beside the platform, with the demo's two systems: the
# province's procedure database (the platform's own procedure API) and the Department of
# Justice's one-stop system, granted access; and the national population database, granted to the
# platform itself (the officers' and the e-form's lookups). It stops with the demo.
.venv/bin/python manage.py load_lgsp_demo --key "$LGSP_CLIENT_KEY_FILE"
.venv/bin/python manage.py register_population_service --agency H20 --provider-url "http://127.0.0.1:$population_port" --key "$POPULATION_XROAD_KEY_FILE"
.venv/bin/python manage.py run_gateway --port "$gateway_port" >>"$worker_log" 2>&1 &

# Notifications: the task worker sends them as soon as they are queued (mail goes to files under
# var/demo-mail/, text messages to the worker's log); send_notifications and deliver_documents every minute send
# the retries, as cron does in production, and sync_national_portal the national portal's retries and
# the dossiers submitted there. Both stop with the demo.
mail_dir=${EMAIL_FILE_PATH:-$(pwd)/var/demo-mail}
export EMAIL_FILE_PATH=$mail_dir
mkdir -p "$mail_dir"
.venv/bin/python manage.py run_worker --interval 2 --no-reload >>"$worker_log" 2>&1 &
(while sleep 60; do .venv/bin/python manage.py send_notifications >/dev/null 2>>"$worker_log"; .venv/bin/python manage.py deliver_documents >/dev/null 2>>"$worker_log"; .venv/bin/python manage.py deliver_webhooks >/dev/null 2>>"$worker_log"; .venv/bin/python manage.py sync_national_portal --intake >/dev/null 2>>"$worker_log"; done) &
trap 'kill $(jobs -p) 2>/dev/null' EXIT

echo
echo "Thư điện tử gửi đi / e-mails sent: $mail_dir   Tin nhắn / SMS: $worker_log"
echo "Cổng liên thông / integration gateway: $LGSP_GATEWAY_URL/r1/   Danh mục / catalogue: http://127.0.0.1:$port/lien-thong/"
echo "Tỉnh số đang chạy tại / is running at: http://127.0.0.1:$port/  (Ctrl+C để dừng / to stop)"
.venv/bin/python manage.py runserver "127.0.0.1:$port" --noreload
