"""Demo dossiers for the demo citizens, in several statuses with their history. Safe to run again.

Needs the demo province (``load_demo``) and the catalogue (``load_procedures``); procedures or
people that are missing are skipped with a message.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.demo import data
from tinhso.dossiers import actions
from tinhso.dossiers.models import Dossier, DueTimeChangeKind
from tinhso.dossiers.status import Status
from tinhso.units.models import Level
from tinhso.units.services import units_matching

# (citizen CCCD, procedure code, receiving agency code or None for a commune desk, final status).
PLAN = [
    ("087095001234", "1.001193", None, Status.NEW),
    ("087095001234", "1.004873", None, Status.PROCESSING),
    ("082190004567", "DT-004", "H20.13", Status.SUPPLEMENT),
    ("082190004567", "2.000635", None, Status.RETURNED),
    ("087303008910", "1.000656", None, Status.WITHDRAWN),
]
DESK_COMMUNE = "Phường Mỹ Tho"


def demo_pdf(title: str) -> bytes:
    text = title.encode("ascii", "ignore")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % (len(text) + 30)
        + b"BT /F1 12 Tf 50 780 Td ("
        + text
        + b") Tj ET\nendstream",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def sample_value(field: dict, citizen: User, commune: str):
    """A value that passes ``field``'s rules (real-looking Vietnamese data)."""
    kind = field["type"]
    if kind == "text":
        value = {
            "cccd": citizen.cccd,
            "phone": citizen.phone,
            "email": citizen.email or "dan@example.vn",
        }.get(field.get("format"), citizen.full_name if "ten" in field["name"] else "Theo hồ sơ đính kèm")
        return value[: field.get("max_length") or 255]
    if kind == "number":
        return field.get("min", 1) if field.get("min", 1) <= field.get("max", 10**9) else field["max"]
    if kind == "date":
        return (citizen.date_of_birth or datetime.date(1990, 1, 1)).isoformat()
    if kind == "choice":
        first = field["choices"][0]["value"]
        return [first] if field.get("multiple") else first
    if kind == "address":
        return {"province": data.PROVINCE_CODE, "commune": commune, "detail": "Số 12, đường 30 Tháng 4"}
    values = {sub["name"]: sample_value(sub, citizen, commune) for sub in field["fields"]}
    return [values] * max(1, field.get("min_items") or 1) if field.get("repeatable") else values


class Command(BaseCommand):
    help = "Create demo dossiers for the demo citizens (needs load_demo and load_procedures); safe to rerun."

    def handle(self, *args, **options):
        from tinhso.procedures.models import Procedure

        citizens = {user.cccd: user for user in User.objects.filter(cccd__in=[row[0] for row in PLAN])}
        if Dossier.objects.filter(applicant__in=citizens.values()).exists():
            self.stdout.write("Hồ sơ trình diễn đã có / demo dossiers already loaded.")
            return
        commune = units_matching(DESK_COMMUNE, level=Level.COMMUNE).first()
        desk = (
            Agency.objects.valid_on().filter(kind="one_stop_desk", unit=commune).first() if commune else None
        )
        officer = User.objects.filter(username="admin.tinh").first()
        if commune is None or desk is None or officer is None:
            self.stdout.write("Thiếu tỉnh trình diễn (load_demo) / the demo province is missing: skipped.")
            return
        for cccd, code, agency_code, status in PLAN:
            citizen = citizens.get(cccd)
            procedure = Procedure.objects.current().filter(code=code).first()
            if citizen is None or procedure is None:
                self.stdout.write(f"Bỏ qua / skipped: {cccd} {code}")
                continue
            try:
                dossier = self.create(citizen, procedure, agency_code or desk.code, commune.code)
                self.advance(dossier, status, officer, citizen)
            except (ValidationError, PermissionDenied) as exc:
                self.stdout.write(f"Bỏ qua / skipped {code}: {exc}")
                continue
            self.stdout.write(f"  {dossier.code}  {Status(status).label}  {procedure.name[:60]}")

    def create(self, citizen, procedure, agency_code, commune):
        pages = (procedure.eform or {}).get("pages", [])
        form_data = {
            field["name"]: sample_value(field, citizen, commune) for page in pages for field in page["fields"]
        }
        attachments = []
        for document in procedure.documents.all():
            upload = ContentFile(demo_pdf(document.name), name=f"{procedure.code}-{document.position}.pdf")
            stored = actions.add_personal_document(citizen, upload)
            attachments.append({"personal_document": stored.pk, "required_document": document.pk})
        dossier, _created = actions.create_dossier(
            citizen,
            procedure_code=procedure.code,
            agency_code=agency_code,
            applicant={
                "phone": citizen.phone,
                "email": citizen.email,
                "address": {"commune": commune, "detail": "Số 12"},
            },
            form_data=form_data,
            attachments=attachments,
        )
        return dossier

    @transaction.atomic
    def advance(self, dossier, status, officer, citizen):
        if status == Status.WITHDRAWN:
            actions.withdraw_dossier(citizen, dossier, "Tôi đã nộp nhầm thủ tục.")
            return
        if status == Status.NEW:
            return
        locked = actions.lock_dossier(dossier)
        now = timezone.now()
        actions.apply_status_change(locked, Status.ACCEPTED, officer, "", now)
        locked.received_at = now
        locked.save(update_fields=["received_at"])
        actions.record_due_time_change(
            locked,
            DueTimeChangeKind.ACCEPTANCE,
            actions.compute_due_at(locked.procedure, now),
            "",
            officer,
            now,
        )
        actions.apply_status_change(locked, Status.PROCESSING, officer)
        if status == Status.SUPPLEMENT:
            actions.request_supplement(officer, locked, ["Bản sao Căn cước công dân còn rõ nét"], "")
        elif status == Status.RETURNED:
            actions.apply_status_change(locked, Status.FINISHED, officer)
            actions.apply_status_change(locked, Status.RETURNED, officer)
            locked.finished_at = locked.returned_at = timezone.now()
            locked.save(update_fields=["finished_at", "returned_at"])
