"""The connector to the national document-exchange axis (Trục liên thông văn bản quốc gia, the
Government Office's platform, "VXP").

What is known of the real protocol (research "anchors-next-areas" §1(d), reconstructed from the
Government Office's Java SDK example, not from a published specification): an agency service
(``getAgenciesList``/``getAgenciesListQD20`` giving both the Decision 20/2020 ``code`` and the
QCVN 102:2016 ``code102``) and a document service (``sendEdoc`` with ``messagetype`` "edoc" or
"status" returning a ``docId``, ``getReceivedEdocList``, ``getEdoc``, ``updateStatus`` with
"processing"/"done"/"fail", ``getSentEdocList``), requests signed with HMAC-SHA256 over the system
id, a timestamp, the content type and the body. The wire format of the real axis is not public, so
this module speaks a plain HTTP/JSON form of those operations, the one the project's local axis
server (``tinhso.documents.axis_server``) implements; pointing at the real axis means writing its
wire format behind the same ``AxisClient`` methods.

    GET  /agencies                      the directory: {"agencies": [{code, code102, name, parentCode}]}
    POST /edocs                         body: the edXML package; header X-Axis-Message-Type: edoc|status,
                                        X-Axis-Idempotency-Key; 201 {"docId", "to"}
    GET  /edocs?messageType=edoc|status  what waits for the caller: {"edocs": [{docId, from, messageType}]}
    GET  /edocs/<docId>                 the package (to its recipients and its sender only)
    POST /edocs/<docId>/status          {"status": "processing"|"done"|"fail", "reason"}: the
                                        recipient's transport state of the package
    GET  /edocs/sent[?from=CODE]        the caller's sent packages with each recipient's state, from
                                        the agencies it answers for (or the one named)

Every request carries ``X-Axis-System`` (the installation's agency code at the axis, e.g. the
province's ``H20``), ``X-Axis-Timestamp`` (UTC, ``YYYYmmddTHHMMSSZ``) and ``X-Axis-Signature``, the
hex HMAC-SHA256 with the shared secret of ``signing_text``. The real axis is configuration
(``DOCUMENTS_AXIS_URL``, ``DOCUMENTS_AXIS_AGENCY_CODE``, ``DOCUMENTS_AXIS_SECRET``): unset, nothing
is sent to or fetched from outside the installation (fail closed), and outside the demo the demo's
published secret is refused.
"""

import datetime
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

DEMO_SECRET = "tinhso-local-axis-demo-secret"
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_SKEW = datetime.timedelta(minutes=5)
MESSAGE_TYPES = ("edoc", "status")
TRANSPORT_STATES = ("processing", "done", "fail")


class AxisError(Exception):
    """The axis could not be reached or refused the request."""


class AxisNotConfigured(AxisError):
    """No axis is configured: exchange with the outside is off."""


def signing_text(
    system: str, timestamp: str, method: str, path: str, content_type: str, body: bytes
) -> bytes:
    return "\n".join([system, timestamp, method.upper(), path, content_type]).encode() + b"\n" + body


def sign(secret: str, text: bytes) -> str:
    return hmac.new(secret.encode(), text, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class AxisConfig:
    url: str
    agency_code: str
    secret: str
    timeout: float = 10.0


def configured() -> AxisConfig | None:
    """The axis of the settings, or None when exchange with the outside is off."""
    url = (getattr(settings, "DOCUMENTS_AXIS_URL", "") or "").strip()
    code = (getattr(settings, "DOCUMENTS_AXIS_AGENCY_CODE", "") or "").strip()
    secret = getattr(settings, "DOCUMENTS_AXIS_SECRET", "") or ""
    if not (url and code and secret.strip()):
        return None
    if secret == DEMO_SECRET and not getattr(settings, "DEMO", False):
        return None
    return AxisConfig(url=url.rstrip("/"), agency_code=code, secret=secret)


def client() -> "AxisClient":
    config = configured()
    if config is None:
        raise AxisNotConfigured(_("The national document axis is not configured."))
    return AxisClient(config)


class AxisClient:
    def __init__(self, config: AxisConfig):
        self.config = config

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> bytes:
        timestamp = datetime.datetime.now(datetime.UTC).strftime(TIMESTAMP_FORMAT)
        signature = sign(
            self.config.secret,
            signing_text(self.config.agency_code, timestamp, method, path, content_type, body),
        )
        url = self.config.url + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        data = body if method == "POST" else None
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - configured URL
        request.add_header("X-Axis-System", self.config.agency_code)
        request.add_header("X-Axis-Timestamp", timestamp)
        request.add_header("X-Axis-Signature", signature)
        request.add_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:  # noqa: S310
                return response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace")
            raise AxisError(
                _("The national axis answered %(status)s: %(detail)s")
                % {"status": exc.code, "detail": detail}
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise AxisError(
                _("The national axis cannot be reached: %(reason)s") % {"reason": reason}
            ) from None

    def _json(self, *args, **kwargs) -> dict:
        try:
            data = json.loads(self._request(*args, **kwargs))
        except ValueError:
            raise AxisError(
                _("The national axis answered with something that is not a JSON object.")
            ) from None
        if not isinstance(data, dict):
            raise AxisError(_("The national axis answered with something that is not a JSON object."))
        return data

    def agencies(self) -> list[dict]:
        return list(self._json("GET", "/agencies").get("agencies", []))

    def send(self, xml: bytes, message_type: str, idempotency_key: str) -> str:
        """Hand one package to the axis; its id at the axis."""
        answer = self._json(
            "POST",
            "/edocs",
            body=xml,
            content_type="application/xml",
            headers={"X-Axis-Message-Type": message_type, "X-Axis-Idempotency-Key": idempotency_key},
        )
        doc_id = answer.get("docId")
        if not isinstance(doc_id, str) or not doc_id:
            raise AxisError(_("The national axis did not give the package an id."))
        return doc_id

    def received(self, message_type: str) -> list[dict]:
        return list(self._json("GET", "/edocs", query={"messageType": message_type}).get("edocs", []))

    def get(self, doc_id: str) -> bytes:
        return self._request("GET", f"/edocs/{urllib.parse.quote(doc_id, safe='')}")

    def update_status(self, doc_id: str, status: str, reason: str = "") -> None:
        body = json.dumps({"status": status, "reason": reason[:500]}).encode()
        self._request(
            "POST",
            f"/edocs/{urllib.parse.quote(doc_id, safe='')}/status",
            body=body,
            content_type="application/json",
        )

    def sent(self, agency_code: str = "") -> list[dict]:
        """The packages sent from this system's agencies, or from ``agency_code`` only."""
        query = {"from": agency_code} if agency_code else None
        return list(self._json("GET", "/edocs/sent", query=query).get("edocs", []))
