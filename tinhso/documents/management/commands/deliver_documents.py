import logging

from django.core.management.base import BaseCommand

from tinhso.documents import actions, axis, axis_inbox
from tinhso.documents.exchange import BATCH, deliver_due

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Take in what waits at the national axis (when one is configured), remind the people in "
        "charge of incoming documents whose handling deadline is near or past, then deliver the "
        "due packages of the document exchange (retries included); run every minute."
    )

    def handle(self, *args, **options):
        if axis.configured() is not None:
            try:
                counts = axis_inbox.fetch()
            except axis.AxisError as exc:
                logger.warning("The national axis could not be read: %s", exc)
            else:
                self.stdout.write("From the axis: {taken} taken in, {refused} refused.".format(**counts))
        reminded = actions.remind_handlers()
        if reminded:
            self.stdout.write(f"{reminded} handling reminder(s) sent.")
        total = 0
        while True:
            done = deliver_due(BATCH)
            total += done
            if done < BATCH:
                break
        self.stdout.write(f"{total} package(s) handled.")
