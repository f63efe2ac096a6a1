"""The deadline sweep, with a real SMTP server in the process (aiosmtpd)."""

import datetime
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from tinhso.dossiers.models import Dossier
from tinhso.motcua import actions
from tinhso.motcua.deadlines import sweep_deadlines
from tinhso.workflows.models import DossierFlow

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    handler = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield handler
    controller.stop()


def test_overdue_and_due_soon_dossiers_are_marked_once_and_notified(
    smtp, submitted, citizen, procedure, desk, officer, specialist, leader
):
    from tinhso.workflows.tests.conftest import submit

    actions.accept_dossier(officer, submitted, assignee=specialist)
    late = Dossier.objects.get(pk=submitted.pk)
    Dossier.objects.filter(pk=late.pk).update(due_at=late.due_at - datetime.timedelta(days=30))
    soon = submit(citizen, procedure, desk)
    actions.accept_dossier(officer, soon, assignee=specialist)
    Dossier.objects.filter(pk=soon.pk).update(
        due_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=30)
    )
    smtp.messages.clear()

    assert sweep_deadlines() == {"due_soon": 1, "overdue": 1, "not_examined": 0, "not_transferred": 0}
    assert DossierFlow.objects.get(dossier=late).alert_level == DossierFlow.ALERT_OVERDUE
    assert DossierFlow.objects.get(dossier=soon).alert_level == DossierFlow.ALERT_DUE_SOON
    subjects = sorted(str(message["Subject"]) for _to, message in smtp.messages)
    assert len(subjects) == 2
    assert any("quá hạn" in subject for subject in subjects)
    recipients = {address for to, _message in smtp.messages for address in to}
    assert recipients == {specialist.email, leader.email}

    smtp.messages.clear()
    call_command("sweep_deadlines")
    assert smtp.messages == []
