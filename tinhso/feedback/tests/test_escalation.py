"""Overdue reports escalate one agency level up, counted in working time across a weekend."""

import datetime
from zoneinfo import ZoneInfo

from django.core.management import call_command

from tinhso.feedback import actions
from tinhso.feedback.models import Report
from tinhso.worktime import calendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args):
    return datetime.datetime(*args, tzinfo=VN)


def received_on_friday(report):
    """Friday 5 December 2025, 16:00: 8 working hours end on Monday 8 December at 16:30."""
    received = at(2025, 12, 5, 16, 0)
    due = report.category.deadline_from(received)
    Report.objects.filter(pk=report.pk).update(received_at=received, due_at=due, escalate_at=due)
    report.refresh_from_db()
    return report


def test_deadline_crosses_the_weekend_and_escalates_on_monday(place, submit, mailoutbox):
    report = submit()
    actions.assign_report(place["router"], report, place["pc_my_tho"])
    report = received_on_friday(report)
    assert report.due_at == at(2025, 12, 8, 16, 30)

    assert actions.escalate_overdue(now=at(2025, 12, 6, 12, 0)) == []  # Saturday
    assert actions.escalate_overdue(now=at(2025, 12, 8, 16, 29)) == []
    escalated = actions.escalate_overdue(now=at(2025, 12, 8, 16, 31))
    assert [r.pk for r in escalated] == [report.pk]
    report.refresh_from_db()
    assert report.escalation_level == 1 and report.escalated_to == place["root"]
    # The next level comes one more time limit later: Monday 16:30 + 8 h = Tuesday 17:00.
    assert report.escalate_at == at(2025, 12, 9, 17, 0)
    assert actions.escalate_overdue(now=at(2025, 12, 9, 16, 59)) == []
    assert any("hanh@dongthap.example.vn" in m.to for m in mailoutbox)


def test_a_holiday_moves_the_deadline(place):
    """1 January 2026 (Thursday) is a public holiday, then a weekend: 3 working days from
    Wednesday 31 December 2025, 09:00 end on Tuesday 6 January 2026 (Wednesday 7 January when
    the calendar also gives Friday 2 January off)."""
    assert not calendar.is_working_day(datetime.date(2026, 1, 1))
    expected = (
        at(2026, 1, 6, 9, 0) if calendar.is_working_day(datetime.date(2026, 1, 2)) else at(2026, 1, 7, 9, 0)
    )
    assert place["rubbish"].deadline_from(at(2025, 12, 31, 9, 0)) == expected
    assert place["rubbish"].deadline_from(at(2025, 12, 3, 9, 0)) == at(2025, 12, 8, 9, 0)


def test_command_and_leaders_overdue_list(place, submit, client, login):
    report = submit()
    actions.assign_report(place["router"], report, place["pc_my_tho"])
    Report.objects.filter(pk=report.pk).update(
        due_at=at(2025, 12, 8, 16, 30), escalate_at=at(2025, 12, 8, 16, 30)
    )
    call_command("escalate_feedback", stdout=open("/dev/null", "w"))  # noqa: SIM115
    report.refresh_from_db()
    assert report.escalation_level == 1

    login(client, place["province_leader"])
    page = client.get("/phan-anh/can-bo/qua-han/")
    assert page.status_code == 200 and report.code in page.content.decode()
    login(client, place["other_officer"])
    assert client.get("/phan-anh/can-bo/qua-han/").status_code == 403
