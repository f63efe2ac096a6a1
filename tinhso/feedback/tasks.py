"""Notifications and the escalation sweep, as tasks of the database-backed queue."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from tinhso.accounts.models import Membership, Role
from tinhso.core.text import format_datetime

SUBJECTS = {
    "received": "Đã tiếp nhận phản ánh %(code)s",
    "answered": "Phản ánh %(code)s đã được trả lời",
    "rejected": "Phản ánh %(code)s không được xử lý",
}


@task()
def notify_report(report_id: int, event: str) -> int:
    """Email the reporter and the followers about ``event``; returns the number of messages."""
    from tinhso.feedback.models import Report

    report = Report.objects.select_related("category", "reporter").filter(pk=report_id).first()
    if report is None:
        return 0
    recipients = (
        report.notification_emails()
        if event != "received"
        else [e for e in {report.contact_email, report.reporter.email if report.reporter_id else ""} if e]
    )
    if not recipients:
        return 0
    with translation.override("vi"):
        subject = _(SUBJECTS[event]) % {"code": report.code}
        lines = [subject + ".", "", _("Category: %(name)s") % {"name": report.category.name}]
        if event == "answered" and report.current_answer:
            lines += ["", _("Answer:"), report.current_answer.text]
        if event == "rejected":
            lines += ["", _("Reason:"), report.rejection_reason]
        if event == "received":
            lines += [_("Due by: %(when)s") % {"when": format_datetime(report.due_at)}]
        lines += ["", f"{settings.PLATFORM_NAME}"]
    for email in recipients:
        send_mail(subject, "\n".join(lines), None, [email])
    return len(recipients)


@task()
def notify_escalation(report_id: int) -> int:
    """Email the leaders of the agency an overdue report was escalated to."""
    from tinhso.feedback.models import Report

    report = Report.objects.select_related("category", "escalated_to").filter(pk=report_id).first()
    if report is None or report.escalated_to is None:
        return 0
    emails = sorted(
        set(
            Membership.objects.active()
            .filter(agency=report.escalated_to, role=Role.LEADER)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )
    if not emails:
        return 0
    with translation.override("vi"):
        subject = _("Overdue report %(code)s escalated") % {"code": report.code}
        body = _("Report %(code)s (%(category)s) was due by %(due)s and is not answered.") % {
            "code": report.code,
            "category": report.category.name,
            "due": format_datetime(report.due_at),
        }
    send_mail(subject, body, None, emails)
    return len(emails)


@task()
def escalate_feedback() -> int:
    """The periodic sweep: escalate overdue reports and close answered ones past reopening."""
    from tinhso.feedback.actions import close_answered, escalate_overdue

    escalated = escalate_overdue()
    close_answered()
    return len(escalated)
