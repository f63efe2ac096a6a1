"""Revoking, updating and replacing a document sent over the exchange (Decree 30/2020/NĐ-CP Art.
18(3)-(4)): the clerk asks with a reason, a leader approves, the outgoing document is frozen, each
recipient gets the package (BussinessDocType 1/2/3), its incoming document is tombstoned or
linked to its replacement with the assignment pulled back, people are told, "13" and "15" show on
both sides' timelines; and the refusals, which write nothing."""

import datetime
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.accounts.permissions import can
from tinhso.audit.models import AuditEntry
from tinhso.documents import actions, edxml, exchange, search
from tinhso.documents.models import (
    Delivery,
    DocumentEvent,
    IncomingDocument,
    OutgoingDocument,
    Package,
    Withdrawal,
)
from tinhso.documents.rules import in_hands_of
from tinhso.documents.timeline import delivery_timeline
from tinhso.testing import minimal_pdf

FIXTURES = Path(__file__).parent / "fixtures"
REASON = "Sai đối tượng áp dụng tại Điều 2"


def issue(staff, agency, subject="Về việc giao chỉ tiêu biên chế năm 2026"):
    document = actions.create_draft(
        staff["specialist"],
        agency,
        type_code="quyet_dinh",
        subject=subject,
        signer_position="Phó Chủ tịch",
        signer_name="Trần Văn Ký",
        upload=SimpleUploadedFile("quyet-dinh.pdf", minimal_pdf(), content_type="application/pdf"),
    )
    return actions.issue_document(staff["clerk"], document)


@pytest.fixture
def with_emails(pc_staff, dept_staff, ward_staff):
    for staff in (pc_staff, dept_staff, ward_staff):
        for user in staff.values():
            user.email = f"{user.username}@dongthap.gov.vn"
            user.save(update_fields=["email"])


@pytest.fixture
def sent(agencies, pc_staff, dept_staff, ward_staff, with_emails, django_capture_on_commit_callbacks):
    """Sent to the department (registered there and assigned to its specialist) and to the ward
    (still waiting to be registered)."""
    document = issue(pc_staff, agencies["pc"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_document(pc_staff["clerk"], document, [agencies["dept"], agencies["ward"]])
    incoming = IncomingDocument.objects.get(agency=agencies["dept"])
    with django_capture_on_commit_callbacks(execute=True):
        incoming = actions.register_incoming(dept_staff["clerk"], incoming, accept_signature=True)
        actions.assign_incoming(dept_staff["leader"], incoming, dept_staff["specialist"], 5)
    mail.outbox.clear()
    return document


def approve(leader, change, capture):
    with capture(execute=True):
        return actions.decide_withdrawal(leader, change, approve=True)


def test_a_revocation_tombstones_both_copies_pulls_back_the_assignment_and_reports_15(
    agencies, pc_staff, dept_staff, ward_staff, sent, django_capture_on_commit_callbacks
):
    change = actions.request_withdrawal(pc_staff["clerk"], sent, "revoke", REASON)
    assert change.state == "requested"
    with pytest.raises(ValidationError) as refusal:
        actions.send_document(pc_staff["clerk"], sent, [agencies["dept"]])
    assert refusal.value.code in {"withdrawal_waiting", "resent"}

    approve(pc_staff["leader"], change, django_capture_on_commit_callbacks)

    sent.refresh_from_db()
    assert sent.state == "revoked"
    revocations = Package.objects.filter(kind="document").order_by("pk")[2:]
    assert len(revocations) == 2
    for package in revocations:
        assert package.state == "delivered"
        assert edxml.schema().validate(edxml.parse(bytes(package.xml)))
        read = edxml.read_document(bytes(package.xml))
        assert (read.business_type, read.business_reason) == (edxml.BUSINESS_REVOKE, REASON)
        assert read.document_id == sent.document_id
    for incoming in IncomingDocument.objects.all():
        assert incoming.state == "revoked"
        assert incoming.withdrawal_reason == REASON
        assert incoming.withdrawn_at is not None
        assert incoming.handler is None and incoming.handling_due_at is None
    department = IncomingDocument.objects.get(agency=agencies["dept"])
    assert department.arrival_number == 1, "the tombstone keeps its place in the register"
    for delivery in Delivery.objects.all():
        assert delivery.business_status == "15"
        sender_side = [(entry.kind, entry.status_code) for entry in delivery_timeline(delivery, "sender")]
        assert sender_side[-3:] == [("status", "13"), ("delivered", ""), ("status", "15")]
        recipient_side = [
            (entry.kind, entry.status_code) for entry in delivery_timeline(delivery, "recipient")
        ]
        assert recipient_side[-2:] == [("revoked", ""), ("status", "15")]
    assert DocumentEvent.objects.filter(outgoing=sent, kind="revoked", note=REASON).exists()
    addressed = {message.to[0] for message in mail.outbox}
    assert {
        "snv.clerk@dongthap.gov.vn",
        "snv.leader@dongthap.gov.vn",
        "snv.specialist@dongthap.gov.vn",
    } <= addressed
    assert {"mytho.clerk@dongthap.gov.vn", "mytho.leader@dongthap.gov.vn"} <= addressed
    assert "mytho.specialist@dongthap.gov.vn" not in addressed
    assert all(REASON in message.body and "thu hồi" in message.subject for message in mail.outbox)
    assert AuditEntry.objects.filter(action="documents.approve_withdrawal").count() == 1

    # Frozen: no more sending, no second revocation; the tombstone's handling is over.
    with pytest.raises(ValidationError):
        actions.send_document(pc_staff["clerk"], sent, [agencies["dept"]])
    with pytest.raises(ValidationError) as refusal:
        actions.request_withdrawal(pc_staff["clerk"], sent, "revoke", REASON)
    assert refusal.value.code == "frozen"
    with pytest.raises(ValidationError):
        actions.complete_incoming(dept_staff["leader"], department, "xong")
    with pytest.raises(ValidationError):
        actions.assign_incoming(dept_staff["leader"], department, dept_staff["specialist"], 5)
    with pytest.raises(ValidationError):
        actions.register_incoming(ward_staff["clerk"], IncomingDocument.objects.get(agency=agencies["ward"]))


def test_refusals_write_nothing(agencies, pc_staff, dept_staff, sent, django_capture_on_commit_callbacks):
    draft = actions.create_draft(
        pc_staff["specialist"], agencies["pc"], type_code="quyet_dinh", subject="Dự thảo"
    )
    events, entries = DocumentEvent.objects.count(), AuditEntry.objects.count()

    with pytest.raises(ValidationError) as refusal:
        actions.request_withdrawal(pc_staff["clerk"], draft, "revoke", REASON)
    assert refusal.value.code == "draft"
    with pytest.raises(PermissionDenied):
        actions.request_withdrawal(dept_staff["clerk"], sent, "revoke", REASON)
    for role in ("leader", "specialist"):
        with pytest.raises(PermissionDenied):
            actions.request_withdrawal(pc_staff[role], sent, "revoke", REASON)
    with pytest.raises(ValidationError) as refusal:
        actions.request_withdrawal(pc_staff["clerk"], sent, "revoke", "   ")
    assert refusal.value.code == "required"
    with pytest.raises(ValidationError) as refusal:
        actions.request_withdrawal(pc_staff["clerk"], sent, "delete", REASON)
    assert refusal.value.code == "kind"
    with pytest.raises(ValidationError) as refusal:
        actions.request_withdrawal(pc_staff["clerk"], sent, "update", REASON, subject=sent.subject)
    assert refusal.value.code == "nothing_changed"
    with pytest.raises(ValidationError) as refusal:
        actions.request_withdrawal(pc_staff["clerk"], sent, "update", REASON, number=7)
    assert refusal.value.code == "fields"
    with pytest.raises(ValidationError) as refusal:
        actions.request_withdrawal(pc_staff["clerk"], sent, "replace", REASON, replacement=draft)
    assert refusal.value.code == "replacement"
    with pytest.raises(ValidationError) as refusal:
        actions.request_withdrawal(pc_staff["clerk"], sent, "replace", REASON, replacement=sent)
    assert refusal.value.code == "replacement"
    assert not Withdrawal.objects.exists()
    assert (DocumentEvent.objects.count(), AuditEntry.objects.count()) == (events, entries)

    change = actions.request_withdrawal(pc_staff["clerk"], sent, "revoke", REASON)
    with pytest.raises(ValidationError) as refusal:
        actions.request_withdrawal(pc_staff["clerk"], sent, "revoke", REASON)
    assert refusal.value.code == "withdrawal_waiting"
    for approver in (pc_staff["clerk"], dept_staff["leader"]):
        with pytest.raises(PermissionDenied):
            actions.decide_withdrawal(approver, change, approve=True)
    with pytest.raises(ValidationError) as refusal:
        actions.decide_withdrawal(pc_staff["leader"], change, approve=False)
    assert refusal.value.code == "required"
    change.refresh_from_db()
    sent.refresh_from_db()
    assert (change.state, sent.state) == ("requested", "issued")
    assert Package.objects.count() == 6, "two documents, four statuses; no revocation went out"

    approve(pc_staff["leader"], change, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as refusal:
        actions.decide_withdrawal(pc_staff["leader"], change, approve=True)
    assert refusal.value.code == "decided"


def test_a_declined_request_lets_the_document_be_sent_again(
    agencies, pc_staff, sent, django_capture_on_commit_callbacks
):
    change = actions.request_withdrawal(pc_staff["clerk"], sent, "revoke", REASON)
    actions.decide_withdrawal(pc_staff["leader"], change, approve=False, note="Giữ nguyên quyết định")

    change.refresh_from_db()
    sent.refresh_from_db()
    assert (change.state, change.decision_note, sent.state) == ("declined", "Giữ nguyên quyết định", "issued")
    assert DocumentEvent.objects.filter(outgoing=sent, kind="wd_declined").exists()
    assert not IncomingDocument.objects.filter(state="revoked").exists()
    assert actions.request_withdrawal(pc_staff["clerk"], sent, "revoke", REASON).state == "requested"


def test_a_package_revoking_an_unknown_document_is_refused_and_writes_nothing(agencies):
    data = (FIXTURES / "foreign_document.edxml").read_bytes()
    package = edxml.read_document(data)
    package.business_type, package.business_reason = edxml.BUSINESS_REVOKE, REASON
    revocation = edxml.write_document(package)
    events = DocumentEvent.objects.count()

    with pytest.raises(exchange.DeliveryError, match="chưa từng nhận"):
        exchange.receive(revocation)

    assert not IncomingDocument.objects.exists()
    assert DocumentEvent.objects.count() == events
    assert not Package.objects.exists()


def test_a_replacement_links_the_old_copy_to_the_new_one(
    agencies, pc_staff, dept_staff, sent, django_capture_on_commit_callbacks
):
    replacing = issue(pc_staff, agencies["pc"], subject="Về việc giao chỉ tiêu biên chế năm 2026 (thay thế)")
    change = actions.request_withdrawal(pc_staff["clerk"], sent, "replace", REASON, replacement=replacing)

    approve(pc_staff["leader"], change, django_capture_on_commit_callbacks)

    sent.refresh_from_db()
    assert sent.state == "replaced"
    for agency in (agencies["dept"], agencies["ward"]):
        old = IncomingDocument.objects.get(agency=agency, document_id=sent.document_id)
        new = IncomingDocument.objects.get(agency=agency, document_id=replacing.document_id)
        assert (old.state, old.replaced_by, old.withdrawal_reason) == ("replaced", new, REASON)
        assert (new.state, new.reference) == ("pending", replacing.reference)
    package = Package.objects.filter(delivery__document=replacing, kind="document").first()
    read = edxml.read_document(bytes(package.xml))
    assert (read.business_type, read.replaced_document_ids) == (edxml.BUSINESS_REPLACE, [sent.document_id])
    assert set(sent.deliveries.values_list("business_status", flat=True)) == {"15"}
    assert set(replacing.deliveries.values_list("business_status", flat=True)) == {"01"}

    with pytest.raises(ValidationError) as refusal:
        actions.request_withdrawal(pc_staff["clerk"], sent, "replace", REASON, replacement=replacing)
    assert refusal.value.code == "frozen"


def test_an_update_corrects_the_header_on_both_sides_and_handling_goes_on(
    agencies, pc_staff, dept_staff, sent, django_capture_on_commit_callbacks
):
    due = datetime.date(2026, 12, 31)
    change = actions.request_withdrawal(
        pc_staff["clerk"],
        sent,
        "update",
        "Sửa trích yếu",
        subject="Về việc giao biên chế năm 2026",
        due_date=due,
    )

    approve(pc_staff["leader"], change, django_capture_on_commit_callbacks)

    sent.refresh_from_db()
    assert (sent.state, sent.subject, sent.due_date) == ("issued", "Về việc giao biên chế năm 2026", due)
    incoming = IncomingDocument.objects.get(agency=agencies["dept"])
    assert (incoming.state, incoming.subject, incoming.due_date) == ("assigned", sent.subject, due)
    assert incoming.handler == dept_staff["specialist"]
    assert DocumentEvent.objects.filter(incoming=incoming, kind="updated", note="Sửa trích yếu").exists()
    assert any("cập nhật" in message.subject for message in mail.outbox)


def test_a_package_not_delivered_yet_is_cancelled_by_a_revocation(
    agencies, pc_staff, with_emails, django_capture_on_commit_callbacks
):
    document = issue(pc_staff, agencies["pc"])
    actions.send_document(pc_staff["clerk"], document, [agencies["dept"]])  # the worker did not run
    change = actions.request_withdrawal(pc_staff["clerk"], document, "revoke", REASON)

    approve(pc_staff["leader"], change, django_capture_on_commit_callbacks)

    assert list(Package.objects.values_list("kind", "state")) == [("document", "cancelled")]
    assert exchange.deliver_due() == 0
    assert not IncomingDocument.objects.exists()
    with pytest.raises(ValidationError):
        actions.resend_package(pc_staff["clerk"], Package.objects.get())


def test_the_api_asks_and_the_leader_approves(
    client, agencies, pc_staff, dept_staff, sent, django_capture_on_commit_callbacks
):
    from tinhso.accounts.actions import issue_api_token

    def headers(user):
        return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(user, 'kiểm thử')[0]}"}

    url = f"/api/v1/documents/outgoing/{sent.pk}/withdrawals"
    refused = client.post(
        url,
        {"kind": "revoke", "reason": REASON},
        content_type="application/json",
        **headers(dept_staff["clerk"]),
    )
    assert refused.status_code == 404, "another agency's document is not there"
    invalid = client.post(
        url, {"kind": "revoke", "reason": ""}, content_type="application/json", **headers(pc_staff["clerk"])
    )
    assert invalid.status_code == 422
    asked = client.post(
        url,
        {"kind": "revoke", "reason": REASON},
        content_type="application/json",
        **headers(pc_staff["clerk"]),
    )
    assert asked.status_code == 200 and asked.json()["state"] == "requested"
    decision = f"{url}/{asked.json()['id']}/decision"
    forbidden = client.post(
        decision, {"approve": True}, content_type="application/json", **headers(pc_staff["clerk"])
    )
    assert forbidden.status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        approved = client.post(
            decision, {"approve": True}, content_type="application/json", **headers(pc_staff["leader"])
        )
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    incoming = IncomingDocument.objects.get(agency=agencies["dept"])
    detail = client.get(f"/api/v1/documents/incoming/{incoming.pk}", **headers(dept_staff["clerk"])).json()
    assert (detail["state"], detail["withdrawal_reason"]) == ("revoked", REASON)


def test_the_pages_show_the_request_to_the_clerk_and_the_decision_to_the_leader_only(
    client, signed_in, agencies, pc_staff, dept_staff, sent, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    page = reverse("documents:outgoing", args=[sent.pk])
    signed_in(pc_staff["specialist"])  # drafted it, may read it, may not revoke it
    asked = client.post(reverse("documents:withdraw", args=[sent.pk]), {"kind": "revoke", "reason": REASON})
    assert asked.status_code == 403
    assert not Withdrawal.objects.exists()
    signed_in(pc_staff["clerk"])
    assert "Trình lãnh đạo duyệt" in client.get(page).content.decode()
    client.post(reverse("documents:withdraw", args=[sent.pk]), {"kind": "revoke", "reason": REASON})
    change = Withdrawal.objects.get()
    text = client.get(page).content.decode()
    assert "Trình lãnh đạo duyệt" not in text and "Duyệt và gửi" not in text
    client.post(reverse("documents:decide_withdrawal", args=[sent.pk, change.pk]), {"decision": "approve"})
    change.refresh_from_db()
    assert change.state == "requested", "the clerk cannot approve"
    signed_in(pc_staff["leader"])
    assert "Duyệt và gửi tới các nơi nhận" in client.get(page).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("documents:decide_withdrawal", args=[sent.pk, change.pk]), {"decision": "approve"}
        )
    change.refresh_from_db()
    assert change.state == "approved"
    signed_in(dept_staff["clerk"])
    incoming = IncomingDocument.objects.get(agency=agencies["dept"])
    text = client.get(reverse("documents:incoming", args=[incoming.pk])).content.decode()
    assert "Nơi gửi đã thu hồi" in text and REASON in text


def test_an_update_of_a_revoked_copy_is_answered_16(
    agencies, pc_staff, sent, django_capture_on_commit_callbacks
):
    """Packages from outside may come out of order: the update of a copy already revoked is
    refused with "16" and the reason, and the copy stays revoked."""
    change = actions.request_withdrawal(pc_staff["clerk"], sent, "revoke", REASON)
    approve(pc_staff["leader"], change, django_capture_on_commit_callbacks)
    delivery = sent.deliveries.get(recipient=agencies["dept"])
    sent.subject = "Trích yếu đã sửa"  # not saved: the package only
    update = exchange.document_package(
        sent, agencies["dept"], pc_staff["clerk"], business_type=edxml.BUSINESS_UPDATE, business_reason="Sửa"
    )

    with django_capture_on_commit_callbacks(execute=True):
        incoming = exchange.receive(update)
        exchange.wake_on_commit()

    assert incoming.state == "revoked" and incoming.subject == "Về việc giao chỉ tiêu biên chế năm 2026"
    delivery.refresh_from_db()
    assert delivery.business_status == "16"
    assert (
        delivery.events.filter(kind="status", status_code="16", outgoing=sent)
        .get()
        .note.startswith("Văn bản đã bị thu hồi")
    )


def test_a_send_from_a_page_opened_before_the_revocation_is_refused(
    agencies, pc_staff, with_emails, django_capture_on_commit_callbacks
):
    """The clerk's copy of the document was read before the leader approved the revocation."""
    document = issue(pc_staff, agencies["pc"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_document(pc_staff["clerk"], document, [agencies["dept"]])
    stale = OutgoingDocument.objects.get(pk=document.pk)
    change = actions.request_withdrawal(pc_staff["clerk"], document, "revoke", REASON)
    approve(pc_staff["leader"], change, django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError) as refusal:
        actions.send_document(pc_staff["clerk"], stale, [agencies["ward"]])

    assert refusal.value.code == "frozen"
    assert list(document.deliveries.values_list("recipient", flat=True)) == [agencies["dept"].pk]


def test_a_replacement_naming_no_replaced_document_is_refused(agencies):
    package = edxml.read_document((FIXTURES / "foreign_document.edxml").read_bytes())
    package.business_type, package.business_reason = edxml.BUSINESS_REPLACE, REASON
    written = edxml.write_document(package)
    assert b"ReplacementInfoList" not in written

    with pytest.raises(edxml.EdxmlError) as refusal:
        exchange.receive(written)

    assert refusal.value.code == "N.Bussiness.ReplacementInfoList"
    assert not IncomingDocument.objects.exists()
    package.replaced_document_ids = ["000.00.00.G22,2026/01/05,12/BNV-VP"]
    assert (
        edxml.read_document(edxml.write_document(package)).replaced_document_ids
        == package.replaced_document_ids
    )


def test_a_replacement_already_sent_to_an_agency_outside_is_refused(
    agencies, pc_staff, settings, django_capture_on_commit_callbacks
):
    """The check that the replacing document did not already go to a recipient covers the
    agencies outside (reached through the national axis), not only those of the installation."""
    from django.utils import timezone

    from tinhso.documents.models import DirectoryAgency

    settings.DOCUMENTS_AXIS_URL = "http://127.0.0.1:9"
    settings.DOCUMENTS_AXIS_AGENCY_CODE = "H20"
    settings.DOCUMENTS_AXIS_SECRET = "secret"
    outside = DirectoryAgency.objects.create(code="G22", name="Văn phòng Chính phủ", synced_at=timezone.now())
    document = issue(pc_staff, agencies["pc"])
    replacing = issue(pc_staff, agencies["pc"], subject="Về việc giao chỉ tiêu (thay thế)")
    for sent_document in (document, replacing):
        actions.send_document(pc_staff["clerk"], sent_document, [], external=[outside])
        Package.objects.filter(delivery__document=sent_document).update(state=Package.State.DELIVERED)
    packages = Package.objects.count()

    with pytest.raises(ValidationError) as refusal:
        actions.request_withdrawal(pc_staff["clerk"], document, "replace", REASON, replacement=replacing)
    assert refusal.value.code == "replacement"
    assert not Withdrawal.objects.exists()
    assert Package.objects.count() == packages


def test_a_revocation_pulls_back_the_co_ordinators_and_the_read_access_given(
    agencies, pc_staff, dept_staff, ward_staff, sent, django_capture_on_commit_callbacks
):
    department = IncomingDocument.objects.get(agency=agencies["dept"])
    helper = factories.make_officer(agencies["dept"], "snv.specialist2", Role.SPECIALIST, "Võ Thị Phối")
    actions.assign_incoming(
        dept_staff["leader"], department, dept_staff["specialist"], 5, coordinators=[helper]
    )
    actions.give_opinion(helper, department, "Đề nghị bổ sung số liệu")
    grant = actions.grant_access(dept_staff["leader"], department, user=ward_staff["specialist"])
    for reader in (helper, ward_staff["specialist"]):
        assert can(reader, "documents.view_incoming", department)
    assert search.search(helper, "bien che")[1] == [department]

    change = actions.request_withdrawal(pc_staff["clerk"], sent, "revoke", REASON)
    approve(pc_staff["leader"], change, django_capture_on_commit_callbacks)

    department.refresh_from_db()
    assert department.state == "revoked"
    for reader in (helper, ward_staff["specialist"], dept_staff["specialist"]):
        assert not can(reader, "documents.view_incoming", department)
    assert search.search(helper, "bien che")[1] == []
    assert not IncomingDocument.objects.filter(in_hands_of(helper)).exists()
    grant.refresh_from_db()
    assert grant.revoked_at == department.withdrawn_at
    assert DocumentEvent.objects.filter(incoming=department, kind="ungranted").count() == 1
    assert AuditEntry.objects.filter(action="documents.revoke_access").count() == 1
    # The register's readers still see the tombstone with the co-ordinator's opinion.
    assert can(dept_staff["leader"], "documents.view_incoming", department)
    assert department.coordinators.get().opinion == "Đề nghị bổ sung số liệu"
