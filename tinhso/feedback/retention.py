"""The feedback's part of the retention schedule (``tinhso.core.retention``): the sender's
contact details and account link of closed or rejected reports are removed; the report, its
answers and dates stay."""

from tinhso.core import retention
from tinhso.feedback.actions import FINISHED_STATES, anonymise_report
from tinhso.feedback.models import Report


def named_reports_due(before, now):
    named = Report.objects.exclude(contact_name="", contact_phone="", contact_email="", reporter=None)
    return named.filter(state__in=FINISHED_STATES, closed_at__lt=before)


retention.register(
    retention.Kind(
        "closed_feedback_contacts",
        "senders of closed feedback reports",
        "anonymise",
        due=named_reports_due,
        apply=lambda records, before: sum(
            anonymise_report(report) for report in records.only("pk").iterator()
        ),
        position=4,
    )
)
