"""Exchange between agencies of the installation through edXML packages: sending, arrival with
"01" sent back, registering ("03"), returning ("02"), assigning ("04"), handling ("06"),
the timelines of both sides, retries and the dead-letter list, and the refusals."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from tinhso.documents import actions, edxml, exchange
from tinhso.documents.models import (
    Delivery,
    DocumentEvent,
    IncomingDocument,
    OutgoingDocument,
    Package,
    Secrecy,
)
from tinhso.documents.timeline import delivery_timeline
from tinhso.testing import minimal_pdf
from tinhso.worktime.calendar import add_working_days

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def issued(agencies, pc_staff):
    clerk = pc_staff["clerk"]
    upload = SimpleUploadedFile("quyet-dinh.pdf", minimal_pdf(), content_type="application/pdf")
    document = actions.create_draft(
        pc_staff["specialist"],
        agencies["pc"],
        type_code="quyet_dinh",
        subject="Về việc giao chỉ tiêu biên chế năm 2026",
        signer_competence="KT",
        signer_position="Phó Chủ tịch",
        signer_name="Trần Văn Ký",
        upload=upload,
    )
    return actions.issue_document(clerk, document)


def test_a_file_without_a_name_is_refused_and_nothing_is_kept(agencies, pc_staff):
    """A file with no name (possible from code, not from a form) has nothing to be stored under."""
    with pytest.raises(ValidationError) as refusal:
        actions.create_draft(
            pc_staff["specialist"],
            agencies["pc"],
            type_code="quyet_dinh",
            subject="Về việc giao chỉ tiêu biên chế năm 2026",
            upload=ContentFile(minimal_pdf()),
        )
    assert refusal.value.code == "file_name"
    with pytest.raises(ValidationError) as refusal:
        actions.register_paper(
            pc_staff["clerk"],
            agencies["pc"],
            sender_name="Sở Tư pháp",
            subject="Báo cáo",
            upload=ContentFile(b"x"),
        )
    assert refusal.value.code == "file_name"
    assert not OutgoingDocument.objects.exists()
    assert not IncomingDocument.objects.exists()
    assert not DocumentEvent.objects.exists()


def send(clerk, document, recipients, capture):
    with capture(execute=True):
        return actions.send_document(clerk, document, recipients)


def test_sending_delivers_one_package_per_recipient_and_the_arrival_comes_back(
    agencies, pc_staff, dept_staff, ward_staff, issued, django_capture_on_commit_callbacks
):
    deliveries = send(
        pc_staff["clerk"], issued, [agencies["dept"], agencies["ward"]], django_capture_on_commit_callbacks
    )
    assert Package.objects.filter(kind="document").count() == 2
    for package in Package.objects.filter(kind="document"):
        assert edxml.schema().validate(edxml.parse(bytes(package.xml)))
        read = edxml.read_document(bytes(package.xml))
        assert [organ.organ_id for organ in read.recipients] == [package.to_code]
        assert (read.code_number, read.code_notation) == ("01", "QĐ-UBND")
        assert read.attachments[0].data == minimal_pdf()
    for delivery in deliveries:
        delivery.refresh_from_db()
        assert (delivery.transport, delivery.business_status) == ("delivered", "01")
        incoming = delivery.incoming
        assert incoming.agency == delivery.recipient and incoming.state == "pending"
        assert incoming.reference == "01/QĐ-UBND" and incoming.sender_code == "H20"
        assert incoming.file.read() == minimal_pdf()
    assert Package.objects.filter(kind="status", state="delivered").count() == 2
    assert not Package.objects.filter(state="pending").exists()


def test_register_assign_and_handle_report_back_to_the_sender(
    agencies, pc_staff, dept_staff, issued, django_capture_on_commit_callbacks
):
    (delivery,) = send(pc_staff["clerk"], issued, [agencies["dept"]], django_capture_on_commit_callbacks)
    incoming = Delivery.objects.get(pk=delivery.pk).incoming
    with django_capture_on_commit_callbacks(execute=True):
        registered = actions.register_incoming(
            dept_staff["clerk"], incoming, accept_signature=True, subject="Giao chỉ tiêu biên chế 2026"
        )
    assert (registered.arrival_number, registered.state) == (1, "registered")
    assert registered.subject == "Giao chỉ tiêu biên chế 2026"
    delivery.refresh_from_db()
    assert delivery.business_status == "03"
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assigned = actions.assign_incoming(
            dept_staff["leader"], registered, dept_staff["specialist"], 3, at=now
        )
    assert assigned.handling_due_at == add_working_days(now, 3)
    delivery.refresh_from_db()
    assert delivery.business_status == "04"
    with django_capture_on_commit_callbacks(execute=True):
        actions.complete_incoming(dept_staff["specialist"], assigned, "Đã triển khai")
    delivery.refresh_from_db()
    assert delivery.business_status == "06"
    sender_side = [(entry.kind, entry.status_code) for entry in delivery_timeline(delivery, "sender")]
    assert sender_side == [
        ("queued", ""),
        ("delivered", ""),
        ("status", "01"),
        ("status", "03"),
        ("status", "04"),
        ("status", "06"),
    ]
    receiver_side = [(entry.kind, entry.status_code) for entry in delivery_timeline(delivery, "recipient")]
    assert receiver_side == [
        ("received", ""),
        ("status", "01"),
        ("registered", ""),
        ("status", "03"),
        ("status", "04"),
        ("status", "06"),
    ]


def test_returning_needs_a_reason_and_reports_02(
    agencies, pc_staff, dept_staff, issued, django_capture_on_commit_callbacks
):
    (delivery,) = send(pc_staff["clerk"], issued, [agencies["dept"]], django_capture_on_commit_callbacks)
    incoming = Delivery.objects.get(pk=delivery.pk).incoming
    with pytest.raises(ValidationError):
        actions.refuse_incoming(dept_staff["clerk"], incoming, "   ")
    with django_capture_on_commit_callbacks(execute=True):
        actions.refuse_incoming(dept_staff["clerk"], incoming, "Gửi nhầm đơn vị")
    delivery.refresh_from_db()
    assert delivery.business_status == "02"
    assert (
        delivery.events.filter(kind="status", status_code="02", outgoing=issued).get().note
        == "Gửi nhầm đơn vị"
    )
    with pytest.raises(ValidationError):
        actions.register_incoming(dept_staff["clerk"], IncomingDocument.objects.get(pk=incoming.pk))


def test_paper_and_electronic_share_one_arrival_series_per_agency_and_year(
    agencies, pc_staff, dept_staff, issued, django_capture_on_commit_callbacks
):
    paper = actions.register_paper(
        dept_staff["clerk"],
        agencies["dept"],
        sender_name="Bộ Nội vụ",
        subject="Công văn giấy",
        code_number="12",
    )
    (delivery,) = send(pc_staff["clerk"], issued, [agencies["dept"]], django_capture_on_commit_callbacks)
    electronic = actions.register_incoming(
        dept_staff["clerk"], Delivery.objects.get(pk=delivery.pk).incoming, accept_signature=True
    )
    assert (paper.arrival_number, electronic.arrival_number) == (1, 2)
    next_year = datetime.datetime(2027, 1, 1, 1, 0, tzinfo=datetime.UTC)
    later = actions.register_paper(
        dept_staff["clerk"], agencies["dept"], sender_name="Bộ Tài chính", subject="Công văn", at=next_year
    )
    assert (later.year, later.arrival_number) == (2027, 1)


def test_a_duplicate_is_refused_unless_the_clerk_accepts_it(agencies, pc_staff):
    actions.register_paper(
        pc_staff["clerk"],
        agencies["pc"],
        sender_name="Bộ Nội vụ",
        subject="Bản giấy",
        code_number="1234",
        code_notation="BNV-VP",
    )
    arrived = exchange.receive((FIXTURES / "foreign_document.edxml").read_bytes())
    assert arrived.agency == agencies["pc"] and arrived.state == "pending"
    with pytest.raises(ValidationError) as error:
        actions.register_incoming(pc_staff["clerk"], arrived)
    assert error.value.code == "duplicate"
    assert IncomingDocument.objects.get(pk=arrived.pk).arrival_number is None
    registered = actions.register_incoming(
        pc_staff["clerk"], arrived, accept_duplicate=True, accept_signature=True
    )
    assert registered.arrival_number == 2
    again = exchange.receive((FIXTURES / "foreign_document.edxml").read_bytes())
    with pytest.raises(ValidationError) as error:
        actions.register_incoming(pc_staff["clerk"], again)  # same document id
    assert error.value.code == "duplicate"


def test_sending_refusals(agencies, pc_staff, dept_staff, issued, django_capture_on_commit_callbacks):
    clerk = pc_staff["clerk"]
    draft = actions.create_draft(clerk, agencies["pc"], type_code="thong_bao", subject="Nháp")
    secret = actions.issue_document(
        clerk,
        actions.create_draft(
            clerk, agencies["pc"], type_code="bao_cao", subject="Mật", secrecy=Secrecy.SECRET
        ),
    )
    cases = [
        (clerk, draft, [agencies["dept"]], "not_issued"),
        (clerk, secret, [agencies["dept"]], "secret"),
        (clerk, issued, [], "recipients"),
        (clerk, issued, [agencies["dept"], agencies["dept"]], "duplicate_recipient"),
        (clerk, issued, [agencies["pc"]], "self"),
    ]
    for user, document, recipients, code in cases:
        with pytest.raises(ValidationError) as error:
            actions.send_document(user, document, recipients)
        assert error.value.code == code
    agencies["ward"].valid_to = timezone.localdate() - datetime.timedelta(days=1)
    agencies["ward"].save()
    with pytest.raises(ValidationError) as error:
        actions.send_document(clerk, issued, [agencies["ward"]])
    assert error.value.code == "unknown_recipient"
    for user in (pc_staff["specialist"], pc_staff["leader"], dept_staff["clerk"]):
        with pytest.raises(PermissionDenied):
            actions.send_document(user, issued, [agencies["dept"]])
    assert not Delivery.objects.exists() and not Package.objects.exists()
    send(clerk, issued, [agencies["dept"]], django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as error:
        actions.send_document(clerk, issued, [agencies["dept"]])
    assert error.value.code == "resent"


def test_an_undeliverable_package_is_retried_then_dead_lettered_and_can_be_resent(
    agencies, pc_staff, issued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        (delivery,) = actions.send_document(pc_staff["clerk"], issued, [agencies["dept"]])
    department = agencies["dept"]
    department.valid_to = timezone.localdate() - datetime.timedelta(days=1)
    department.save()
    now = timezone.now()
    assert exchange.deliver_due(now=now) == 1
    package = Package.objects.get(kind="document")
    assert (package.state, package.attempts) == ("pending", 1)
    assert package.next_attempt_at == now + exchange.RETRY_DELAYS[0]
    assert "H20.10" in package.last_error
    assert exchange.deliver_due(now=now) == 0  # not due yet
    later = now
    for delay in exchange.RETRY_DELAYS:
        later += delay
        exchange.deliver_due(now=later)
    package.refresh_from_db()
    delivery.refresh_from_db()
    assert (package.state, package.attempts, delivery.transport) == ("dead", exchange.MAX_ATTEMPTS, "dead")
    assert [event.kind for event in delivery.events.order_by("pk")].count(
        "failed"
    ) == exchange.MAX_ATTEMPTS - 1
    assert not IncomingDocument.objects.exists()
    department.valid_to = None
    department.save()
    with pytest.raises(PermissionDenied):
        actions.resend_package(pc_staff["specialist"], package)
    with django_capture_on_commit_callbacks(execute=True):
        actions.resend_package(pc_staff["clerk"], package)
    delivery.refresh_from_db()
    assert (delivery.transport, delivery.business_status) == ("delivered", "01")
    with pytest.raises(ValidationError):
        actions.resend_package(pc_staff["clerk"], Package.objects.get(pk=package.pk))


def test_a_package_is_delivered_once(agencies, pc_staff, issued, django_capture_on_commit_callbacks):
    (delivery,) = send(pc_staff["clerk"], issued, [agencies["dept"]], django_capture_on_commit_callbacks)
    package = Package.objects.get(kind="document")
    assert exchange.receive(bytes(package.xml), delivery) == delivery.incoming
    assert IncomingDocument.objects.count() == 1


def test_a_status_for_a_document_never_sent_is_refused(agencies):
    data = (FIXTURES / "foreign_status.edxml").read_bytes()
    with pytest.raises(exchange.DeliveryError):
        exchange.receive(data)
    assert not DocumentEvent.objects.exists()


def test_a_package_for_an_agency_not_here_is_refused(agencies):
    data = (FIXTURES / "foreign_document.edxml").read_bytes().replace(b">H20<", b">H99.99<")
    with pytest.raises(exchange.DeliveryError):
        exchange.receive(data)
    assert not IncomingDocument.objects.exists()


def test_roles_and_agencies_on_incoming_documents(
    agencies, pc_staff, dept_staff, ward_staff, issued, django_capture_on_commit_callbacks
):
    (delivery,) = send(pc_staff["clerk"], issued, [agencies["dept"]], django_capture_on_commit_callbacks)
    incoming = Delivery.objects.get(pk=delivery.pk).incoming
    for user in (ward_staff["clerk"], pc_staff["clerk"], dept_staff["leader"], dept_staff["specialist"]):
        with pytest.raises(PermissionDenied):
            actions.register_incoming(user, incoming)
        with pytest.raises(PermissionDenied):
            actions.refuse_incoming(user, incoming, "Không đúng")
    registered = actions.register_incoming(dept_staff["clerk"], incoming, accept_signature=True)
    for user in (dept_staff["clerk"], dept_staff["specialist"], pc_staff["leader"], ward_staff["leader"]):
        with pytest.raises(PermissionDenied):
            actions.assign_incoming(user, registered, dept_staff["specialist"], 3)
    with pytest.raises(ValidationError) as error:
        actions.assign_incoming(dept_staff["leader"], registered, ward_staff["specialist"], 3)
    assert error.value.code == "handler"
    for days in (0, 61):
        with pytest.raises(ValidationError):
            actions.assign_incoming(dept_staff["leader"], registered, dept_staff["specialist"], days)
    with pytest.raises(ValidationError):
        actions.complete_incoming(dept_staff["leader"], registered)  # not assigned yet
    assigned = actions.assign_incoming(dept_staff["leader"], registered, dept_staff["specialist"], 2)
    with pytest.raises(PermissionDenied):
        actions.complete_incoming(ward_staff["specialist"], assigned)
    with pytest.raises(PermissionDenied):
        actions.complete_incoming(dept_staff["clerk"], assigned)
    assert IncomingDocument.objects.get(pk=incoming.pk).state == "assigned"


def test_the_cron_command_delivers_what_the_worker_left(
    agencies, pc_staff, issued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        (delivery,) = actions.send_document(pc_staff["clerk"], issued, [agencies["dept"]])
    out = io.StringIO()
    call_command("deliver_documents", stdout=out)
    assert out.getvalue().strip() == "2 package(s) handled."  # the document, then its "01"
    delivery.refresh_from_db()
    assert (delivery.transport, delivery.business_status) == ("delivered", "01")


def test_a_long_attachment_name_is_kept_and_stored_under_a_short_one(agencies, pc_staff):
    name = "cong-van-" + "rat-dai-" * 20 + ".pdf"
    data = (FIXTURES / "foreign_document.edxml").read_bytes().replace(b"cong-van-1234.pdf", name.encode())
    arrived = exchange.receive(data)
    assert arrived.file_name == name
    assert len(arrived.file.name) <= 100 and arrived.file.read() == b"%PDF-1.4\n%%EOF\n"


def test_a_storage_failure_counts_as_a_failed_attempt_and_does_not_block_the_queue(
    agencies, pc_staff, issued, settings, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        actions.send_document(pc_staff["clerk"], issued, [agencies["dept"]])
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker / "media"  # the attachment cannot be written
    assert exchange.deliver_due() == 1
    package = Package.objects.get()
    assert (package.state, package.attempts) == ("pending", 1)
    assert package.last_error
    assert not IncomingDocument.objects.exists()
