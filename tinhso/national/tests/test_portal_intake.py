"""Dossiers submitted on the national portal come into the one-stop inbox once, through the
dossiers' own action; the procedure catalogue updates are pulled through the catalogue's import."""

import base64

import pytest
from django.core.exceptions import ValidationError

from tinhso import testing as factories
from tinhso.accounts.models import User
from tinhso.audit.models import AuditEntry
from tinhso.dossiers.models import Channel, Dossier, PersonalDocument
from tinhso.dossiers.status import Status
from tinhso.national import actions
from tinhso.national.models import PortalIntake
from tinhso.procedures.catalogue import export_document
from tinhso.procedures.models import Procedure

from .conftest import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_upload_procedure(province):
    return factories.make_procedure(documents=False)


BIRTH_CERTIFICATE = {
    "component": 1,
    "name": "giay-chung-sinh.pdf",
    "contentBase64": base64.b64encode(factories.minimal_pdf()).decode(),
}


def portal_dossier(number="087095001234", **changes):
    return {
        "procedureCode": "1.001193",
        "agencyCode": "H20.201.01",
        "applicant": {
            "personalNumber": number,
            "fullName": "Nguyễn Văn An",
            "phone": "0912345678",
            "email": "an@example.vn",
            "address": {"commune": "28261", "detail": "Khu phố 3"},
        },
        "formData": factories.ANSWERS,
        "files": [BIRTH_CERTIFICATE],
        **changes,
    }


def test_a_dossier_submitted_on_the_portal_comes_into_the_inbox_once(
    portal, procedure, desk, citizen, officer, signed_in
):
    portal_id = portal.store.add_dossier(SYSTEM, portal_dossier())
    newcomer_id = portal.store.add_dossier(SYSTEM, portal_dossier("087303008910"))
    intake = actions.take_in_portal_dossiers()
    assert intake.refused == [] and len(intake.taken) == 2
    dossier = PortalIntake.objects.get(portal_id=portal_id).dossier
    assert dossier.applicant == citizen and dossier.status == Status.NEW and dossier.channel == Channel.ONLINE
    assert dossier.receiving_agency == desk and dossier.form_data["ho_ten"] == "Nguyễn Ngọc Hân"
    assert dossier.submission_reference and dossier.status_changes.get().to_status == Status.NEW
    [attachment] = dossier.attachments.all()
    assert attachment.required_document == procedure.documents.get(position=1)
    assert attachment.original_name == "giay-chung-sinh.pdf"
    assert portal.store.reference(portal_id) == dossier.submission_reference
    newcomer = User.objects.get(cccd="087303008910")
    assert newcomer.kind == "citizen" and not newcomer.has_usable_password()
    taken = AuditEntry.objects.filter(action="national.take_in_portal_dossier", object_id=str(dossier.pk))
    assert taken.exists()
    assert portal.store.reference(newcomer_id)

    # Pulled again (the portal lost our acknowledgement): the same dossier, not a second one.
    again = actions.protocol.portal_dossier(portal_dossier(portalId=portal_id))
    assert actions.take_in_portal_dossier(again) == dossier
    assert actions.take_in_portal_dossiers().taken == []
    assert Dossier.objects.count() == 2

    inbox = signed_in(officer).get("/mot-cua/").content.decode()
    assert dossier.submission_reference in inbox


def test_bad_dossiers_from_the_portal_are_refused_and_change_nothing(portal, procedure, desk):
    garbage = portal.store.add_dossier(SYSTEM, {"portalId": "G1", "applicant": "nobody"})
    unknown = portal.store.add_dossier(SYSTEM, portal_dossier(procedureCode="9.999999"))
    no_number = portal.store.add_dossier(SYSTEM, portal_dossier("0871"))
    no_file = portal.store.add_dossier(SYSTEM, portal_dossier(files=[]))
    bad_file = portal.store.add_dossier(
        SYSTEM, portal_dossier(files=[{**BIRTH_CERTIFICATE, "contentBase64": "không phải base64"}])
    )
    not_pdf = portal.store.add_dossier(
        SYSTEM,
        portal_dossier(files=[{**BIRTH_CERTIFICATE, "contentBase64": base64.b64encode(b"MZ").decode()}]),
    )
    intake = actions.take_in_portal_dossiers()
    assert intake.taken == []
    refused = [portal_id for portal_id, _reason in intake.refused]
    assert refused == [garbage, unknown, no_number, no_file, bad_file, not_pdf]
    assert "thủ tục" in intake.refused[1][1].lower() or "procedure" in intake.refused[1][1].lower()
    assert not Dossier.objects.exists() and not PortalIntake.objects.exists()
    assert not User.objects.filter(cccd="087095001234").exists()
    assert len(portal.store.waiting(SYSTEM)) == 6  # left at the portal
    assert not PersonalDocument.objects.exists()


def test_the_portal_down_or_answering_garbage_takes_nothing_in(portal, no_upload_procedure):
    portal.store.add_dossier(SYSTEM, portal_dossier())
    for fault in ("down", "garbage"):
        portal.faults = {fault}
        with pytest.raises(actions.protocol.ConnectorError):
            actions.take_in_portal_dossiers()
    assert not Dossier.objects.exists()


def test_catalogue_updates_are_pulled_through_the_import(portal, no_upload_procedure):
    document = export_document(Procedure.objects.filter(pk=no_upload_procedure.pk))
    document["procedures"][0]["name"] = "Đăng ký khai sinh (cập nhật từ Cổng Dịch vụ công quốc gia)"
    document["procedures"][0]["processing_time"]["amount"] = 2
    portal.store.publish_catalogue(SYSTEM, document)
    [(procedure, created)] = actions.pull_catalogue()
    assert not created and procedure.pk == no_upload_procedure.pk
    procedure.refresh_from_db()
    assert procedure.name.endswith("(cập nhật từ Cổng Dịch vụ công quốc gia)")
    assert procedure.processing_time == 2
    entry = AuditEntry.objects.get(action="procedures.import_update", object_id=str(procedure.pk))
    assert entry.data == {"source": "national-portal"}


def test_a_bad_catalogue_update_changes_nothing(portal, no_upload_procedure):
    document = export_document(Procedure.objects.filter(pk=no_upload_procedure.pk))
    document["procedures"][0]["name"] = ""
    portal.store.publish_catalogue(SYSTEM, document)
    with pytest.raises(ValidationError):
        actions.pull_catalogue()
    portal.store.publish_catalogue(SYSTEM, {"format": "something else"})
    with pytest.raises(ValidationError):
        actions.pull_catalogue()
    no_upload_procedure.refresh_from_db()
    assert no_upload_procedure.name == "Thủ tục đăng ký khai sinh"
    assert not AuditEntry.objects.filter(action__startswith="procedures.import").exists()
