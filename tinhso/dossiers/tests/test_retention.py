"""The retention job (Law 91/2025/QH15 art. 14(1)): drafts never submitted, tracking and sign-in
counters past their time are deleted; submitted dossiers and the statistics stay as they were."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from tinhso.accounts.models import SignInThrottle
from tinhso.audit.models import AuditEntry
from tinhso.dossiers import actions
from tinhso.dossiers.models import Dossier, TrackingFailure
from tinhso.statistics.models import DailyRollup, MonthlyRollup
from tinhso.statistics.report import one_stop_report
from tinhso.statistics.rollup import drain

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def aged(dossier, days):
    Dossier.objects.filter(pk=dossier.pk).update(updated_at=timezone.now() - days * DAY)


def rollups():
    return sorted(DailyRollup.objects.values_list()) + sorted(MonthlyRollup.objects.values_list())


def test_apply_retention_deletes_exactly_what_is_past_its_time_and_keeps_the_statistics(
    settings, citizen, procedure, desk, submitted
):
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "draft_dossiers": 90}
    old_draft = actions.start_draft(citizen, procedure, desk)
    young_draft = actions.start_draft(citizen, procedure, desk)
    aged(old_draft, 91)
    aged(young_draft, 89)
    aged(submitted, 400)  # submitted long ago: an administrative record, kept
    now = timezone.now()
    TrackingFailure.objects.create(key="old", failures=3, window_ends=now - 31 * DAY)
    TrackingFailure.objects.create(key="young", failures=3, window_ends=now - 29 * DAY)
    SignInThrottle.objects.create(key="old", failures=5, last_failure_at=now - 31 * DAY)
    SignInThrottle.objects.create(key="young", failures=5, last_failure_at=now - 29 * DAY)
    SignInThrottle.objects.create(
        key="old-but-locked", failures=9, last_failure_at=now - 31 * DAY, locked_until=now + DAY
    )
    drain()
    report_before, rollups_before = one_stop_report(), rollups()
    assert rollups_before  # the submitted dossier is counted

    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "drafts never submitted (older than 90 days): 1 would be deleted." in out.getvalue()
    assert "failed sign-in counters (older than 30 days): 1 would be deleted." in out.getvalue()
    assert Dossier.objects.filter(pk=old_draft.pk).exists() and TrackingFailure.objects.count() == 2

    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "drafts never submitted (older than 90 days): 1 deleted." in out.getvalue()
    assert set(Dossier.objects.values_list("pk", flat=True)) == {young_draft.pk, submitted.pk}
    assert set(TrackingFailure.objects.values_list("key", flat=True)) == {"young"}
    assert set(SignInThrottle.objects.values_list("key", flat=True)) == {"young", "old-but-locked"}
    expired = AuditEntry.objects.get(action="dossiers.expire_draft")
    assert expired.object_id == str(old_draft.pk) and expired.actor is None

    drain()
    assert one_stop_report() == report_before
    assert rollups() == rollups_before

    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "drafts never submitted (older than 90 days): 0 deleted." in out.getvalue()


def test_a_draft_submitted_meanwhile_is_not_expired(citizen, submitted):
    assert actions.expire_draft(submitted) is False
    assert Dossier.objects.filter(pk=submitted.pk).exists()
    assert not AuditEntry.objects.filter(action="dossiers.expire_draft").exists()
