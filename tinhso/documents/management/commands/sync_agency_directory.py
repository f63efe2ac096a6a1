from django.core.management.base import BaseCommand, CommandError

from tinhso.documents import actions, axis


class Command(BaseCommand):
    help = "Synchronise the national agency directory from the document axis; run daily."

    def handle(self, *args, **options):
        try:
            counts = actions.sync_directory(None)
        except axis.AxisError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write("{added} added, {updated} updated, {withdrawn} no longer listed.".format(**counts))
