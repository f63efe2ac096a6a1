"""Status changes reach the local national portal exactly once, in order, despite outages, lost
answers, garbage and a hanging portal; failures are listed and sent again by the administrator."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.dossiers.models import DossierEvent, DossierEventKind
from tinhso.dossiers.status import Status
from tinhso.motcua.actions import accept_dossier
from tinhso.motcua.tests.fixtures import submit
from tinhso.national import sync
from tinhso.national.models import PortalSync

pytestmark = pytest.mark.django_db

LATER = datetime.timedelta(minutes=2)


def status_events(dossier):
    return DossierEvent.objects.filter(dossier=dossier, kind=DossierEventKind.STATUS).order_by("pk")


def test_a_status_change_reaches_the_portal_once_despite_an_outage_and_a_lost_answer(
    portal, citizen, procedure, desk, officer, specialist, django_capture_on_commit_callbacks
):
    portal.faults = {"down"}
    with django_capture_on_commit_callbacks(execute=True):
        dossier = submit(citizen, procedure, desk)
    with django_capture_on_commit_callbacks(execute=True):
        accept_dossier(officer, dossier, assignee=specialist)
    first, second = status_events(dossier)
    assert portal.store.statuses() == []
    assert first.published_at is None and second.published_at is None
    failed = PortalSync.objects.get(event=first)
    assert failed.attempts == 1 and "503" in failed.last_error and failed.next_attempt_at > timezone.now()
    # The later change waits for the first: never sent out of order.
    assert not PortalSync.objects.filter(event=second).exists()
    assert sync.sync_due() == 0  # nothing due before the retry time

    portal.faults = {"lose-answer"}  # the portal keeps the change but its answer is lost
    assert sync.sync_due(now=timezone.now() + LATER) == 1
    assert [s["status"] for s in portal.store.statuses()] == [Status.NEW]
    failed.refresh_from_db()
    assert failed.attempts == 2

    portal.faults = set()
    assert sync.sync_due(now=timezone.now() + 10 * LATER) == 2
    statuses = portal.store.statuses()
    assert [s["status"] for s in statuses] == [Status.NEW, Status.ACCEPTED]
    assert [s["syncId"] for s in statuses] == [f"H20-{first.pk}", f"H20-{second.pk}"]
    dossier.refresh_from_db()
    assert statuses[0]["dossierCode"] == dossier.submission_reference
    assert statuses[1]["dossierCode"] == dossier.code
    assert statuses[1]["agencyCode"] == desk.code and statuses[1]["procedureCode"] == procedure.code
    assert not status_events(dossier).filter(published_at__isnull=True).exists()
    assert sync.sync_due(now=timezone.now() + 100 * LATER) == 0
    assert len(portal.store.statuses()) == 2
    assert sync.sync_rate() == {"total": 2, "sent": 2, "failed": 0, "waiting": 0, "rate": 100.0}


def test_changes_go_as_they_happen_when_the_portal_is_up(
    portal, citizen, procedure, desk, officer, specialist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = submit(citizen, procedure, desk)
    with django_capture_on_commit_callbacks(execute=True):
        accept_dossier(officer, dossier, assignee=specialist)
    assert [s["status"] for s in portal.store.statuses()] == [Status.NEW, Status.ACCEPTED]
    assert not PortalSync.objects.exists()


@pytest.mark.parametrize("fault", ["garbage", "hang"])
def test_a_portal_answering_garbage_or_hanging_is_a_failure_to_retry(
    portal, settings, citizen, procedure, desk, fault
):
    dossier = submit(citizen, procedure, desk)
    portal.faults, portal.hang_seconds = {fault}, 3
    settings.NATIONAL_PORTAL_TIMEOUT = 0.5
    assert sync.sync_due() == 1
    failed = PortalSync.objects.get()
    assert failed.attempts == 1 and not failed.dead and failed.last_error
    assert status_events(dossier).get().published_at is None


def test_without_configuration_nothing_goes_out(settings, citizen, procedure, desk):
    dossier = submit(citizen, procedure, desk)
    settings.NATIONAL_PORTAL_URL = "http://127.0.0.1:9"
    settings.NATIONAL_PORTAL_SYSTEM = "H20"
    settings.NATIONAL_PORTAL_SECRET = "tinhso-local-portal-demo-secret"  # published: refused outside the demo
    assert sync.sync_due() == 0
    assert not PortalSync.objects.exists() and status_events(dossier).get().published_at is None


def test_the_failure_list_and_send_again(portal, province, citizen, procedure, desk, officer, signed_in):
    dossier = submit(citizen, procedure, desk)
    portal.faults = {"down"}
    now = timezone.now()
    for _attempt in range(sync.MAX_ATTEMPTS):
        assert sync.sync_due(now=now) == 1
        now += datetime.timedelta(days=1)
    failed = PortalSync.objects.get()
    assert failed.dead and failed.attempts == sync.MAX_ATTEMPTS
    assert sync.sync_due(now=now) == 0
    assert list(sync.failures()) == [failed]
    assert sync.sync_rate()["failed"] == 1

    client = signed_in(officer)
    assert client.get("/ket-noi-quoc-gia/cong-dvc-quoc-gia/").status_code == 403
    assert client.post(f"/ket-noi-quoc-gia/cong-dvc-quoc-gia/gui-lai/{failed.pk}/").status_code == 403
    failed.refresh_from_db()
    assert failed.dead

    admin = factories.make_officer(province["agencies"]["province"], "quantri.tinh", Role.PROVINCE_ADMIN)
    client = signed_in(admin)
    page = client.get("/ket-noi-quoc-gia/cong-dvc-quoc-gia/")
    assert page.status_code == 200
    assert dossier.submission_reference in page.content.decode()
    portal.faults = set()
    response = client.post(f"/ket-noi-quoc-gia/cong-dvc-quoc-gia/gui-lai/{failed.pk}/")
    assert response.status_code == 302
    failed.refresh_from_db()
    assert not failed.dead and failed.attempts == 0 and failed.resent == 1
    assert sync.sync_due() == 1
    assert [s["status"] for s in portal.store.statuses()] == [Status.NEW]
    again = client.post(f"/ket-noi-quoc-gia/cong-dvc-quoc-gia/gui-lai/{failed.pk}/", follow=True)
    assert "không nằm trong danh sách lỗi" in again.content.decode()


def test_the_cron_command_refuses_without_a_portal_and_syncs_with_one(
    portal, settings, citizen, procedure, desk
):
    submit(citizen, procedure, desk)
    out = io.StringIO()
    call_command("sync_national_portal", "--intake", stdout=out)
    assert "Status changes tried: 1" in out.getvalue() and "Dossiers taken in: 0" in out.getvalue()
    assert [s["status"] for s in portal.store.statuses()] == [Status.NEW]
    settings.NATIONAL_PORTAL_URL = ""
    with pytest.raises(CommandError):
        call_command("sync_national_portal")
