from django.core.management.base import BaseCommand, CommandError

from tinhso.national import actions, protocol, sync


class Command(BaseCommand):
    help = (
        "Send the due dossier status changes to the national public service portal (retries "
        "included; cron runs it every minute). --intake also takes in the dossiers submitted on "
        "the portal, --catalogue pulls the procedure catalogue updates."
    )

    def add_arguments(self, parser):
        parser.add_argument("--intake", action="store_true")
        parser.add_argument("--catalogue", action="store_true")

    def handle(self, *args, **options):
        if protocol.portal_config() is None:
            raise CommandError(
                "The national portal is not configured (NATIONAL_PORTAL_URL, …_SYSTEM, …_SECRET)."
            )
        done = 0
        while True:
            batch = sync.sync_due()
            done += batch
            if batch < sync.BATCH:
                break
        self.stdout.write(f"Status changes tried: {done}")
        try:
            if options["intake"]:
                intake = actions.take_in_portal_dossiers()
                self.stdout.write(f"Dossiers taken in: {len(intake.taken)}, refused: {len(intake.refused)}")
                for portal_id, reason in intake.refused:
                    self.stderr.write(f"  {portal_id}: {reason}")
            if options["catalogue"]:
                saved = actions.pull_catalogue()
                self.stdout.write(f"Procedures updated from the portal: {len(saved)}")
        except protocol.ConnectorError as exc:
            raise CommandError(str(exc)) from None
