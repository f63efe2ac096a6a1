"""``manage.py anchor_exchange_log``: anchor the head of the exchange log (run periodically)."""

from django.core.management.base import BaseCommand

from tinhso.lgsp.exchange_log import anchor_log


class Command(BaseCommand):
    help = "Anchor the head of the gateway's exchange log."

    def handle(self, *args, **options):
        anchor = anchor_log()
        self.stdout.write(anchor.hash if anchor else "-")
