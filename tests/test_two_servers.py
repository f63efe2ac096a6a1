"""Two application servers and two task workers against one PostgreSQL, behind HAProxy (issue 16):
gunicorn on two ports, each with its own ``run_worker``, balanced round-robin. A session made
through one server works through the other; a per-process reference copy follows a change made
through the other server (the catalogue's, the working calendar's); the sign-in and tracking
throttles count across both; notifications created through either are sent exactly once by the
two workers.

Each check is a client of its own loopback address (127.0.0.x), which HAProxy forwards in
``X-Forwarded-For`` and the servers believe (HAProxy at 127.0.0.1 is their trusted proxy).
"""

import datetime
import email
import email.policy
import mailbox
import os
import re
import subprocess
import sys
import time
from collections import Counter

import pyotp
import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.pgserver import ROOT, free_port, wait_for
from tests.province import database, environment, gunicorn, seed, stop, wait_until_up
from tinhso.testing import minimal_pdf

# django_db: pytest-django makes the test database, whose schema the stack copies.
pytestmark = [pytest.mark.ops, pytest.mark.django_db]

HAPROXY = "/usr/sbin/haproxy"
HAPROXY_CONFIG = """
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s

frontend platform
    bind 127.0.0.1:{lb}
    option forwardfor
    default_backend servers

backend servers
    balance roundrobin
    http-response set-header X-Served-By %s
    server a 127.0.0.1:{a}
    server b 127.0.0.1:{b}
"""


class FromAddress(HTTPAdapter):
    """Connections from one loopback address: one client for the servers' rate limits."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client(address: str, token: str | None = None) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    return session


@pytest.fixture(scope="module")
def pair(django_db_setup, tmp_path_factory):
    if not os.access(HAPROXY, os.X_OK):
        pytest.fail("haproxy is missing: scripts/bootstrap.sh test installs it")
    tmp = tmp_path_factory.mktemp("two-servers")
    with database("/tmp/tinhso-pair-") as server:
        ports = {name: free_port() for name in ("a", "b", "lb", "smtp")}
        env = environment(
            server,
            tmp / "media",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(ports["smtp"]),
            TRUSTED_PROXIES="127.0.0.1",
            TRACKING_MAX_ATTEMPTS="4",
            LOGIN_MAX_FAILURES="3",
        )
        seeded = seed(env)
        (tmp / "haproxy.cfg").write_text(HAPROXY_CONFIG.format(**ports))
        log_path = tmp / "processes.log"
        log = log_path.open("w")
        processes = {}

        def start(name, command):
            processes[name] = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )

        try:
            start(
                "smtp",
                [
                    *(sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{ports['smtp']}"),
                    *("-c", "aiosmtpd.handlers.Mailbox", str(tmp / "mail")),
                ],
            )
            for name in ("a", "b"):
                processes[f"server {name}"] = gunicorn(ports[name], env, log, workers=1)
                worker = ("run_worker", "--worker-id", f"worker-{name}", "--interval", "0.2")
                start(f"worker {name}", [sys.executable, "manage.py", *worker])
            start("haproxy", [HAPROXY, "-db", "-f", str(tmp / "haproxy.cfg")])
            for name in ("a", "b"):
                wait_until_up(f"http://127.0.0.1:{ports[name]}", processes[f"server {name}"])
                wait_for(
                    lambda name=name: f"worker_id=worker-{name}" in log_path.read_text(),
                    90,
                    f"the task worker of server {name}",
                )
            wait_until_up(f"http://127.0.0.1:{ports['lb']}", processes["haproxy"], timeout=30)
            yield {
                "a": f"http://127.0.0.1:{ports['a']}",
                "b": f"http://127.0.0.1:{ports['b']}",
                "lb": f"http://127.0.0.1:{ports['lb']}",
                "seed": seeded,
                "server": server,
                "mail": tmp / "mail",
            }
        finally:
            stop(processes.values())
            log.close()


def served_by(response) -> str:
    return response.headers["X-Served-By"]


def test_the_load_balancer_alternates_between_the_two_servers(pair):
    session = client("127.0.0.2")
    answers = [session.get(f"{pair['lb']}/healthz", timeout=10) for _ in range(4)]
    assert [response.status_code for response in answers] == [200] * 4
    assert Counter(map(served_by, answers)) == {"a": 2, "b": 2}


def csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_a_session_made_through_one_server_works_through_the_other(pair):
    seeded, session = pair["seed"], client("127.0.0.3")
    form = session.get(f"{pair['a']}/tai-khoan/dang-nhap/", timeout=10)
    signed_in = session.post(
        f"{pair['a']}/tai-khoan/dang-nhap/",
        data={
            "csrfmiddlewaretoken": csrf_token(form.text),
            "username": seeded["citizen"]["username"],
            "password": seeded["password"],
        },
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 302, signed_in.text[:2000]
    assert "sessionid" in session.cookies

    account = session.get(f"{pair['b']}/tai-khoan/", allow_redirects=False, timeout=10)
    assert account.status_code == 200 and "Nguyễn Văn An" in account.text
    through = [session.get(f"{pair['lb']}/tai-khoan/", allow_redirects=False, timeout=10) for _ in range(2)]
    assert {served_by(page) for page in through} == {"a", "b"}
    assert all(page.status_code == 200 and "Nguyễn Văn An" in page.text for page in through)

    # Signing out through B (with the CSRF token of a page of A) ends the session on A too.
    signed_out = session.post(
        f"{pair['b']}/tai-khoan/dang-xuat/",
        data={"csrfmiddlewaretoken": csrf_token(account.text)},
        allow_redirects=False,
        timeout=10,
    )
    assert signed_out.status_code == 302
    assert session.get(f"{pair['a']}/tai-khoan/", allow_redirects=False, timeout=10).status_code == 302


# The commune each desk receives for: a commune procedure is received by the centre of the
# applicant's commune (dossiers.actions.boundary_errors).
DESK_COMMUNES = {"H20.201.01": "28261", "H20.202.01": "29869"}


def submission(seeded: dict, document: int, agency: str) -> dict:
    return {
        "procedure": seeded["procedure"],
        "receiving_agency": agency,
        "applicant": {
            "phone": "0912345678",
            "email": "an@example.vn",
            "address": {"commune": DESK_COMMUNES[agency], "detail": "12 Ấp Bắc"},
        },
        "form_data": seeded["answers"],
        "attachments": [{"personal_document": document, "required_document": seeded["document"]}],
    }


def upload(session: requests.Session, base: str) -> int:
    response = session.post(
        f"{base}/api/v1/dossiers/documents",
        files={"file": ("giay-chung-sinh.pdf", minimal_pdf())},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_a_reference_copy_follows_a_change_made_through_the_other_server(pair):
    """B keeps the procedure's receiving agencies in memory (the catalogue's copy); the Cao Lãnh
    desk closed through A no longer receives dossiers through B."""
    seeded = pair["seed"]
    citizen = client("127.0.0.4", seeded["citizen"]["token"])
    officer = client("127.0.0.4", seeded["officer"]["token"])
    document = upload(citizen, pair["b"])
    body = submission(seeded, document, "H20.202.01")
    first = citizen.post(f"{pair['b']}/api/v1/dossiers/", json=body, timeout=30)
    assert first.status_code == 201, first.text

    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    closed = officer.post(
        f"{pair['a']}/api/v1/agencies/H20.202.01/close", json={"valid_to": yesterday}, timeout=30
    )
    assert closed.status_code == 200, closed.text

    refused = citizen.post(f"{pair['b']}/api/v1/dossiers/", json=body, timeout=30)
    assert refused.status_code == 422, refused.text
    assert "receiving_agency" in refused.json()["error"]["fields"]
    elsewhere = citizen.post(
        f"{pair['b']}/api/v1/dossiers/", json=submission(seeded, document, "H20.201.01"), timeout=30
    )
    assert elsewhere.status_code == 201, elsewhere.text


def test_the_calendar_copy_follows_a_year_confirmed_through_the_other_server(pair):
    """B's working calendar (a per-process copy) says whether a year's days off are provisional;
    the province administrator confirms 2021 in the admin of A (signed in with the second
    factor) and B's next page says it."""
    seeded, admin = pair["seed"], client("127.0.0.8")
    provisional = "Lịch nghỉ năm 2021 (dự kiến)"
    assert provisional in admin.get(f"{pair['b']}/lich-nghi/2021/", timeout=30).text

    form = admin.get(f"{pair['a']}/tai-khoan/dang-nhap/?next=/quan-tri/", timeout=30)
    password = admin.post(
        form.url,
        data={
            "csrfmiddlewaretoken": csrf_token(form.text),
            "username": seeded["officer"]["username"],
            "password": seeded["password"],
        },
        timeout=30,
    )
    assert "/tai-khoan/xac-thuc-hai-buoc/" in password.url, password.url
    code = pyotp.TOTP(seeded["officer"]["totp_secret"]).now()
    verified = admin.post(
        password.url, data={"csrfmiddlewaretoken": csrf_token(password.text), "code": code}, timeout=30
    )
    assert verified.url.endswith("/quan-tri/"), verified.url
    year_page = admin.get(f"{pair['a']}/quan-tri/worktime/holidayyear/nam/2021/", timeout=30)
    assert year_page.status_code == 200, year_page.text[:2000]
    confirmed = admin.post(
        year_page.url,
        data={
            "csrfmiddlewaretoken": csrf_token(year_page.text),
            "basis": "Quyết định số 2441/QĐ-BLĐTBXH (thử nghiệm)",
            "confirm": "1",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert confirmed.status_code == 302, confirmed.text[:2000]

    page = admin.get(f"{pair['b']}/lich-nghi/2021/", timeout=30).text
    assert provisional not in page and "Lịch nghỉ năm 2021" in page


def test_the_sign_in_and_tracking_throttles_count_across_both_servers(pair):
    seeded = pair["seed"]
    guesser, owner = client("127.0.0.5"), client("127.0.0.6")
    wrong = {"username": seeded["citizen"]["username"], "password": "not-the-password"}
    answers = [guesser.post(f"{pair['lb']}/api/v1/auth/token", json=wrong, timeout=30) for _ in range(3)]
    assert [response.status_code for response in answers] == [401, 401, 429]
    assert {served_by(response) for response in answers} == {"a", "b"}
    right = {**wrong, "password": seeded["password"]}
    for base in (pair["a"], pair["b"]):
        assert guesser.post(f"{base}/api/v1/auth/token", json=right, timeout=30).status_code == 429
    assert owner.post(f"{pair['lb']}/api/v1/auth/token", json=right, timeout=30).status_code == 200

    code = seeded["dossier"]["code"]
    tracked = [
        guesser.get(
            f"{pair['lb']}/api/v1/dossiers/track", params={"code": code, "factor": "0000"}, timeout=30
        )
        for _ in range(5)
    ]
    assert [response.status_code for response in tracked] == [404, 404, 404, 404, 429]
    assert {served_by(response) for response in tracked} == {"a", "b"}
    for base in (pair["a"], pair["b"]):
        again = guesser.get(
            f"{base}/api/v1/dossiers/track", params={"code": code, "factor": "0000"}, timeout=30
        )
        assert again.status_code == 429
    found = owner.get(
        f"{pair['lb']}/api/v1/dossiers/track", params={"code": code, "factor": "0912345678"}, timeout=30
    )
    assert found.status_code == 200, found.text


def test_notifications_made_through_either_server_are_sent_once_by_the_two_workers(pair):
    seeded, server = pair["seed"], pair["server"]
    citizen = client("127.0.0.7", seeded["citizen"]["token"])
    codes = []
    for number in range(8):
        base = pair["a"] if number % 2 else pair["b"]
        response = citizen.post(
            f"{base}/api/v1/dossiers/",
            json=submission(seeded, upload(citizen, base), "H20.201.01"),
            headers={"Idempotency-Key": f"two-servers-{number}"},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        codes.append(response.json()["submission_reference"])

    def sent() -> bool:
        rows = server.sql(
            "SELECT d.submission_reference, n.state, n.attempts FROM dossiers_notification n "
            "JOIN dossiers_dossier d ON d.id = n.dossier_id"
        )
        mine = [row for row in rows if row[0] in codes]
        return len(mine) == len(codes) and all(state == "sent" for _code, state, _attempts in mine) and mine

    rows = wait_for(sent, 60, "the notifications of the eight dossiers sent")
    assert sorted(code for code, _state, attempts in rows if attempts == 1) == sorted(codes)
    time.sleep(1)  # a second sending would come now
    subjects = [
        email.message_from_bytes(message.as_bytes(), policy=email.policy.default)["subject"]
        for message in mailbox.Maildir(pair["mail"], create=False)
    ]
    per_dossier = Counter(code for subject in subjects for code in codes if code in subject)
    assert per_dossier == dict.fromkeys(codes, 1), subjects
    workers = {
        worker
        for (ids,) in server.sql("SELECT worker_ids FROM django_tasks_database_dbtaskresult")
        for worker in ids
    }
    # Both workers were running and polling; which of them takes each task is a race, so only
    # that the tasks ran on these two workers (and each notification once, above) is asserted.
    assert workers and workers <= {"worker-a", "worker-b"}, workers
