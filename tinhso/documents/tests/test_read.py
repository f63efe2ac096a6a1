"""Reading joins the timeline (Appendix VI: every opinion, approval, version, send and read): the
first time each person opens a document they may read, once, with their name; nobody else's
opening, nor a refused one, writes anything."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tinhso.audit.models import AuditEntry
from tinhso.documents import actions
from tinhso.documents.models import DocumentEvent


def test_the_first_read_of_each_person_joins_the_timeline_once(agencies, dept_staff, signed_in, client):
    clerk, leader, specialist = dept_staff["clerk"], dept_staff["leader"], dept_staff["specialist"]
    document = actions.register_paper(clerk, agencies["dept"], sender_name="Bộ Nội vụ", subject="Về việc A")
    actions.assign_incoming(leader, document, specialist, 5)
    url = reverse("documents:incoming", args=[document.pk])
    signed_in(specialist)
    client.get(url)
    page = client.get(url).content.decode()
    signed_in(leader)
    client.get(url)

    reads = DocumentEvent.objects.filter(incoming=document, kind="read").order_by("pk")
    assert [event.actor_name.split(" (#")[0] for event in reads] == ["Lê Minh Chuyên", "Trần Văn Lãnh"]
    assert "đã xem" in page and "Lê Minh Chuyên" in page
    assert AuditEntry.objects.filter(action="documents.read").count() == 2

    draft = actions.create_draft(specialist, agencies["dept"], type_code="to_trinh", subject="Tờ trình B")
    signed_in(specialist)
    client.get(reverse("documents:outgoing", args=[draft.pk]))
    assert DocumentEvent.objects.filter(outgoing=draft, kind="read").count() == 1


def test_a_refused_read_writes_nothing(agencies, dept_staff, ward_staff, signed_in, client):
    document = actions.register_paper(
        dept_staff["clerk"], agencies["dept"], sender_name="Bộ Nội vụ", subject="Về việc A"
    )
    signed_in(ward_staff["leader"])
    assert client.get(reverse("documents:incoming", args=[document.pk])).status_code == 404
    signed_in(dept_staff["specialist"])
    assert client.get(reverse("documents:incoming", args=[document.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        actions.record_read(ward_staff["clerk"], document)
    assert not DocumentEvent.objects.filter(kind="read").exists()
    assert not AuditEntry.objects.filter(action="documents.read").exists()
