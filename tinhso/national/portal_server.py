"""The local national public service portal: a small HTTP server speaking the protocol assumed in
``tinhso.national.protocol``, for the demo and the tests. It keeps its own storage (one SQLite
file, not the platform's database): the registered systems with their secrets, every status
change received (each ``syncId`` once), the dossiers submitted on the portal waiting for their
province, and the catalogue updates it publishes.

``faults`` lets a test play a portal that is down (503), answers garbage, hangs, or stores a
status change and then loses its answer. Started by ``manage.py run_local_portal``; ``serve``
runs it in a thread (tests).
"""

import datetime
import hmac
import json
import sqlite3
import threading
import time
import uuid
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from tinhso.documents.axis import MAX_SKEW, TIMESTAMP_FORMAT, sign, signing_text

MAX_BODY = 1024 * 1024
SCHEMA = """
CREATE TABLE IF NOT EXISTS systems (code TEXT PRIMARY KEY, secret TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS statuses (
    sync_id TEXT PRIMARY KEY, system TEXT NOT NULL, dossier_code TEXT NOT NULL, status INTEGER NOT NULL,
    body TEXT NOT NULL, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dossiers (
    portal_id TEXT PRIMARY KEY, system TEXT NOT NULL, body TEXT NOT NULL, reference TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS catalogue (system TEXT PRIMARY KEY, body TEXT NOT NULL);
"""


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


class PortalStore:
    """The portal's storage; every method is one statement or transaction under one lock."""

    def __init__(self, path: str = ":memory:"):
        self.lock = threading.Lock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.executescript(SCHEMA)

    def _run(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self.lock:
            return self.db.execute(sql, params).fetchall()

    def add_system(self, code: str, secret: str) -> None:
        self._run("INSERT OR REPLACE INTO systems VALUES (?, ?)", (code, secret))

    def secret(self, code: str) -> str | None:
        rows = self._run("SELECT secret FROM systems WHERE code = ?", (code,))
        return rows[0][0] if rows else None

    def put_status(self, system: str, message: dict[str, Any]) -> bool:
        """Keep a status change; False when its sync id was already kept."""
        with self.lock:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO statuses VALUES (?, ?, ?, ?, ?, ?)",
                (
                    message["syncId"],
                    system,
                    message["dossierCode"],
                    message["status"],
                    json.dumps(message, ensure_ascii=False),
                    _now(),
                ),
            )
            return cursor.rowcount == 1

    def statuses(self, dossier_code: str | None = None) -> list[dict[str, Any]]:
        sql, params = "SELECT body FROM statuses", tuple[str, ...]()
        if dossier_code is not None:
            sql, params = sql + " WHERE dossier_code = ?", (dossier_code,)
        return [json.loads(row[0]) for row in self._run(sql + " ORDER BY rowid", params)]

    def add_dossier(self, system: str, dossier: dict[str, Any]) -> str:
        """A dossier submitted on the portal for ``system``'s province; its portal id."""
        portal_id = dossier.setdefault("portalId", "G" + uuid.uuid4().hex[:16].upper())
        self._run(
            "INSERT OR REPLACE INTO dossiers VALUES (?, ?, ?, '', ?)",
            (portal_id, system, json.dumps(dossier, ensure_ascii=False), _now()),
        )
        return portal_id

    def waiting(self, system: str) -> list[dict[str, Any]]:
        rows = self._run(
            "SELECT body FROM dossiers WHERE system = ? AND reference = '' ORDER BY rowid", (system,)
        )
        return [json.loads(row[0]) for row in rows]

    def taken(self, system: str, portal_id: str, reference: str) -> bool:
        with self.lock:
            cursor = self.db.execute(
                "UPDATE dossiers SET reference = ? WHERE system = ? AND portal_id = ?",
                (reference, system, portal_id),
            )
            return cursor.rowcount == 1

    def reference(self, portal_id: str) -> str | None:
        rows = self._run("SELECT reference FROM dossiers WHERE portal_id = ?", (portal_id,))
        return rows[0][0] if rows else None

    def publish_catalogue(self, system: str, document: dict[str, Any]) -> None:
        self._run(
            "INSERT OR REPLACE INTO catalogue VALUES (?, ?)",
            (system, json.dumps(document, ensure_ascii=False)),
        )

    def catalogue(self, system: str) -> dict[str, Any]:
        rows = self._run("SELECT body FROM catalogue WHERE system = ?", (system,))
        return (
            json.loads(rows[0][0])
            if rows
            else {"format": "tinhso-procedures", "version": 1, "procedures": []}
        )


def _status_errors(message: Any) -> str:
    if not isinstance(message, dict):
        return "not a JSON object"
    if not isinstance(message.get("syncId"), str) or not message["syncId"]:
        return "syncId missing"
    if not isinstance(message.get("dossierCode"), str) or not message["dossierCode"]:
        return "dossierCode missing"
    status = message.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 1 <= status <= 10:
        return "status must be 1 to 10"
    return ""


class LocalPortal:
    """The WSGI application. ``faults``: "down", "garbage", "lose-answer" or "hang" (seconds in
    ``hang_seconds``), played on every request until cleared."""

    def __init__(self, store: PortalStore):
        self.store = store
        self.faults: set[str] = set()
        self.hang_seconds = 30.0
        self.requests = 0

    def __call__(self, environ, start_response):
        self.requests += 1
        if "hang" in self.faults:
            time.sleep(self.hang_seconds)
        if "down" in self.faults:
            status, body = 503, {"error": "the portal is under maintenance"}
        else:
            status, body = self.handle(environ)
        payload = b"<html>Bad gateway" if "garbage" in self.faults else json.dumps(body).encode()
        reasons = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 503: "Unavailable"}
        start_response(
            f"{status} {reasons.get(status, 'Error')}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
        )
        return [payload]

    def _system(self, environ, body: bytes) -> str | None:
        system = environ.get("HTTP_X_PORTAL_SYSTEM", "")
        timestamp = environ.get("HTTP_X_PORTAL_TIMESTAMP", "")
        secret = self.store.secret(system)
        if secret is None:
            return None
        try:
            at = datetime.datetime.strptime(timestamp, TIMESTAMP_FORMAT).replace(tzinfo=datetime.UTC)
        except ValueError:
            return None
        if abs(datetime.datetime.now(datetime.UTC) - at) > MAX_SKEW:
            return None
        text = signing_text(
            system,
            timestamp,
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
            environ.get("CONTENT_TYPE", ""),
            body,
        )
        return (
            system
            if hmac.compare_digest(sign(secret, text), environ.get("HTTP_X_PORTAL_SIGNATURE", ""))
            else None
        )

    def handle(self, environ) -> tuple[int, dict[str, Any]]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return 400, {"error": "bad length"}
        if length > MAX_BODY:
            return 400, {"error": "too large"}
        body = environ["wsgi.input"].read(length) if length else b""
        system = self._system(environ, body)
        if system is None:
            return 401, {"error": "unknown system or bad signature"}
        method, parts = environ["REQUEST_METHOD"], [p for p in environ.get("PATH_INFO", "").split("/") if p]
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return 400, {"error": "not JSON"}
        if method == "POST" and parts == ["dossier-statuses"]:
            error = _status_errors(data)
            if error:
                return 400, {"error": error}
            fresh = self.store.put_status(system, data)
            if "lose-answer" in self.faults:
                return 503, {"error": "the answer was lost"}
            return 200, {"syncId": data["syncId"], "accepted": True, "duplicate": not fresh}
        if method == "GET" and parts == ["dossiers"]:
            return 200, {"dossiers": self.store.waiting(system)}
        if method == "POST" and len(parts) == 3 and parts[0] == "dossiers" and parts[2] == "received":
            reference = data.get("reference") if isinstance(data, dict) else None
            if not isinstance(reference, str) or not reference:
                return 400, {"error": "reference missing"}
            if not self.store.taken(system, parts[1], reference):
                return 404, {"error": "no such dossier"}
            return 200, {"portalId": parts[1], "reference": reference}
        if method == "GET" and parts == ["procedures"]:
            return 200, self.store.catalogue(system)
        # The portal's other sides, for the demo: a citizen submits a dossier on the portal, the
        # ministries publish catalogue updates (the real portal does both in its own pages).
        if method == "POST" and parts == ["test", "dossiers"] and isinstance(data, dict):
            return 200, {"portalId": self.store.add_dossier(system, data)}
        if method == "POST" and parts == ["test", "procedures"] and isinstance(data, dict):
            self.store.publish_catalogue(system, data)
            return 200, {"published": len(data.get("procedures") or [])}
        return 404, {"error": "unknown operation"}


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def serve(app, host: str = "127.0.0.1", port: int = 0, quiet: bool = True, name: str = "local-portal"):
    """Start a WSGI ``app`` (the local portal, the population database) in a thread; the server
    (``server.server_port``, ``server.shutdown()``)."""
    handler = _QuietHandler if quiet else WSGIRequestHandler
    server = make_server(host, port, app, server_class=_ThreadingServer, handler_class=handler)
    threading.Thread(target=server.serve_forever, name=name, daemon=True).start()
    return server
