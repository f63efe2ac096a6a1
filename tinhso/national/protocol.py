"""The assumed wire protocols of the national connectors, in one place: the national public
service portal (Cổng Dịch vụ công quốc gia, "DVCQG") and the national population database
(Cơ sở dữ liệu quốc gia về dân cư).

Neither the portal's integration specification (the "đồng bộ trạng thái hồ sơ" service and its
messages) nor the population database's sharing service is published where it could be read:
the shapes below are assumptions, written down here so that pointing at the real services means
changing this module only. What is known and followed: the portal receives each dossier's status
changes 1–10 (the national status list of Decree 118/2025/NĐ-CP, ``tinhso.dossiers.status``),
dossiers submitted on the portal are received by the province's one-stop system (Decree
118/2025/NĐ-CP Art. 15; Decree 45/2020/NĐ-CP as amended), the share of dossiers synchronised is
indicator 1.4 of Decision 766/QĐ-TTg, and the population database is reached through the
province's data-sharing platform with the X-Road headers of its REST protocol r1.

National portal (JSON over HTTPS; every request signed like the document axis, with
``X-Portal-System``, ``X-Portal-Timestamp`` and ``X-Portal-Signature`` = hex HMAC-SHA256 of
``tinhso.documents.axis.signing_text`` with the shared secret):

    POST /dossier-statuses        one status change (``status_message``); the portal keeps each
                                  ``syncId`` once: 200 {"syncId", "accepted": true, "duplicate"}
    GET  /dossiers                dossiers submitted on the portal for the caller and not yet
                                  taken: {"dossiers": [``portal_dossier`` …]}, each with its
                                  files {"component": position, "name", "contentBase64"}
    POST /dossiers/<id>/received  {"reference"}: the province took the dossier in
    GET  /procedures              the catalogue updates: a ``tinhso-procedures`` document
                                  (``tinhso/procedures/FORMAT.md``)

Population database (through the gateway): ``GET <POPULATION_DB_URL>/citizens/<number>`` with
``X-Road-Client``, ``X-Road-UserId`` (VN + the officer's or citizen's identification number, or
their account), ``X-Road-Issue`` (the dossier's code); 200 ``citizen`` or an X-Road error
``{type, message, detail}`` (404 ``Server.ServerProxy.UnknownCitizen`` for an unknown number).
``POPULATION_DB_URL`` is the service's r1 address at the province's gateway
(``<LGSP_GATEWAY_URL>/r1/<instance>/<class>/<member>/<subsystem>/<service>``); with
``POPULATION_XROAD_KEY_FILE`` set, each call carries a fresh client assertion of
``POPULATION_XROAD_CLIENT`` signed with that key (``tinhso.lgsp.client.client_assertion``), so the
gateway admits it on the platform's grant and logs it with the dossier as the issue.
"""

import base64
import datetime
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from tinhso.documents.axis import TIMESTAMP_FORMAT, sign, signing_text
from tinhso.lgsp.client import client_assertion

PORTAL_DEMO_SECRET = "tinhso-local-portal-demo-secret"
MAX_ANSWER = 5 * 1024 * 1024
PERSONAL_NUMBER = re.compile(r"\d{12}")


class ConnectorError(Exception):
    """The national service could not be reached, refused, or answered something unreadable."""


class NotConfigured(ConnectorError):
    """The connector is off (fail closed): nothing goes out."""


class UnknownCitizen(ConnectorError):
    """The population database has no citizen with this number."""


# National portal --------------------------------------------------------------------------


@dataclass(frozen=True)
class PortalConfig:
    url: str
    system: str
    secret: str
    timeout: float = 5.0


def portal_config() -> PortalConfig | None:
    """The portal of the settings, or None when the sync is off. Outside the demo the demo's
    published secret is refused."""
    url = (getattr(settings, "NATIONAL_PORTAL_URL", "") or "").strip()
    system = (getattr(settings, "NATIONAL_PORTAL_SYSTEM", "") or "").strip()
    secret = getattr(settings, "NATIONAL_PORTAL_SECRET", "") or ""
    if not (url and system and secret.strip()):
        return None
    if secret == PORTAL_DEMO_SECRET and not getattr(settings, "DEMO", False):
        return None
    timeout = float(getattr(settings, "NATIONAL_PORTAL_TIMEOUT", 5.0))
    return PortalConfig(url=url.rstrip("/"), system=system, secret=secret, timeout=timeout)


def status_message(
    sync_id: str, code: str, status: int, agency_code: str, procedure_code: str, at: datetime.datetime
) -> dict[str, Any]:
    """One status change of a dossier, as sent to the portal."""
    return {
        "syncId": sync_id,
        "dossierCode": code,
        "status": status,
        "agencyCode": agency_code,
        "procedureCode": procedure_code,
        "occurredAt": at.astimezone(datetime.UTC).isoformat(timespec="seconds"),
    }


@dataclass(frozen=True)
class PortalFile:
    """A component file of a portal dossier: the position of the procedure's component it
    answers, its name and content."""

    component: int
    name: str
    content: bytes


@dataclass(frozen=True)
class PortalDossier:
    """A dossier submitted on the portal, as the portal hands it over."""

    portal_id: str
    procedure_code: str
    agency_code: str
    personal_number: str
    full_name: str
    phone: str
    email: str
    commune: str
    address: str
    form_data: dict[str, Any] = field(default_factory=dict)
    files: tuple[PortalFile, ...] = ()


def _text(value: Any, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _file(raw: Any) -> PortalFile:
    raw = _object(raw)
    component, name = raw.get("component"), _text(raw.get("name"), 200)
    try:
        content = base64.b64decode(raw.get("contentBase64") or "", validate=True)
    except (TypeError, ValueError):
        content = b""
    if not isinstance(component, int) or isinstance(component, bool) or not name or not content:
        raise ConnectorError(_("The portal sent a file without its component, name or content."))
    return PortalFile(component=component, name=name, content=content)


def portal_dossier(item: Any) -> PortalDossier:
    """Read one dossier of the portal's list; ``ConnectorError`` when it lacks what the
    province needs to take it in."""
    if not isinstance(item, dict):
        raise ConnectorError(_("The portal sent a dossier that is not a JSON object."))
    applicant = _object(item.get("applicant"))
    address = _object(applicant.get("address"))
    dossier = PortalDossier(
        portal_id=_text(item.get("portalId"), 60),
        procedure_code=_text(item.get("procedureCode"), 30),
        agency_code=_text(item.get("agencyCode"), 35),
        personal_number=_text(applicant.get("personalNumber"), 12),
        full_name=_text(applicant.get("fullName"), 200),
        phone=_text(applicant.get("phone"), 16),
        email=_text(applicant.get("email"), 254),
        commune=_text(address.get("commune"), 10),
        address=_text(address.get("detail"), 255),
        form_data=_object(item.get("formData")),
        files=tuple(_file(raw) for raw in _list(item.get("files"))),
    )
    if not (dossier.portal_id and dossier.procedure_code and dossier.agency_code and dossier.full_name):
        raise ConnectorError(_("The portal sent a dossier without its id, procedure, agency or applicant."))
    if not PERSONAL_NUMBER.fullmatch(dossier.personal_number):
        raise ConnectorError(_("The portal sent a dossier whose applicant has no 12-digit personal number."))
    return dossier


def _read_json(data: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(data)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise ConnectorError(_("The national service answered with something that is not a JSON object."))
    return answer


def _call(request: urllib.request.Request, timeout: float, name: str) -> bytes:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
            return response.read(MAX_ANSWER)
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace")
        if exc.code == 404 and "UnknownCitizen" in detail:
            raise UnknownCitizen(_("The population database has no citizen with this number.")) from None
        raise ConnectorError(
            _("%(service)s answered %(status)s: %(detail)s")
            % {"service": name, "status": exc.code, "detail": detail}
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ConnectorError(
            _("%(service)s cannot be reached: %(reason)s") % {"service": name, "reason": reason}
        ) from None


class PortalClient:
    def __init__(self, config: PortalConfig):
        self.config = config

    def _json(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        payload = json.dumps(body).encode() if body is not None else b""
        timestamp = datetime.datetime.now(datetime.UTC).strftime(TIMESTAMP_FORMAT)
        content_type = "application/json"
        text = signing_text(self.config.system, timestamp, method, path, content_type, payload)
        request = urllib.request.Request(  # noqa: S310 - configured URL
            self.config.url + path, data=payload if method == "POST" else None, method=method
        )
        request.add_header("Content-Type", content_type)
        request.add_header("X-Portal-System", self.config.system)
        request.add_header("X-Portal-Timestamp", timestamp)
        request.add_header("X-Portal-Signature", sign(self.config.secret, text))
        return _read_json(_call(request, self.config.timeout, _("The national portal")))

    def send_status(self, message: dict[str, Any]) -> bool:
        """Hand one status change to the portal; True when it already had it."""
        answer = self._json("POST", "/dossier-statuses", message)
        if answer.get("syncId") != message["syncId"] or answer.get("accepted") is not True:
            raise ConnectorError(_("The national portal did not confirm the status change."))
        return bool(answer.get("duplicate"))

    def dossiers(self) -> list[Any]:
        items = self._json("GET", "/dossiers").get("dossiers")
        if not isinstance(items, list):
            raise ConnectorError(_("The national portal's list of dossiers is not a list."))
        return items

    def mark_received(self, portal_id: str, reference: str) -> None:
        self._json(
            "POST", f"/dossiers/{urllib.parse.quote(portal_id, safe='')}/received", {"reference": reference}
        )

    def procedures(self) -> dict[str, Any]:
        return self._json("GET", "/procedures")

    def post_test(self, what: str, body: dict[str, Any]) -> dict[str, Any]:
        """The local portal's demo side (``/test/dossiers``, ``/test/procedures``)."""
        return self._json("POST", f"/test/{what}", body)


def portal_client() -> PortalClient:
    config = portal_config()
    if config is None:
        raise NotConfigured(_("The national public service portal is not configured."))
    return PortalClient(config)


# Population database ----------------------------------------------------------------------


@dataclass(frozen=True)
class Citizen:
    """What the population database gives about a citizen (the fields the forms ask for)."""

    personal_number: str
    full_name: str
    date_of_birth: str
    gender: str
    nationality: str
    permanent_address: str

    FIELDS = ("full_name", "date_of_birth", "gender", "nationality", "permanent_address")

    @property
    def birth_date(self) -> datetime.date:
        return datetime.date.fromisoformat(self.date_of_birth)


def citizen(data: dict[str, Any], number: str) -> Citizen:
    found = Citizen(
        personal_number=_text(data.get("personalNumber"), 12),
        full_name=_text(data.get("fullName"), 200),
        date_of_birth=_text(data.get("dateOfBirth"), 10),
        gender=_text(data.get("gender"), 10),
        nationality=_text(data.get("nationality"), 60),
        permanent_address=_text(data.get("permanentAddress"), 300),
    )
    if found.personal_number != number or not found.full_name:
        raise ConnectorError(_("The population database answered about another citizen."))
    try:
        datetime.date.fromisoformat(found.date_of_birth)
    except ValueError:
        raise ConnectorError(_("The population database gave an unreadable date of birth.")) from None
    return found


def population_configured() -> bool:
    return bool((getattr(settings, "POPULATION_DB_URL", "") or "").strip()) and bool(
        (getattr(settings, "POPULATION_XROAD_CLIENT", "") or "").strip()
    )


def lookup_citizen(number: str, user_id: str, issue: str) -> Citizen:
    """The citizen with the 12-digit ``number``, asked through the gateway as ``user_id`` for the
    dossier ``issue``."""
    if not population_configured():
        raise NotConfigured(_("The national population database is not configured."))
    if not PERSONAL_NUMBER.fullmatch(number):
        raise ConnectorError(_("A personal identification number has 12 digits."))
    url = settings.POPULATION_DB_URL.rstrip("/") + f"/citizens/{number}"
    request = urllib.request.Request(url, method="GET")  # noqa: S310 - configured URL
    request.add_header("Accept", "application/json")
    request.add_header("X-Road-Client", settings.POPULATION_XROAD_CLIENT)
    request.add_header("X-Road-Id", str(uuid.uuid4()))
    request.add_header("X-Road-UserId", _header(user_id))
    request.add_header("X-Road-Issue", _header(issue))
    key_file = (getattr(settings, "POPULATION_XROAD_KEY_FILE", "") or "").strip()
    if key_file:
        try:
            key = Path(key_file).read_bytes()
        except OSError:
            raise NotConfigured(_("The platform's key for the gateway cannot be read.")) from None
        assertion = client_assertion(settings.POPULATION_XROAD_CLIENT, key)
        request.add_header("Authorization", f"Bearer {assertion}")
    timeout = float(getattr(settings, "POPULATION_DB_TIMEOUT", 5.0))
    return citizen(_read_json(_call(request, timeout, _("The population database"))), number)


def _header(value: str) -> str:
    """A header value without line breaks or other control characters (header injection)."""
    return "".join(ch for ch in value if ch.isprintable())[:200]
