"""The local national population database: a small HTTP server answering the citizen look-up
assumed in ``tinhso.national.protocol`` (``GET …/citizens/<number>``), for the demo and the
tests. It answers only a call that names its X-Road client (``X-Road-Client``), the person acting
(``X-Road-UserId``) and the dossier (``X-Road-Issue``), and keeps every call it answered
(``calls``), so a test sees what was asked for which dossier. Errors are X-Road's JSON
``{type, message, detail}``. Served by ``portal_server.serve``.
"""

import json
import re
import threading
from typing import Any

NUMBER_PATH = re.compile(r"/citizens/(\d{12})")

# The demo's citizens, those of the demo accounts (README): 087/082 = province of birth
# registration, then century and gender, year of birth (Decree 137/2015/NĐ-CP Art. 13).
DEMO_CITIZENS = [
    {
        "personalNumber": "087095001234",
        "fullName": "Nguyễn Văn An",
        "dateOfBirth": "1995-03-14",
        "gender": "Nam",
        "nationality": "Việt Nam",
        "permanentAddress": "Khu phố 3, phường Mỹ Tho, tỉnh Đồng Tháp",
    },
    {
        "personalNumber": "082190004567",
        "fullName": "Trần Thị Bích Ngọc",
        "dateOfBirth": "1990-11-02",
        "gender": "Nữ",
        "nationality": "Việt Nam",
        "permanentAddress": "Số 12 đường 30/4, phường Cao Lãnh, tỉnh Đồng Tháp",
    },
    {
        "personalNumber": "087303008910",
        "fullName": "Lê Hoàng Minh Thư",
        "dateOfBirth": "2003-07-21",
        "gender": "Nữ",
        "nationality": "Việt Nam",
        "permanentAddress": "Ấp Tân Phú, phường Mỹ Tho, tỉnh Đồng Tháp",
    },
]


def _error(kind: str, message: str) -> dict[str, str]:
    return {"type": kind, "message": message, "detail": ""}


class LocalPopulation:
    """The WSGI application; ``clients``: the X-Road client ids it answers."""

    def __init__(self, citizens: list[dict[str, Any]], clients: list[str]):
        self.citizens = {citizen["personalNumber"]: citizen for citizen in citizens}
        self.clients = set(clients)
        self.calls: list[dict[str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        status, body = self.handle(environ)
        payload = json.dumps(body, ensure_ascii=False).encode()
        reasons = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found"}
        headers = [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(payload)))]
        if environ.get("HTTP_X_ROAD_ID"):
            headers.append(("X-Road-Id", environ["HTTP_X_ROAD_ID"]))
        start_response(f"{status} {reasons.get(status, 'Error')}", headers)
        return [payload]

    def handle(self, environ) -> tuple[int, dict[str, Any]]:
        client = environ.get("HTTP_X_ROAD_CLIENT", "")
        user_id = environ.get("HTTP_X_ROAD_USERID", "")
        issue = environ.get("HTTP_X_ROAD_ISSUE", "")
        if environ["REQUEST_METHOD"] != "GET":
            return 400, _error("Client.BadRequest", "only GET")
        if client not in self.clients:
            return 403, _error("Server.ServerProxy.AccessDenied", f"client {client!r} has no access")
        if not user_id or not issue:
            return 400, _error("Client.BadRequest", "X-Road-UserId and X-Road-Issue are required")
        match = NUMBER_PATH.search(environ.get("PATH_INFO", ""))
        if match is None or not environ.get("PATH_INFO", "").endswith(match.group(0)):
            return 400, _error("Client.BadRequest", "GET …/citizens/<12-digit number>")
        with self.lock:
            self.calls.append({"client": client, "userId": user_id, "issue": issue, "number": match.group(1)})
        citizen = self.citizens.get(match.group(1))
        if citizen is None:
            return 404, _error("Server.ServerProxy.UnknownCitizen", "no citizen with this number")
        return 200, citizen
