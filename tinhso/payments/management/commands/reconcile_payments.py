"""``manage.py reconcile_payments --from 01/03/2026 --to 31/03/2026 [--api-url URL]``"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from tinhso.core.text import format_money
from tinhso.payments import vnpay
from tinhso.payments.reconcile import ReconciliationError, reconcile


def parse_day(text: str) -> datetime.date:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CommandError(f"Ngày không hợp lệ: {text!r} (dd/mm/yyyy hoặc yyyy-mm-dd).")


class Command(BaseCommand):
    help = "Đối soát các khoản thanh toán với danh sách giao dịch của cổng thanh toán."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="dd/mm/yyyy")
        parser.add_argument("--to", dest="date_to", required=True, help="dd/mm/yyyy")
        parser.add_argument(
            "--api-url",
            default=None,
            help="The gateway's merchant API URL (default: settings.VNPAY['API_URL']).",
        )

    def handle(self, *args, date_from, date_to, api_url, **options):
        api_url = api_url or vnpay.config().api_url
        if not api_url.startswith(("http://", "https://")):
            raise CommandError(
                f"Cần địa chỉ đầy đủ của API cổng thanh toán (--api-url), không phải {api_url!r}."
            )
        try:
            report = reconcile(parse_day(date_from), parse_day(date_to), api_url=api_url)
        except ReconciliationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Khớp: {report.matched}; lệch: {len(report.mismatches)}")
        for line in report.mismatches:
            amounts = " / ".join(
                format_money(value) if value is not None else "—"
                for value in (line.our_amount, line.gateway_amount)
            )
            self.stdout.write(f"{line.txn_ref}\t{line.dossier_code or '—'}\t{line.label}\t{amounts}")
        if report.mismatches:
            raise CommandError(f"Có {len(report.mismatches)} giao dịch lệch.", returncode=2)
