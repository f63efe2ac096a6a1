"""Closed feedback reports past their retention period lose who sent them, and nothing else: the
statistics give the same numbers (Law 91/2025/QH15 arts. 2(1) and 14(1))."""

import datetime

import pytest
from django.utils import timezone

from tinhso.audit.models import AuditEntry
from tinhso.core import retention
from tinhso.feedback import actions, services
from tinhso.feedback.models import Follower, Report, State

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def closed(place, report, days_ago):
    actions.rate_answer(place["citizen"], report, 5)
    Report.objects.filter(pk=report.pk).update(closed_at=timezone.now() - days_ago * DAY)
    return Report.objects.get(pk=report.pk)


def test_closed_reports_past_their_time_are_anonymised_and_the_statistics_stay(
    settings, place, submit, answered
):
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "closed_feedback_contacts": 730}
    old = closed(place, answered, 731)
    Follower.objects.create(report=old, user=place["other_officer"])
    young = submit(contact_name="Nguyễn Văn An", contact_phone="0912345678")
    actions.assign_report(place["router"], young, place["pc_my_tho"])
    actions.start_work(place["officer"], young)
    actions.answer_report(place["officer"], young, "Đã xử lý.")
    young = closed(place, actions.approve_answer(place["leader"], young), 729)
    still_open = submit(contact_name="Nguyễn Văn An")
    Report.objects.filter(pk=still_open.pk).update(received_at=timezone.now() - 800 * DAY)
    before = {group: services.statistics(group, None, None) for group in services.GROUPS}

    assert retention.apply(dry_run=True)["closed_feedback_contacts"] == 1
    assert Report.objects.get(pk=old.pk).reporter_id == place["citizen"].pk
    assert retention.apply()["closed_feedback_contacts"] == 1

    old.refresh_from_db()
    assert (old.reporter, old.contact_name, old.contact_phone, old.contact_email) == (None, "", "", "")
    assert old.anonymous and old.state == State.CLOSED and not old.followers.exists()
    assert old.answers.count() == 1 and old.closed_at < timezone.now() - 730 * DAY
    assert Report.objects.get(pk=young.pk).reporter_id == place["citizen"].pk
    assert Report.objects.get(pk=still_open.pk).contact_name == "Nguyễn Văn An"
    entry = AuditEntry.objects.get(action="feedback.anonymise")
    assert entry.object_id == str(old.pk) and entry.actor is None
    assert {group: services.statistics(group, None, None) for group in services.GROUPS} == before
    assert retention.apply()["closed_feedback_contacts"] == 0


def test_a_reopened_report_is_not_anonymised(place, answered):
    assert actions.anonymise_report(answered) is False
    assert Report.objects.get(pk=answered.pk).reporter_id == place["citizen"].pk
