"""The local national axis: a small HTTP server speaking the protocol of ``tinhso.documents.axis``,
for the demo and the tests (and for other vendors' CI). It keeps its own storage (one SQLite file,
not the platform's database): the registered systems with their secrets and the code prefixes
they answer for, the agency directory, and every package with one row per recipient and its
transport state ("inbox" → "processing" → "done" or "fail").

Like the real axis it reads only the addressing of a package (``From``/``To`` of a document,
``From``/``ResponseFor`` of a status) with the codec's safe parser; checking the rest of the
package is the receiving system's job. Started by ``manage.py run_local_axis``; ``serve`` runs it
in a thread (tests), ``AxisPeer`` plays a second installation through the same HTTP API.
"""

import datetime
import hmac
import json
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterable
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from lxml import etree

from tinhso.agencies.codes import InvalidAgencyCode, parse_agency_code
from tinhso.documents import axis, edxml

MAX_BODY = edxml.MAX_PACKAGE_BYTES
DOC_ID = re.compile(r"[0-9a-f]{32}")
SCHEMA = """
CREATE TABLE IF NOT EXISTS systems (code TEXT PRIMARY KEY, secret TEXT NOT NULL, prefixes TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS agencies (code TEXT PRIMARY KEY, name TEXT NOT NULL, parent TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS edocs (
    doc_id TEXT PRIMARY KEY, sender TEXT NOT NULL, from_code TEXT NOT NULL, message_type TEXT NOT NULL,
    body BLOB NOT NULL, idempotency_key TEXT NOT NULL, created_at TEXT NOT NULL,
    UNIQUE (sender, idempotency_key));
CREATE TABLE IF NOT EXISTS recipients (
    doc_id TEXT NOT NULL, to_code TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL,
    updated_at TEXT NOT NULL, PRIMARY KEY (doc_id, to_code));
"""


def canonical(code: str) -> str:
    return parse_agency_code(code).canonical


def _covers(prefixes: Iterable[str], code: str) -> bool:
    return any(code == prefix or code.startswith(prefix + ".") for prefix in prefixes)


def _legacy(code: str) -> str:
    try:
        return parse_agency_code(code).legacy
    except InvalidAgencyCode:
        return ""


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


class AxisStore:
    """The axis's storage; every method is one transaction under one lock."""

    def __init__(self, path: str):
        self.lock = threading.Lock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.executescript(SCHEMA)

    def _run(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self.lock:
            return self.db.execute(sql, params).fetchall()

    def add_system(self, code: str, secret: str, prefixes: Iterable[str]) -> None:
        joined = ",".join(canonical(prefix) for prefix in prefixes)
        self._run("INSERT OR REPLACE INTO systems VALUES (?, ?, ?)", (code, secret, joined))

    def add_agency(self, code: str, name: str, parent: str = "") -> None:
        self._run("INSERT OR REPLACE INTO agencies VALUES (?, ?, ?)", (canonical(code), name, parent))

    def system(self, code: str) -> tuple[str, list[str]] | None:
        rows = self._run("SELECT secret, prefixes FROM systems WHERE code = ?", (code,))
        return (rows[0][0], rows[0][1].split(",")) if rows else None

    def agencies(self) -> list[tuple[str, str, str]]:
        return self._run("SELECT code, name, parent FROM agencies ORDER BY code")

    def known(self, code: str) -> bool:
        """In the directory, or answered for by a registered system."""
        if self._run("SELECT 1 FROM agencies WHERE code = ?", (code,)):
            return True
        return any(_covers(row[0].split(","), code) for row in self._run("SELECT prefixes FROM systems"))

    def put(
        self, sender: str, from_code: str, message_type: str, body: bytes, to: list[str], key: str = ""
    ) -> str:
        """Store a package for its recipients (the same idempotency key gives the same id)."""
        with self.lock:
            if key:
                row = self.db.execute(
                    "SELECT doc_id FROM edocs WHERE sender = ? AND idempotency_key = ?", (sender, key)
                ).fetchone()
                if row:
                    return row[0]
            doc_id = uuid.uuid4().hex
            self.db.execute("BEGIN")
            self.db.execute(
                "INSERT INTO edocs VALUES (?, ?, ?, ?, ?, ?, ?)",
                (doc_id, sender, from_code, message_type, body, key or doc_id, _now()),
            )
            for code in to:
                self.db.execute(
                    "INSERT OR IGNORE INTO recipients VALUES (?, ?, 'inbox', '', ?)", (doc_id, code, _now())
                )
            self.db.execute("COMMIT")
            return doc_id

    def inbox(self, prefixes: list[str], message_type: str) -> list[dict]:
        rows = self._run(
            "SELECT e.doc_id, e.from_code, e.message_type, e.created_at, r.to_code FROM edocs e "
            "JOIN recipients r ON r.doc_id = e.doc_id WHERE e.message_type = ? "
            "AND r.state IN ('inbox', 'processing') ORDER BY e.created_at, e.rowid",
            (message_type,),
        )
        seen: dict[str, dict] = {}
        for doc_id, from_code, kind, created_at, to_code in rows:
            if _covers(prefixes, to_code) and doc_id not in seen:
                seen[doc_id] = {
                    "docId": doc_id,
                    "from": from_code,
                    "messageType": kind,
                    "createdAt": created_at,
                }
        return list(seen.values())

    def body(self, doc_id: str, system: str, prefixes: list[str]) -> bytes | None:
        rows = self._run("SELECT sender, body FROM edocs WHERE doc_id = ?", (doc_id,))
        if not rows:
            return None
        sender, body = rows[0]
        recipients = [
            row[0] for row in self._run("SELECT to_code FROM recipients WHERE doc_id = ?", (doc_id,))
        ]
        if sender == system or any(_covers(prefixes, code) for code in recipients):
            return bytes(body)
        return None

    def set_state(self, doc_id: str, prefixes: list[str], state: str, reason: str) -> int:
        recipients = [
            row[0] for row in self._run("SELECT to_code FROM recipients WHERE doc_id = ?", (doc_id,))
        ]
        mine = [code for code in recipients if _covers(prefixes, code)]
        for code in mine:
            self._run(
                "UPDATE recipients SET state = ?, reason = ?, updated_at = ? "
                "WHERE doc_id = ? AND to_code = ?",
                (state, reason[:500], _now(), doc_id, code),
            )
        return len(mine)

    def sent(self, system: str, prefixes: list[str] | None = None) -> list[dict]:
        """What ``system`` sent, from the agencies of ``prefixes`` only when given (the caller's
        current ones, through the HTTP API)."""
        rows = self._run(
            "SELECT e.doc_id, e.from_code, e.message_type, r.to_code, r.state, r.reason FROM edocs e "
            "JOIN recipients r ON r.doc_id = e.doc_id WHERE e.sender = ? ORDER BY e.rowid",
            (system,),
        )
        return [
            {
                "docId": doc_id,
                "from": from_code,
                "messageType": kind,
                "to": to_code,
                "state": state,
                "reason": reason,
            }
            for doc_id, from_code, kind, to_code, state, reason in rows
            if prefixes is None or _covers(prefixes, from_code)
        ]


def addressing(body: bytes) -> tuple[str, str, list[str]]:
    """(message type, From code, To codes) of a package, read with the codec's safe parser."""
    root = edxml.parse(body)
    ns = {"e": edxml.NS}
    header = root.find("e:edXMLEnvelope/e:edXMLHeader", ns)
    if header is None:
        raise edxml.EdxmlError("N.edXMLHeader", "the package has no header")
    status = header.find("e:Status", ns)
    if status is not None:
        sender = status.findtext("e:From/e:OrganId", "", ns)
        to = [status.findtext("e:ResponseFor/e:OrganId", "", ns)]
        kind = "status"
    else:
        sender = header.findtext("e:MessageHeader/e:From/e:OrganId", "", ns)
        to = [element.text or "" for element in header.iterfind("e:MessageHeader/e:To/e:OrganId", ns)]
        kind = "edoc"
    try:
        return kind, canonical(sender), [canonical(code) for code in to]
    except InvalidAgencyCode as exc:
        raise edxml.EdxmlError("R.OrganId", str(exc)) from None


class LocalAxis:
    """The WSGI application."""

    def __init__(self, store: AxisStore):
        self.store = store

    def __call__(self, environ, start_response):
        try:
            status, body, content_type = self.handle(environ)
        except etree.LxmlError:
            status, body, content_type = 400, {"error": "unreadable package"}, ""
        if isinstance(body, bytes):
            payload, content_type = body, content_type or "application/xml"
        else:
            payload, content_type = json.dumps(body).encode(), "application/json"
        reason = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden"}
        start_response(
            f"{status} {reason.get(status, 'Error')}",
            [("Content-Type", content_type), ("Content-Length", str(len(payload)))],
        )
        return [payload]

    def _authenticate(self, environ, body: bytes) -> tuple[str, list[str]] | None:
        system = environ.get("HTTP_X_AXIS_SYSTEM", "")
        timestamp = environ.get("HTTP_X_AXIS_TIMESTAMP", "")
        signature = environ.get("HTTP_X_AXIS_SIGNATURE", "")
        known = self.store.system(system)
        if known is None:
            return None
        try:
            at = datetime.datetime.strptime(timestamp, axis.TIMESTAMP_FORMAT).replace(tzinfo=datetime.UTC)
        except ValueError:
            return None
        if abs(datetime.datetime.now(datetime.UTC) - at) > axis.MAX_SKEW:
            return None
        text = axis.signing_text(
            system,
            timestamp,
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
            environ.get("CONTENT_TYPE", ""),
            body,
        )
        secret, prefixes = known
        if not hmac.compare_digest(axis.sign(secret, text), signature):
            return None
        return system, prefixes

    def handle(self, environ) -> tuple[int, dict | bytes, str]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return 400, {"error": "bad length"}, ""
        if length > MAX_BODY:
            return 400, {"error": "the package is too large"}, ""
        body = environ["wsgi.input"].read(length) if length else b""
        caller = self._authenticate(environ, body)
        if caller is None:
            return 401, {"error": "unknown system or bad signature"}, ""
        system, prefixes = caller
        parts = [part for part in path.split("/") if part]
        if method == "GET" and parts == ["agencies"]:
            return 200, {"agencies": self._directory()}, ""
        if method == "POST" and parts == ["edocs"]:
            return self._send(environ, body, system, prefixes)
        query = dict(part.split("=", 1) for part in environ.get("QUERY_STRING", "").split("&") if "=" in part)
        if method == "GET" and parts == ["edocs"]:
            kind = query.get("messageType", "edoc")
            if kind not in axis.MESSAGE_TYPES:
                return 400, {"error": "unknown message type"}, ""
            return 200, {"edocs": self.store.inbox(prefixes, kind)}, ""
        if method == "GET" and parts == ["edocs", "sent"]:
            return self._sent(system, prefixes, query.get("from", ""))
        if len(parts) >= 2 and parts[0] == "edocs" and DOC_ID.fullmatch(parts[1]):
            if method == "GET" and len(parts) == 2:
                package = self.store.body(parts[1], system, prefixes)
                return (
                    (200, package, "application/xml")
                    if package is not None
                    else (403, {"error": "not yours"}, "")
                )
            if method == "POST" and parts[2:] == ["status"]:
                return self._status(parts[1], body, prefixes)
        return 400, {"error": "unknown operation"}, ""

    def _directory(self) -> list[dict]:
        return [
            {"code": code, "code102": _legacy(code), "name": name, "parentCode": parent}
            for code, name, parent in self.store.agencies()
        ]

    def _sent(self, system: str, prefixes: list[str], agency: str):
        """The sent list, for one of the caller's agencies when ``from`` names it."""
        if agency:
            try:
                agency = canonical(agency)
            except InvalidAgencyCode:
                return 400, {"error": "unreadable agency code"}, ""
            if not _covers(prefixes, agency):
                return 403, {"error": f"{system} does not answer for {agency}"}, ""
            prefixes = [agency]
        return 200, {"edocs": self.store.sent(system, prefixes)}, ""

    def _send(self, environ, body: bytes, system: str, prefixes: list[str]):
        declared = environ.get("HTTP_X_AXIS_MESSAGE_TYPE", "")
        try:
            kind, sender, to = addressing(body)
        except edxml.EdxmlError as exc:
            return 400, {"error": str(exc)}, ""
        if declared != kind:
            return 400, {"error": "the message type does not match the package"}, ""
        if not _covers(prefixes, sender):
            return 403, {"error": f"{system} does not send for {sender}"}, ""
        unknown = [code for code in to if not self.store.known(code)]
        if not to or unknown:
            return 400, {"error": "unknown recipient: " + ", ".join(unknown)}, ""
        key = environ.get("HTTP_X_AXIS_IDEMPOTENCY_KEY", "")[:100]
        return 201, {"docId": self.store.put(system, sender, kind, body, to, key), "to": to}, ""

    def _status(self, doc_id: str, body: bytes, prefixes: list[str]):
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return 400, {"error": "not JSON"}, ""
        state = data.get("status") if isinstance(data, dict) else None
        if state not in axis.TRANSPORT_STATES:
            return 400, {"error": "status must be processing, done or fail"}, ""
        if not self.store.set_state(doc_id, prefixes, state, str(data.get("reason", ""))):
            return 403, {"error": "not yours"}, ""
        return 200, {"docId": doc_id, "status": state}, ""


# The demo: the installation (the settings' code and secret) and one agency outside it, the
# Government Office (level-1 code G22, Decision 09/2025/QĐ-TTg), which answers through the axis.
DEMO_PEER = ("G22", "tinhso-local-axis-peer-secret", "Văn phòng Chính phủ")
DEMO_DIRECTORY = [
    ("G22", "Văn phòng Chính phủ", ""),
    ("G01", "Bộ Công an", ""),
]


def demo_store(
    path: str, installation_code: str, installation_secret: str, installation_name: str
) -> AxisStore:
    store = AxisStore(path)
    store.add_system(installation_code, installation_secret, [installation_code])
    code, secret, _name = DEMO_PEER
    store.add_system(code, secret, [code])
    for agency_code, name, parent in [*DEMO_DIRECTORY, (installation_code, installation_name, "")]:
        store.add_agency(agency_code, name, parent)
    return store


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def serve(store: AxisStore, host: str = "127.0.0.1", port: int = 0, quiet: bool = True):
    """Start the local axis in a thread; the server (``server.server_port``, ``server.shutdown()``)."""
    handler = _QuietHandler if quiet else WSGIRequestHandler
    server = make_server(host, port, LocalAxis(store), server_class=_ThreadingServer, handler_class=handler)
    threading.Thread(target=server.serve_forever, name="local-axis", daemon=True).start()
    return server


class AxisPeer:
    """Another installation behind the axis (a ministry, a neighbouring province): it sends
    documents and answers with status packages through the same HTTP API as tinhso does."""

    def __init__(self, url: str, code: str, secret: str, name: str):
        self.organ = edxml.Organ(organ_id=code, name=name)
        self.client = axis.AxisClient(axis.AxisConfig(url=url, agency_code=code, secret=secret))

    def send_document(self, to: edxml.Organ, number: str, notation: str, subject: str, **fields) -> str:
        today = fields.pop("promulgation_date", datetime.date.today())
        reference = f"{number}/{notation}"
        xml = edxml.write_document(
            edxml.DocumentPackage(
                sender=self.organ,
                recipients=[to],
                code_number=number,
                code_notation=notation,
                promulgation_date=today,
                subject=subject,
                document_id=edxml.document_id(self.organ.organ_id, today, reference),
                timestamp=datetime.datetime.now(),
                **fields,
            )
        )
        return self.client.send(xml, "edoc", uuid.uuid4().hex)

    def answer(self, codes: Iterable[str] = (edxml.STATUS_ARRIVED, edxml.STATUS_RECEIVED)) -> int:
        """Take every document waiting at the axis and answer each with ``codes``; how many."""
        done = 0
        for item in self.client.received("edoc"):
            package = edxml.read_document(self.client.get(item["docId"]))
            for code in codes:
                status = edxml.write_status(
                    edxml.StatusPackage(
                        sender=self.organ,
                        for_organ_id=package.sender.organ_id,
                        for_code=f"{package.code_number}/{package.code_notation}",
                        for_promulgation_date=package.promulgation_date,
                        for_document_id=package.document_id,
                        status_code=code,
                        description=str(edxml.STATUS_LABELS[code]),
                        timestamp=datetime.datetime.now().replace(microsecond=0),
                        staff_department=self.organ.name,
                        staff_name="Văn thư",
                    )
                )
                self.client.send(status, "status", f"{item['docId']}-{code}")
            self.client.update_status(item["docId"], "done")
            done += 1
        return done
