"""``manage.py anchor_exchange_log``: anchor the head of the exchange log, and forget the ``jti``
of expired client assertions (run periodically, e.g. every hour from cron)."""

from django.core.management.base import BaseCommand

from tinhso.lgsp.exchange_log import anchor_log
from tinhso.lgsp.gateway import forget_used_assertions


class Command(BaseCommand):
    help = "Anchor the head of the gateway's exchange log."

    def handle(self, *args, **options):
        forget_used_assertions()
        anchor = anchor_log()
        self.stdout.write(anchor.hash if anchor else "-")
