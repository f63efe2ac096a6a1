"""Create the local demo CA and signing certificates for agencies (demo and tests only)."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from tinhso.agencies.models import Agency, AgencyKind
from tinhso.procedures.models import Procedure
from tinhso.signing import actions

# The agencies that receive dossiers or decide on them (with every agency a procedure names as
# implementing it, such as the provincial police, which is no department).
ONE_STOP_KINDS = (
    AgencyKind.PROVINCIAL_PC,
    AgencyKind.DEPARTMENT,
    AgencyKind.SERVICE_CENTRE,
    AgencyKind.COMMUNE_PC,
    AgencyKind.ONE_STOP_DESK,
)


class Command(BaseCommand):
    help = (
        "Create the demo certification authority (once) and a signing certificate for each agency "
        "given by code, or for every current one-stop agency and every agency implementing a "
        "procedure with --all-one-stop. Idempotent: an agency that already has a valid active "
        "certificate keeps it."
    )

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", help="electronic codes of agencies, e.g. H20.201.01")
        parser.add_argument(
            "--all-one-stop",
            action="store_true",
            help=(
                "every current People's Committee, department, service centre and one-stop desk, "
                "and every agency implementing a procedure"
            ),
        )

    def handle(self, *args, codes, all_one_stop, **options):
        if not codes and not all_one_stop:
            raise CommandError("Give agency codes or --all-one-stop.")
        root = actions.demo_ca()
        self.stdout.write(f"Demo CA: {root.name} (SHA-256 {root.fingerprint})")
        agencies = list(Agency.objects.valid_on().filter(code__in=codes)) if codes else []
        missing = set(codes) - {agency.code for agency in agencies}
        if missing:
            raise CommandError(f"Unknown agency codes: {', '.join(sorted(missing))}")
        if all_one_stop:
            implementing = Procedure.agencies.through.objects.values("agency_id")
            agencies += list(
                Agency.objects.valid_on().filter(Q(kind__in=ONE_STOP_KINDS) | Q(pk__in=implementing))
            )
        created = 0
        for agency in {agency.pk: agency for agency in agencies}.values():
            _certificate, new = actions.ensure_agency_certificate(None, agency, root)
            created += new
        self.stdout.write(f"{created} certificate(s) issued, {len(agencies) - created} already present.")
