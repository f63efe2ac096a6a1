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
