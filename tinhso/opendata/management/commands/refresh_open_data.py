from django.core.management.base import BaseCommand

from tinhso.opendata.actions import refresh_all


class Command(BaseCommand):
    help = "Rebuild every open dataset from the platform's records; what changed becomes a new version."

    def handle(self, *args, **options):
        created = refresh_all()
        self.stdout.write(f"{created} new version(s).")
