"""The demo's documents, made by the actions: numbered, sent, registered, assigned, handled,
returned, and one left arrived; a second run makes nothing."""

import io

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command

from tinhso import testing as factories
from tinhso.accounts.models import User
from tinhso.demo import data
from tinhso.demo.management.commands.load_demo import Command as LoadDemo
from tinhso.documents.models import Delivery, IncomingDocument, OutgoingDocument, Package


@pytest.mark.django_db
def test_the_demo_documents_go_through_the_exchange():
    agencies = factories.make_demo_agencies()
    admin = User.objects.get(username=data.OFFICERS[0][0])
    LoadDemo().create_people(admin, agencies, make_password(data.DEMO_PASSWORD))
    out = io.StringIO()
    call_command("load_documents_demo", stdout=out)
    assert "vanthu.tinh" in out.getvalue()
    assert sorted(OutgoingDocument.objects.filter(state="issued").values_list("symbol", flat=True)) == [
        "BC-UBND",
        "QĐ-UBND",
        "STP-VP",
    ]
    assert sorted(Delivery.objects.values_list("business_status", flat=True)) == ["01", "02", "04", "06"]
    assert not Package.objects.exclude(state="delivered").exists()
    states = sorted(IncomingDocument.objects.values_list("state", flat=True))
    assert states == ["assigned", "done", "pending", "refused", "registered"]
    # Three drafts wait in the provincial leader's inbox (signed only where the demo CA runs).
    assert OutgoingDocument.objects.filter(state="draft", signed_at__isnull=True).count() == 3
    call_command("load_documents_demo", stdout=io.StringIO())
    assert OutgoingDocument.objects.count() == 6


@pytest.mark.django_db
def test_the_demo_keeps_a_year_of_registers_numbered_in_date_order():
    """The history goes through the actions: per agency the outgoing numbers and the arrival
    numbers run from 1 without a gap in date order; most incoming documents are handled, some are
    still in hand and a few are overdue; the demo's own documents come after."""
    from django.utils import timezone

    agencies = factories.make_demo_agencies()
    admin = User.objects.get(username=data.OFFICERS[0][0])
    LoadDemo().create_people(admin, agencies, make_password(data.DEMO_PASSWORD))
    out = io.StringIO()
    call_command("load_documents_demo", "--history", "300", stdout=out)
    assert "văn bản đi" in out.getvalue()
    year = timezone.localdate().year
    outgoing = OutgoingDocument.objects.filter(year=year, state="issued")
    incoming = IncomingDocument.objects.filter(year=year)
    assert outgoing.count() + incoming.count() >= 300
    for agency_id in set(outgoing.values_list("agency_id", flat=True)):
        issued = list(
            outgoing.filter(agency_id=agency_id).order_by("issued_at", "pk").values_list("number", flat=True)
        )
        assert sorted(issued) == list(range(1, len(issued) + 1))
        assert issued == sorted(issued), "numbers follow the dates"
    for agency_id in set(incoming.values_list("agency_id", flat=True)):
        numbers = list(
            incoming.filter(agency_id=agency_id, arrival_number__isnull=False)
            .order_by("registered_at", "pk")
            .values_list("arrival_number", flat=True)
        )
        assert numbers == list(range(1, len(numbers) + 1))
    dated = incoming.exclude(source="exchange")
    assert dated.filter(registered_at__month=1).exists() and dated.filter(state="done").count() > 50
    now = timezone.now()
    overdue = dated.filter(state="assigned", handling_due_at__lt=now).count()
    assert 1 <= overdue <= 10
    assert dated.filter(state="assigned", handling_due_at__gte=now).exists() or dated.filter(
        state="registered"
    )
    assert not dated.filter(state="done", done_at__gt=now).exists()
    assert OutgoingDocument.objects.filter(state="draft").count() == 3, "the demo's own drafts still come"
