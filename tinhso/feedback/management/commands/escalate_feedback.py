from django.core.management.base import BaseCommand

from tinhso.feedback.actions import close_answered, escalate_overdue


class Command(BaseCommand):
    help = "Escalate overdue feedback reports to the next agency level; close answered ones past reopening."

    def handle(self, *args, **options):
        escalated = escalate_overdue()
        closed = close_answered()
        for report in escalated:
            target = report.escalated_to.name if report.escalated_to else "-"
            self.stdout.write(f"{report.code}\t{report.escalation_level}\t{target}")
        self.stdout.write(f"Đã chuyển cấp / escalated: {len(escalated)}; đã đóng / closed: {closed}")
