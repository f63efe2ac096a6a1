"""The feedback's part of the citizen's personal-data export (``tinhso.accounts.personal_data``,
Law 91/2025/QH15 art. 4): the reports they sent, with the approved answers."""

from tinhso.accounts import personal_data
from tinhso.feedback.models import Report


def report_rows(person, readable: bool) -> list[dict]:

    reports = Report.objects.filter(reporter=person).select_related("category").order_by("received_at", "pk")
    return [
        {
            "code": report.code or "",
            "category": report.category.name,
            "description": report.description,
            "address": report.address,
            "contact": {
                "name": report.contact_name,
                "phone": report.contact_phone,
                "email": report.contact_email,
            },
            "anonymous": report.anonymous,
            "state": report.get_state_display(),
            "received_at": report.received_at,
            "closed_at": report.closed_at,
            "answers": [
                answer.text for answer in report.answers.exclude(approved_at=None).order_by("created_at")
            ],
        }
        for report in reports
    ]


personal_data.register_section("feedback_reports", 3, report_rows)
