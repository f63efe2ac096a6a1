from django.core.management.base import BaseCommand

from tinhso.documents.exchange import BATCH, deliver_due


class Command(BaseCommand):
    help = "Deliver the due packages of the document exchange (retries included); run every minute."

    def handle(self, *args, **options):
        total = 0
        while True:
            done = deliver_due(BATCH)
            total += done
            if done < BATCH:
                break
        self.stdout.write(f"{total} package(s) handled.")
