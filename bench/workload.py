"""What the load phases send: citizens with bearer tokens and documents, submission bodies for
the procedures that can be submitted online, a sample of seeded dossiers to track, search terms;
and the SQL of one real submission, for the database floor.

Run inside Django against the running server::

    python -m bench.workload --base-url http://127.0.0.1:PORT --out DIR
"""

import argparse
import datetime
import json
import random
import secrets
import urllib.parse
from pathlib import Path

import django
import requests

PASSWORD = "Bench-Đồng-Tháp-2026"
CITIZENS = 8
BODIES = 400
TRACK_SAMPLE = 20_000
SEARCH_TERMS = [
    "dang ky khai sinh",
    "giấy phép xây dựng",
    "ho kinh doanh",
    "chứng thực",
    "ly lich tu phap",
    "ket hon",
    "khai tử",
    "tro cap xa hoi",
    "đất đai",
    "thanh lap doanh nghiep",
]


def minimal_pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def answer(field: dict, rng: random.Random, commune: str):
    """A plausible answer to one e-form field (see ``tinhso.procedures.eform``)."""
    kind = field["type"]
    if kind == "text":
        value = {
            "cccd": "087095001234",
            "phone": "0912345678",
            "email": "cong.dan@example.vn",
        }.get(field.get("format"), "Nguyễn Thị Ngọc Hân")
        return value[: field.get("max_length", 200)]
    if kind == "number":
        low, high = field.get("min", 1), field.get("max", max(field.get("min", 1), 100))
        return int(low + (high - low) // 2) if field.get("integer") else (low + high) / 2
    if kind == "date":
        return (datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randrange(1500))).isoformat()
    if kind == "choice":
        value = field["choices"][0]["value"]
        return [value] if field.get("multiple") else value
    if kind == "address":
        return {"province": "82", "commune": commune, "detail": "Số 12, ấp Tân Thuận"}
    item = {sub["name"]: answer(sub, rng, commune) for sub in field["fields"]}
    if field.get("repeatable"):
        return [item] * max(1, field.get("min_items", 1) or 1)
    return item


def prepare(base_url: str, out: Path, citizens_count: int = CITIZENS, rng_seed: int = 11) -> dict:
    from django.db import connection

    from tinhso.accounts.models import User, UserKind
    from tinhso.dossiers import actions, answers
    from tinhso.procedures.models import OnlineLevel, Procedure
    from tinhso.units.models import AdministrativeUnit, Level

    rng = random.Random(rng_seed)
    out.mkdir(parents=True, exist_ok=True)
    communes = list(
        AdministrativeUnit.objects.valid_on()
        .filter(level=Level.COMMUNE, parent__code="82")
        .values_list("code", flat=True)
    )
    session = requests.Session()
    citizens = []
    for index in range(citizens_count):
        cccd = f"08719900{index:04d}"
        if not User.objects.filter(username=cccd).exists():
            User.objects.create_user(
                cccd,
                PASSWORD,
                full_name=f"Lê Thị Thu Trang {index}",
                kind=UserKind.CITIZEN,
                cccd=cccd,
                date_of_birth=datetime.date(1999, 3, 4),
                gender="female",
                phone=f"+8491200{index:04d}",
                email=f"trang{index}@example.vn",
            )
        response = session.post(
            f"{base_url}/api/v1/auth/token", json={"username": cccd, "password": PASSWORD, "name": "bench"}
        )
        response.raise_for_status()
        token = response.json()["access_token"]
        upload = session.post(
            f"{base_url}/api/v1/dossiers/documents",
            headers={"Authorization": f"Bearer {token}"},
            files={"file": ("giay-to.pdf", minimal_pdf(), "application/pdf")},
        )
        upload.raise_for_status()
        citizens.append((token, upload.json()["id"]))

    statistics_token = officer_token(session, base_url)
    (out / "statistics.token").write_text(statistics_token)

    usable, skipped = [], {}
    procedures = Procedure.objects.current().filter(submit_online=True).exclude(online_level=OnlineLevel.NONE)
    for procedure in procedures.prefetch_related("documents"):
        pages = (procedure.eform or {}).get("pages", [])
        data = {f["name"]: answer(f, rng, rng.choice(communes)) for page in pages for f in page["fields"]}
        errors = answers.validate_answers(pages, data)
        agencies = list(actions.receiving_agencies(procedure).values_list("code", flat=True))
        if errors or not agencies:
            skipped[procedure.code] = sorted(errors) or ["no receiving agency"]
            continue
        required = [doc.pk for doc in procedure.documents.all() if doc.is_required]
        usable.append((procedure.code, data, agencies, required))
    if not usable:
        raise RuntimeError(f"bench.workload: no procedure can be submitted online ({skipped})")

    with (out / "submit.tsv").open("w") as lines:
        for number in range(BODIES):
            token, document = citizens[number % len(citizens)]
            code, data, agencies, required = rng.choice(usable)
            body = {
                "procedure": code,
                "receiving_agency": rng.choice(agencies),
                "applicant": {
                    "phone": "0912345678",
                    "email": "trang@example.vn",
                    "address": {"commune": rng.choice(communes), "detail": "Số 5, ấp Mỹ Hòa"},
                },
                "form_data": data,
                "attachments": [{"personal_document": document, "required_document": pk} for pk in required],
            }
            lines.write(f"{token}\t{json.dumps(body, ensure_ascii=False)}\n")

    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM dossiers_dossier WHERE NOT is_draft")
        low, high = cursor.fetchone()
        ids = [rng.randint(low, high) for _ in range(TRACK_SAMPLE)]
        cursor.execute(
            # Not the rows of the pgbench submission floor (a growth run's second round finds them).
            "SELECT code, applicant_phone FROM dossiers_dossier WHERE id = ANY(%s) AND applicant_phone <> '' "
            "AND code NOT LIKE 'FLOOR-%%'",
            [ids],
        )
        rows = cursor.fetchall()
    rng.shuffle(rows)
    with (out / "track.tsv").open("w") as lines:
        for code, phone in rows:
            lines.write(f"{code}\t0{phone[3:]}\n")
    with (out / "search.tsv").open("w") as lines:
        for term in SEARCH_TERMS:
            lines.write(urllib.parse.quote(term) + "\n")
    queries = capture_submission(citizens[0][0], out / "submit.tsv")
    return {
        "citizens": len(citizens),
        "procedures_submitted": sorted(code for code, *_rest in usable),
        "procedures_skipped": skipped,
        "track_codes": len(rows),
        "submission_queries": queries,
    }


def officer_token(session, base_url: str) -> str:
    """A bearer token of a province dashboard viewer (officers sign in with TOTP)."""
    import pyotp
    from django.utils import timezone

    from tinhso.accounts.models import Membership, Role, User, UserKind
    from tinhso.agencies.models import Agency

    user = User.objects.filter(username="bench.thongke").first()
    if user is None:
        user = User.objects.create_user(
            "bench.thongke",
            PASSWORD,
            full_name="Phạm Minh Quân",
            kind=UserKind.OFFICER,
            gender="male",
            email="thongke@dongthap.example.vn",
            totp_secret=pyotp.random_base32(),
            totp_confirmed_at=timezone.now(),
        )
        for root in Agency.objects.filter(parent__isnull=True):
            Membership.objects.create(
                user=user, agency=root, role=Role.DASHBOARD_VIEWER, valid_from=datetime.date(2025, 7, 1)
            )
    response = session.post(
        f"{base_url}/api/v1/auth/token",
        json={"username": user.username, "password": PASSWORD, "totp": pyotp.TOTP(user.totp_secret).now()},
    )
    response.raise_for_status()
    return response.json()["access_token"]


def capture_submission(token: str, bodies: Path) -> dict:
    """The SQL statements of one real submission through the API (in process)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    line = bodies.read_text().splitlines()[0]
    token, body = line.split("\t", 1)
    client = Client(HTTP_HOST="127.0.0.1")
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            "/api/v1/dossiers/",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            # A key of its own: a growth run captures a submission again, as a new one.
            HTTP_IDEMPOTENCY_KEY=f"bench-capture-{secrets.token_hex(4)}",
        )
    statements = [query["sql"] for query in captured.captured_queries]
    return {
        "status": response.status_code,
        "count": len(statements),
        "writes": sum(1 for sql in statements if sql.split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}),
        "statements": statements,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--citizens", type=int, default=CITIZENS)
    options = parser.parse_args(argv)
    django.setup()
    print(
        json.dumps(prepare(options.base_url.rstrip("/"), options.out, options.citizens), ensure_ascii=False)
    )


if __name__ == "__main__":
    main()
