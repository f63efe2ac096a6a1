"""A small webhook receiver for the demo: it checks each request as a subscriber should
(``tinhso.events.webhooks.verify``: signature with the secret in ``--secret-file``, timestamp
within five minutes, an id seen before dropped) and logs what it received."""

import http.server
import json
from pathlib import Path

from django.core.management.base import BaseCommand

from tinhso.events.webhooks import MAX_RESPONSE_BYTES, WebhookVerificationError, verify


class Command(BaseCommand):
    help = "Run the demo's local webhook receiver (checks signatures and replays, logs the events)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8370)
        parser.add_argument(
            "--secret-file", required=True, help="The file holding the subscription's secret."
        )

    def handle(self, *args, port, secret_file, **options):
        seen: set[str] = set()
        out = self.stdout

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, MAX_RESPONSE_BYTES * 16))
                headers = {k.lower(): v for k, v in self.headers.items()}
                secrets = Path(secret_file).read_text().split()
                try:
                    message_id = verify(secrets, headers, body)
                except WebhookVerificationError as exc:
                    out.write(f"webhook refused: {exc}")
                    self.send_response(401)
                    self.end_headers()
                    return
                if message_id in seen:
                    out.write(f"webhook {message_id}: already received, dropped")
                else:
                    seen.add(message_id)
                    event = json.loads(body)
                    data = json.dumps(event["data"], ensure_ascii=False)
                    out.write(f"webhook {message_id}: {event['type']} {event['subject']} {data}")
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        out.write(f"Webhook receiver listening on http://127.0.0.1:{port}/")
        server.serve_forever()
