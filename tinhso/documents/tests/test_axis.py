"""Exchange with agencies outside the installation through the national axis, against the real
local axis server (an HTTP server on a free port in a thread, with its own storage): sending,
the other side's answers and the joined timeline; taking in what the axis holds, once; the axis
down, retries, the dead letter and the resend; hostile packages refused with nothing written;
the agency directory; the configuration failing closed."""

import datetime
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tinhso import testing as factories
from tinhso.accounts.actions import issue_api_token
from tinhso.accounts.models import User
from tinhso.demo import data
from tinhso.demo.management.commands.load_demo import Command as LoadDemo
from tinhso.documents import actions, axis, axis_inbox, axis_server, edxml, exchange
from tinhso.documents.models import (
    AxisReceipt,
    Delivery,
    DirectoryAgency,
    DocumentEvent,
    IncomingDocument,
    Package,
    SignatureCheck,
)
from tinhso.documents.tests.conftest import make_agencies
from tinhso.documents.tests.test_edxml import BILLION_LAUGHS, XXE
from tinhso.documents.timeline import delivery_timeline
from tinhso.testing import minimal_pdf

SECRET = "installation-secret-for-tests"
PEER_SECRET = "peer-secret-for-tests"


@pytest.fixture
def local_axis(tmp_path, settings):
    store = axis_server.AxisStore(str(tmp_path / "axis.sqlite3"))
    store.add_system("H20", SECRET, ["H20"])
    store.add_system("G22", PEER_SECRET, ["G22"])
    store.add_agency("G22", "Văn phòng Chính phủ")
    store.add_agency("000.00.00.G01", "Bộ Công an")
    store.add_agency("H20", "Ủy ban nhân dân tỉnh Đồng Tháp")
    server = axis_server.serve(store)
    url = f"http://127.0.0.1:{server.server_port}"
    settings.DOCUMENTS_AXIS_URL = url
    settings.DOCUMENTS_AXIS_AGENCY_CODE = "H20"
    settings.DOCUMENTS_AXIS_SECRET = SECRET
    yield {
        "store": store,
        "url": url,
        "peer": axis_server.AxisPeer(url, "G22", PEER_SECRET, "Văn phòng Chính phủ"),
    }
    server.shutdown()
    server.server_close()


@pytest.fixture
def issued(agencies, pc_staff):
    upload = SimpleUploadedFile("bao-cao.pdf", minimal_pdf(), content_type="application/pdf")
    document = actions.create_draft(
        pc_staff["specialist"],
        agencies["pc"],
        type_code="bao_cao",
        subject="Báo cáo kết quả chuyển đổi số năm 2026",
        signer_competence="TM",
        signer_position="Chủ tịch",
        signer_name="Trần Văn Ký",
        upload=upload,
    )
    return actions.issue_document(pc_staff["clerk"], document)


def government_office():
    actions.sync_directory(None)
    return DirectoryAgency.objects.get(code="G22")


def nothing_written():
    return not (
        IncomingDocument.objects.exists()
        or AxisReceipt.objects.exists()
        or Package.objects.exists()
        or DocumentEvent.objects.exists()
    )


def test_a_document_sent_outside_goes_through_the_axis_and_the_answers_join_its_timeline(
    local_axis, pc_staff, issued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = actions.send_document(pc_staff["clerk"], issued, [], external=[government_office()])
    package = Package.objects.get()
    assert (package.via_axis, package.state, package.to_code) == (True, "delivered", "G22")
    delivery.refresh_from_db()
    assert (delivery.transport, delivery.business_status) == ("sent", "")
    peer = local_axis["peer"]
    (waiting,) = peer.client.received("edoc")
    assert waiting["docId"] == package.axis_id and waiting["from"] == "H20"
    read = edxml.read_document(peer.client.get(package.axis_id))
    assert [organ.organ_id for organ in read.recipients] == ["G22"]
    assert read.document_id == issued.document_id and read.attachments[0].data == minimal_pdf()
    assert edxml.schema().validate(edxml.parse(bytes(package.xml)))

    assert peer.answer() == 1
    assert axis_inbox.fetch() == {"taken": 2, "again": 0, "refused": 0}
    delivery.refresh_from_db()
    assert (delivery.transport, delivery.business_status) == ("delivered", "03")
    sender_side = [(event.kind, event.status_code) for event in delivery_timeline(delivery, "sender")]
    assert sender_side == [
        ("queued", ""),
        ("sent", ""),
        ("delivered", ""),
        ("status", "01"),
        ("status", "03"),
    ]
    assert peer.client.received("edoc") == []
    assert {item["state"] for item in peer.client.sent()} == {"done"}
    assert not IncomingDocument.objects.exists()


def test_a_document_from_outside_is_registered_once_and_acknowledged_through_the_axis(
    local_axis, agencies, pc_staff, django_capture_on_commit_callbacks
):
    peer = local_axis["peer"]
    doc_id = peer.send_document(
        edxml.Organ(organ_id="000.00.00.H20", name="Ủy ban nhân dân tỉnh Đồng Tháp"),
        "512",
        "VPCP-KSTT",
        "Về việc đôn đốc triển khai Đề án 06",
        attachments=[
            edxml.Attachment(name="cong-van.pdf", content_type="application/pdf", data=minimal_pdf())
        ],
    )
    assert axis_inbox.fetch() == {"taken": 1, "again": 0, "refused": 0}
    incoming = IncomingDocument.objects.get()
    assert (incoming.agency, incoming.state, incoming.axis_id) == (agencies["pc"], "pending", doc_id)
    assert (incoming.reference, incoming.sender_code) == ("512/VPCP-KSTT", "G22")
    assert incoming.file.read() == minimal_pdf()

    # The axis lists it again (a lost "done"): it is not registered a second time.
    local_axis["store"].set_state(doc_id, ["H20"], "inbox", "")
    assert axis_inbox.fetch() == {"taken": 0, "again": 1, "refused": 0}
    assert IncomingDocument.objects.count() == 1 and AxisReceipt.objects.count() == 1

    # "01 arrived" went back through the axis; registering sends "03".
    assert exchange.deliver_due() == 1
    # The sample PDF is unsigned: flagged on arrival, registered with the clerk's confirmation.
    assert incoming.signature_check == SignatureCheck.FLAGGED
    with django_capture_on_commit_callbacks(execute=True):
        actions.register_incoming(pc_staff["clerk"], incoming, accept_signature=True)
    statuses = [edxml.read_status(peer.client.get(item["docId"])) for item in peer.client.received("status")]
    assert [status.status_code for status in statuses] == ["01", "03"]
    assert {status.for_document_id for status in statuses} == {incoming.document_id}
    assert Package.objects.filter(via_axis=True, state="delivered", incoming=incoming).count() == 2


def test_the_axis_down_retries_then_dead_letters_and_the_clerk_resends(
    local_axis, settings, pc_staff, dept_staff, issued, django_capture_on_commit_callbacks
):
    office = government_office()
    settings.DOCUMENTS_AXIS_URL = "http://127.0.0.1:9"  # nothing listens there
    with django_capture_on_commit_callbacks(execute=False):
        (delivery,) = actions.send_document(pc_staff["clerk"], issued, [], external=[office])
    now = timezone.now()
    assert exchange.deliver_due(now=now) == 1
    package = Package.objects.get()
    assert (package.state, package.attempts) == ("pending", 1)
    assert "Không kết nối được trục liên thông quốc gia" in package.last_error
    later = now
    for delay in exchange.RETRY_DELAYS:
        later += delay
        exchange.deliver_due(now=later)
    package.refresh_from_db()
    delivery.refresh_from_db()
    assert (package.state, package.attempts, delivery.transport) == ("dead", exchange.MAX_ATTEMPTS, "dead")
    assert local_axis["peer"].client.received("edoc") == []

    settings.DOCUMENTS_AXIS_URL = local_axis["url"]
    with pytest.raises(PermissionDenied):
        actions.resend_package(dept_staff["clerk"], package)
    with django_capture_on_commit_callbacks(execute=True):
        actions.resend_package(pc_staff["clerk"], package)
    delivery.refresh_from_db()
    assert delivery.transport == "sent"
    assert len(local_axis["peer"].client.received("edoc")) == 1
    kinds = [event.kind for event in delivery_timeline(delivery, "sender")]
    assert kinds == ["queued", *["failed"] * (exchange.MAX_ATTEMPTS - 1), "dead", "sent"]


@pytest.mark.parametrize("hostile", [XXE, BILLION_LAUGHS, b"\x00not xml at all"])
def test_a_hostile_package_from_the_axis_is_refused_with_nothing_written(local_axis, agencies, hostile):
    store = local_axis["store"]
    doc_id = store.put("G22", "G22", "edoc", hostile, ["H20"])
    assert axis_inbox.fetch() == {"taken": 0, "again": 0, "refused": 1}
    assert nothing_written()
    (sent,) = store.sent("G22")
    assert sent["docId"] == doc_id and sent["state"] == "fail" and sent["reason"]
    assert axis_inbox.fetch() == {"taken": 0, "again": 0, "refused": 0}


def test_packages_the_exchange_cannot_take_are_refused_with_nothing_written(local_axis, agencies):
    peer = local_axis["peer"]
    peer.send_document(edxml.Organ(organ_id="H20.99", name="Không có ở đây"), "1", "VPCP-TH", "Thử")
    foreign_status = edxml.write_status(
        edxml.StatusPackage(
            sender=peer.organ,
            for_organ_id="H20",
            for_code="01/QĐ-UBND",
            for_promulgation_date=datetime.date(2026, 1, 5),
            for_document_id="H20,2026/01/05,01/QĐ-UBND",
            status_code="03",
            description="Đã tiếp nhận",
            timestamp=datetime.datetime(2026, 1, 5, 9, 0),
        )
    )
    peer.client.send(foreign_status, "status", "never-sent")
    assert axis_inbox.fetch() == {"taken": 0, "again": 0, "refused": 2}
    assert nothing_written()
    assert {item["state"] for item in local_axis["store"].sent("G22")} == {"fail"}


def test_the_axis_refuses_unsigned_requests_and_a_system_sending_for_another(local_axis):
    with pytest.raises(urllib.error.HTTPError) as refusal:
        urllib.request.urlopen(local_axis["url"] + "/agencies", timeout=5)
    assert refusal.value.code == 401
    wrong = axis.AxisClient(axis.AxisConfig(url=local_axis["url"], agency_code="G22", secret="guess"))
    with pytest.raises(axis.AxisError, match="401"):
        wrong.agencies()
    posing = axis_server.AxisPeer(local_axis["url"], "G22", PEER_SECRET, "Văn phòng Chính phủ")
    posing.organ = edxml.Organ(organ_id="H20", name="Ủy ban nhân dân tỉnh Đồng Tháp")
    with pytest.raises(axis.AxisError, match="403"):
        posing.send_document(edxml.Organ(organ_id="G01", name="Bộ Công an"), "1", "UBND", "Giả danh")
    with pytest.raises(axis.AxisError, match="unknown recipient"):
        local_axis["peer"].send_document(edxml.Organ(organ_id="G99", name="?"), "1", "VPCP", "Không ai")


def test_the_directory_is_synchronised_with_both_code_styles(local_axis, agencies, pc_staff):
    assert actions.sync_directory(None) == {"added": 3, "updated": 0, "withdrawn": 0}
    ministry = DirectoryAgency.objects.get(code="G01")
    assert (ministry.legacy_code, ministry.name, ministry.active) == ("000.00.00.G01", "Bộ Công an", True)
    store = local_axis["store"]
    store.add_agency("G01", "Bộ Công an (đổi tên)")
    store.db.execute("DELETE FROM agencies WHERE code = 'G22'")
    # An axis that still lists codes in the QCVN 102:2016 style, and one code that is neither.
    store.db.execute("INSERT INTO agencies VALUES ('000.00.05.H29', 'Sở Nội vụ tỉnh Cần Thơ', 'H29')")
    store.db.execute("INSERT INTO agencies VALUES ('XYZ', 'Không hợp lệ', '')")
    assert actions.sync_directory(None) == {"added": 1, "updated": 1, "withdrawn": 1}
    assert not DirectoryAgency.objects.get(code="G22").active
    legacy = DirectoryAgency.objects.get(code="H29.05")
    assert (legacy.legacy_code, legacy.parent_code) == ("000.00.05.H29", "H29")
    assert not DirectoryAgency.objects.filter(name="Không hợp lệ").exists()
    with pytest.raises(PermissionDenied):
        actions.sync_directory(pc_staff["clerk"])


def test_recipients_outside_are_refused_when_the_axis_is_off_or_they_are_not_listed(
    local_axis, settings, agencies, pc_staff, issued
):
    office = government_office()
    own = DirectoryAgency.objects.get(code="H20")
    with pytest.raises(ValidationError) as refusal:
        actions.send_document(pc_staff["clerk"], issued, [], external=[own])
    assert refusal.value.code == "own_agency"
    with pytest.raises(ValidationError) as refusal:
        actions.send_document(pc_staff["clerk"], issued, [], external=[office, office])
    assert refusal.value.code == "duplicate_recipient"
    office.active = False
    office.save()
    with pytest.raises(ValidationError) as refusal:
        actions.send_document(pc_staff["clerk"], issued, [], external=[office])
    assert refusal.value.code == "unknown_recipient"
    office.active = True
    office.save()
    settings.DOCUMENTS_AXIS_URL = ""
    with pytest.raises(ValidationError) as refusal:
        actions.send_document(pc_staff["clerk"], issued, [agencies["dept"]], external=[office])
    assert refusal.value.code == "axis_off"
    assert not Delivery.objects.exists() and not Package.objects.exists()


def test_the_configuration_fails_closed(settings):
    settings.DOCUMENTS_AXIS_URL = "http://127.0.0.1:1"
    settings.DOCUMENTS_AXIS_AGENCY_CODE = "H20"
    settings.DOCUMENTS_AXIS_SECRET = ""
    assert axis.configured() is None
    settings.DOCUMENTS_AXIS_SECRET = axis.DEMO_SECRET
    settings.DEMO = False
    assert axis.configured() is None
    with pytest.raises(axis.AxisNotConfigured):
        axis.client()
    settings.DEMO = True
    assert axis.configured().url == "http://127.0.0.1:1"


def test_the_axis_answers_json_errors_for_bad_requests(local_axis):
    client = axis.AxisClient(axis.AxisConfig(url=local_axis["url"], agency_code="H20", secret=SECRET))
    with pytest.raises(axis.AxisError, match="400"):
        client.send(b"<x/>", "edoc", "k")
    with pytest.raises(axis.AxisError, match="400"):
        client.update_status("0" * 32, "lost")
    assert json.loads(client._request("GET", "/agencies"))["agencies"][0]["code102"]


def test_the_pages_offer_agencies_outside_and_list_the_dead_letters_for_the_clerk_to_resend(
    local_axis,
    settings,
    agencies,
    pc_staff,
    dept_staff,
    issued,
    signed_in,
    client,
    django_capture_on_commit_callbacks,
):
    office = government_office()
    signed_in(pc_staff["clerk"])
    page = client.get(reverse("documents:outgoing", args=[issued.pk])).content.decode()
    assert "Văn phòng Chính phủ" in page and "Bộ Công an" in page
    assert f'value="{DirectoryAgency.objects.get(code="H20").pk}"' not in page.split('name="outside"', 1)[1]
    settings.DOCUMENTS_AXIS_URL = "http://127.0.0.1:9"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:send", args=[issued.pk]), {"outside": [office.pk]})
    package = Package.objects.get()
    Package.objects.filter(pk=package.pk).update(state="dead", attempts=exchange.MAX_ATTEMPTS)
    listing = client.get(reverse("documents:incoming_list")).content.decode()
    assert "gói tin không gửi được" in listing
    dead_page = client.get(reverse("documents:dead_letters")).content.decode()
    assert "Văn phòng Chính phủ (G22)" in dead_page and "Không kết nối được" in dead_page
    signed_in(dept_staff["clerk"])
    assert "G22" not in client.get(reverse("documents:dead_letters")).content.decode()
    resend = reverse("documents:dead_letter_resend", args=[package.pk])
    assert client.post(resend, {"agency": agencies["pc"].pk}).status_code == 404
    assert Package.objects.get().state == "dead"
    signed_in(pc_staff["leader"])
    assert client.get(reverse("documents:dead_letters")).status_code == 404
    settings.DOCUMENTS_AXIS_URL = local_axis["url"]
    signed_in(pc_staff["clerk"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend, {"agency": agencies["pc"].pk})
    assert response.status_code == 302
    package.refresh_from_db()
    assert (package.state, Delivery.objects.get().transport) == ("delivered", "sent")
    page = client.get(reverse("documents:outgoing", args=[issued.pk])).content.decode()
    assert "qua trục liên thông" in page


def test_a_dead_status_package_is_resent_by_the_clerk_of_the_agency_that_reports_it(
    local_axis, settings, agencies, pc_staff, dept_staff, django_capture_on_commit_callbacks
):
    local_axis["peer"].send_document(edxml.Organ(organ_id="H20", name="UBND tỉnh"), "7", "VPCP-TH", "Thử")
    axis_inbox.fetch()
    settings.DOCUMENTS_AXIS_URL = "http://127.0.0.1:9"
    package = Package.objects.get(kind="status")
    for day in range(1, exchange.MAX_ATTEMPTS + 1):
        exchange.deliver_due(now=timezone.now() + datetime.timedelta(days=day))
    package.refresh_from_db()
    assert package.state == "dead" and package.incoming == IncomingDocument.objects.get()
    assert actions.package_owner(package) == package.incoming
    with pytest.raises(PermissionDenied):
        actions.resend_package(dept_staff["clerk"], package)
    settings.DOCUMENTS_AXIS_URL = local_axis["url"]
    with django_capture_on_commit_callbacks(execute=True):
        actions.resend_package(pc_staff["clerk"], package)
    package.refresh_from_db()
    assert package.state == "delivered"
    (status,) = local_axis["peer"].client.received("status")
    assert edxml.read_status(local_axis["peer"].client.get(status["docId"])).status_code == "01"


@pytest.mark.django_db
def test_the_demo_reaches_the_government_office_through_the_local_axis(tmp_path, settings):
    store = axis_server.demo_store(str(tmp_path / "axis.sqlite3"), "H20", SECRET, "Ủy ban nhân dân tỉnh")
    server = axis_server.serve(store)
    settings.DOCUMENTS_AXIS_URL = f"http://127.0.0.1:{server.server_port}"
    settings.DOCUMENTS_AXIS_AGENCY_CODE = "H20"
    settings.DOCUMENTS_AXIS_SECRET = SECRET
    try:
        agencies = factories.make_demo_agencies()
        admin = User.objects.get(username=data.OFFICERS[0][0])
        LoadDemo().create_people(admin, agencies, make_password(data.DEMO_PASSWORD))
        call_command("load_documents_demo", stdout=io.StringIO(), stderr=io.StringIO())
    finally:
        server.shutdown()
        server.server_close()
    outside = Delivery.objects.get(external__code="G22")
    assert (outside.transport, outside.business_status) == ("delivered", "03")
    letter = IncomingDocument.objects.get(sender_code="G22")
    assert (letter.state, letter.reference, letter.agency.code) == ("pending", "1284/VPCP-KSTT", "H20")
    assert set(DirectoryAgency.objects.values_list("code", flat=True)) == {"G01", "G22", "H20"}
    assert not Package.objects.exclude(state="delivered").exists()


def test_the_api_lists_the_directory_and_the_dead_letters_and_resends(
    local_axis, settings, client, agencies, pc_staff, dept_staff, issued, django_capture_on_commit_callbacks
):
    office = government_office()

    def bearer(user):
        token, _ = issue_api_token(user, "kiểm thử")
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    clerk, other = bearer(pc_staff["clerk"]), bearer(dept_staff["clerk"])
    listed = client.get("/api/v1/documents/directory", **clerk).json()
    assert {item["code"]: item["legacy_code"] for item in listed["items"]}["G01"] == "000.00.00.G01"
    settings.DOCUMENTS_AXIS_URL = "http://127.0.0.1:9"
    with django_capture_on_commit_callbacks(execute=True):
        actions.send_document(pc_staff["clerk"], issued, [], external=[office])
    package = Package.objects.get()
    Package.objects.filter(pk=package.pk).update(state="dead")
    dead = client.get("/api/v1/documents/dead-letters", **clerk).json()["items"]
    assert [(item["id"], item["to_code"], item["outgoing_id"]) for item in dead] == [
        (package.pk, "G22", issued.pk)
    ]
    assert client.get("/api/v1/documents/dead-letters", **bearer(pc_staff["leader"])).status_code == 403
    assert client.get("/api/v1/documents/dead-letters", **other).json()["items"] == []
    assert client.post(f"/api/v1/documents/dead-letters/{package.pk}/resend", **other).status_code == 403
    settings.DOCUMENTS_AXIS_URL = local_axis["url"]
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/api/v1/documents/dead-letters/{package.pk}/resend", **clerk)
    assert answer.status_code == 200
    package.refresh_from_db()
    assert package.state == "delivered"
    again = client.post(f"/api/v1/documents/dead-letters/{package.pk}/resend", **clerk)
    assert again.status_code == 422
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/documents/directory", "/api/v1/documents/dead-letters"} <= set(paths)


@pytest.mark.django_db(transaction=True)
def test_two_workers_fetching_at_once_register_the_document_once(local_axis, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_agencies()
    local_axis["peer"].send_document(edxml.Organ(organ_id="H20", name="UBND tỉnh"), "9", "VPCP-TH", "Hai lần")
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(axis_inbox.fetch())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(result["taken"] for result in results) == [0, 1]
    assert IncomingDocument.objects.count() == 1 and AxisReceipt.objects.count() == 1
    assert Package.objects.filter(kind="status").count() == 1


def test_a_secret_document_never_goes_to_the_axis(local_axis, agencies, pc_staff):
    clerk = pc_staff["clerk"]
    secret = actions.issue_document(
        clerk,
        actions.create_draft(
            clerk, agencies["pc"], type_code="cong_van", unit_symbol="VP", subject="Mật", secrecy=1
        ),
    )
    with pytest.raises(ValidationError) as refusal:
        actions.send_document(clerk, secret, [], external=[government_office()])
    assert refusal.value.code == "secret"
    assert not Package.objects.exists()


def test_a_status_from_the_axis_cannot_touch_a_delivery_inside_the_installation(
    local_axis, agencies, pc_staff, dept_staff, issued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = actions.send_document(pc_staff["clerk"], issued, [agencies["dept"]])
    forged = edxml.write_status(
        edxml.StatusPackage(
            sender=edxml.Organ(organ_id="H20.10", name="Sở Nội vụ tỉnh Đồng Tháp"),
            for_organ_id="H20",
            for_code=issued.reference,
            for_promulgation_date=timezone.localdate(issued.issued_at),
            for_document_id=issued.document_id,
            status_code="06",
            description="Giả mạo",
            timestamp=datetime.datetime(2026, 1, 5, 9, 0),
        )
    )
    with pytest.raises(exchange.DeliveryError):
        exchange.receive(forged, axis_id="0" * 32)
    delivery.refresh_from_db()
    assert delivery.business_status == "01"
    posing = edxml.write_document(
        edxml.DocumentPackage(
            sender=edxml.Organ(organ_id="000.00.10.H20", name="Sở Nội vụ tỉnh Đồng Tháp"),
            recipients=[edxml.Organ(organ_id="H20", name="UBND tỉnh")],
            code_number="5",
            code_notation="SNV-VP",
            promulgation_date=datetime.date(2026, 1, 5),
            subject="Giả danh một cơ quan trong tỉnh",
            document_id="H20.10,2026/01/05,5/SNV-VP",
        )
    )
    with pytest.raises(exchange.DeliveryError):
        exchange.receive(posing, axis_id="1" * 32)
    assert IncomingDocument.objects.count() == 1


def test_the_transport_state_set_at_the_axis_by_the_recipient_joins_the_delivery(
    local_axis, agencies, pc_staff, issued, django_capture_on_commit_callbacks
):
    office = government_office()
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = actions.send_document(pc_staff["clerk"], issued, [], external=[office])
    peer = local_axis["peer"]
    (item,) = peer.client.received("edoc")
    peer.client.update_status(item["docId"], "processing")
    axis_inbox.fetch()
    delivery.refresh_from_db()
    assert delivery.transport == "sent"
    peer.client.update_status(item["docId"], "fail", "Thiếu chữ ký số của cơ quan")
    axis_inbox.fetch()
    delivery.refresh_from_db()
    package = Package.objects.get()
    assert (delivery.transport, package.state) == ("dead", "dead")
    assert package.last_error == "Thiếu chữ ký số của cơ quan"
    assert list(exchange.dead_letters(agencies["pc"])) == [package]
    with django_capture_on_commit_callbacks(execute=True):
        actions.resend_package(pc_staff["clerk"], package)
    (again,) = peer.client.received("edoc")
    assert again["docId"] != item["docId"]
    peer.client.update_status(again["docId"], "done")
    axis_inbox.fetch()
    delivery.refresh_from_db()
    assert (delivery.transport, delivery.business_status) == ("delivered", "")
    kinds = [event.kind for event in delivery_timeline(delivery, "sender")]
    assert kinds == ["queued", "sent", "dead", "sent", "delivered"]


def test_run_local_axis_serves_the_demo_and_its_agency_outside_answers(
    tmp_path, settings, agencies, pc_staff, issued, django_capture_on_commit_callbacks
):
    """The management command as the demo starts it: a process of its own on a port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "DOCUMENTS_AXIS_AGENCY_CODE": "H20", "DOCUMENTS_AXIS_SECRET": SECRET}
    command = ["run_local_axis", "--demo", "--port", str(port), "--data", str(tmp_path / "axis.sqlite3")]
    process = subprocess.Popen(
        [sys.executable, "manage.py", *command, "--answer-every", "0.2"],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert b"Local national axis" in process.stdout.readline()
        settings.DOCUMENTS_AXIS_URL = f"http://127.0.0.1:{port}"
        settings.DOCUMENTS_AXIS_AGENCY_CODE = "H20"
        settings.DOCUMENTS_AXIS_SECRET = SECRET
        with django_capture_on_commit_callbacks(execute=True):
            (delivery,) = actions.send_document(pc_staff["clerk"], issued, [], external=[government_office()])
        deadline = time.monotonic() + 30
        while delivery.business_status != "03" and time.monotonic() < deadline:
            time.sleep(0.3)
            axis_inbox.fetch()
            delivery.refresh_from_db()
        assert (delivery.transport, delivery.business_status) == ("delivered", "03")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_timer_takes_in_from_the_axis_then_delivers_and_survives_the_axis_down(
    local_axis, settings, agencies, pc_staff
):
    peer = local_axis["peer"]
    peer.send_document(edxml.Organ(organ_id="H20", name="UBND tỉnh"), "3", "VPCP-TH", "Qua bộ hẹn giờ")
    out = io.StringIO()
    call_command("deliver_documents", stdout=out)
    assert "1 taken in" in out.getvalue() and "1 package(s) handled." in out.getvalue()
    assert IncomingDocument.objects.get().subject == "Qua bộ hẹn giờ"
    (status,) = peer.client.received("status")
    assert edxml.read_status(peer.client.get(status["docId"])).status_code == "01"
    settings.DOCUMENTS_AXIS_URL = "http://127.0.0.1:9"
    out = io.StringIO()
    call_command("deliver_documents", stdout=out)
    assert out.getvalue().strip().endswith("0 package(s) handled.")


@pytest.mark.django_db(transaction=True)
def test_a_fetch_racing_another_worker_leaves_no_orphan_attachment_file(local_axis, settings, tmp_path):
    """The other worker's receipt is inserted first and committed while this fetch runs: the
    package is taken in once and no copy of its attachment stays behind in the storage."""
    settings.MEDIA_ROOT = tmp_path / "media"
    make_agencies()
    doc_id = local_axis["peer"].send_document(
        edxml.Organ(organ_id="H20", name="UBND tỉnh"),
        "10",
        "VPCP-TH",
        "Hai lần có tệp",
        attachments=[edxml.Attachment(name="cv.pdf", content_type="application/pdf", data=minimal_pdf())],
    )
    inserted = threading.Event()

    def other_worker():
        from django.db import transaction

        try:
            with transaction.atomic():
                AxisReceipt.objects.create(axis_id=doc_id, message_type="edoc", received_at=timezone.now())
                inserted.set()
                time.sleep(1.5)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    inserted.wait(10)
    assert axis_inbox.fetch() == {"taken": 0, "again": 1, "refused": 0}
    thread.join()
    assert not IncomingDocument.objects.exists() and AxisReceipt.objects.count() == 1
    media = tmp_path / "media"
    assert not media.exists() or [path for path in media.rglob("*") if path.is_file()] == []


def test_the_sent_list_shows_only_what_the_calling_agencies_sent(local_axis):
    """The axis lists a system's sent packages only for the agencies it answers for now, and for
    one of them when the caller names it; naming an agency it does not answer for is refused."""
    store = local_axis["store"]
    store.add_system("G01", "ministry-secret", ["G01"])
    store.add_agency("G01.01", "Cục Văn thư")
    store.add_agency("G01.02", "Cục Lưu trữ")
    ministry = axis_server.AxisPeer(local_axis["url"], "G01", "ministry-secret", "Bộ")
    for code, subject in (("G01.01", "Từ cục một"), ("G01.02", "Từ cục hai")):
        ministry.organ = edxml.Organ(organ_id=code, name=subject)
        ministry.send_document(edxml.Organ(organ_id="G22", name="VPCP"), "1", "CVT", subject)
    assert len(ministry.client.sent()) == 2
    assert [item["from"] for item in ministry.client.sent("G01.01")] == ["G01.01"]
    with pytest.raises(axis.AxisError, match="403"):
        ministry.client.sent("G22")
    assert local_axis["peer"].client.sent() == []

    # The second department moves to another system: the first no longer lists what it sent.
    store.add_system("G01", "ministry-secret", ["G01.01"])
    assert [item["from"] for item in ministry.client.sent()] == ["G01.01"]
