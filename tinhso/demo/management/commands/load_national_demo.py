"""The national connectors in the demo: a citizen's dossier submitted on the local national
portal and a catalogue update published there, both taken in at once; prints the local national
servers' addresses. Nothing happens when no national portal is configured."""

import base64

from django.conf import settings
from django.core.management.base import BaseCommand

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.demo import data
from tinhso.demo.history import demo_pdf, sample_value
from tinhso.national import actions, protocol
from tinhso.procedures.catalogue import export_document
from tinhso.procedures.models import Procedure

# Cấp Giấy xác nhận tình trạng hôn nhân, asked on the national portal by a demo citizen.
PORTAL_PROCEDURE = "1.004873"
PORTAL_CITIZEN = data.CITIZENS[1][0]


class Command(BaseCommand):
    help = "Submit a demo dossier and a catalogue update on the local national portal and take them in."

    def handle(self, *args, **options):
        if protocol.portal_config() is None:
            return
        write = self.stdout.write
        procedure = Procedure.objects.current().filter(code=PORTAL_PROCEDURE).first()
        desk = Agency.objects.valid_on().filter(kind=AgencyKind.ONE_STOP_DESK, unit__name=data.MY_THO).first()
        client = protocol.portal_client()
        person = User.objects.filter(cccd=PORTAL_CITIZEN).first()
        if procedure is not None and desk is not None and person is not None:
            commune = desk.unit.code
            pages = (procedure.eform or {}).get("pages", [])
            client.post_test(
                "dossiers",
                {
                    "procedureCode": procedure.code,
                    "agencyCode": desk.code,
                    "applicant": {
                        "personalNumber": person.cccd,
                        "fullName": person.full_name,
                        "phone": person.phone,
                        "email": person.email,
                        "address": {"commune": commune, "detail": "Số 12, đường 30 Tháng 4"},
                    },
                    "formData": {
                        f["name"]: sample_value(f, person, commune) for p in pages for f in p["fields"]
                    },
                    "files": [
                        {
                            "component": document.position,
                            "name": f"thanh-phan-{document.position}.pdf",
                            "contentBase64": base64.b64encode(
                                demo_pdf(f"Thanh phan {document.position}")
                            ).decode(),
                        }
                        for document in procedure.documents.all()
                    ],
                },
            )
            document = export_document(Procedure.objects.filter(pk=procedure.pk))
            record = document["procedures"][0]
            record["processing_time"]["note"] = "Cập nhật từ Cổng Dịch vụ công quốc gia (trình diễn)."
            client.post_test("procedures", document)
            intake = actions.take_in_portal_dossiers()
            saved = actions.pull_catalogue()
            for dossier in intake.taken:
                write(f"Hồ sơ nhận từ Cổng DVC quốc gia / from the national portal: {dossier.display_code}")
            write(f"Thủ tục cập nhật từ Cổng / procedures updated from the portal: {len(saved)}")
        write(f"Cổng DVC quốc gia (cục bộ) / local national portal: {client.config.url}")
        if protocol.population_configured():
            write(
                f"CSDL quốc gia về dân cư (cục bộ) / local population database: {settings.POPULATION_DB_URL}"
            )
        for key, conf in settings.OIDC_PROVIDERS.items():
            if conf.get("national_identity"):
                write(f"VNeID (cục bộ) / local national identity ({key}): {conf['issuer']}")
