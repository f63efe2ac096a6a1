from django.core.management.base import BaseCommand

from tinhso.workflows.demo import load_demo_flows


class Command(BaseCommand):
    help = "Load the demo processing flows (idempotent)."

    def handle(self, *args, **options):
        results = load_demo_flows()
        published = sum(1 for _flow, changed in results if changed)
        self.stdout.write(f"{len(results)} flows, {published} new versions published.")
