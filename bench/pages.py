"""The back-office pages' work (issue 19): the officer of the busiest desk and the province
leader, each signed in with a session as the TOTP page leaves it (``bench.ioc``), and the pages
they open.

Run inside Django after seeding::

    python -m bench.pages --out DIR

The busiest desk is the agency holding the most open dossiers on their flow; its bench officer
holds the roles that handle dossiers there (one-stop officer, specialist, leader), so that the
inbox holds every dossier waiting at that agency. Writes ``DIR/dossier_pages.tsv`` (the dossier
page of each dossier on the first page of that inbox) and prints a JSON summary with the paths
and the two session cookies.
"""

import argparse
import datetime
import json
import urllib.parse
from pathlib import Path

import django

PROVINCE_LEADER = "lanhdao.tinh"  # the demo's leader of the provincial People's Committee


def prepare(out: Path) -> dict:
    from django.db.models import Count
    from django.utils import timezone

    from bench.ioc import session_cookie
    from bench.officers import officer
    from tinhso.accounts.models import Membership, Role
    from tinhso.agencies.models import Agency
    from tinhso.core.text import fold
    from tinhso.dossiers.status import FINAL
    from tinhso.motcua import inbox
    from tinhso.workflows.models import DossierFlow

    busiest = (
        DossierFlow.objects.exclude(dossier__status__in=FINAL)
        .values("current_agency")
        .annotate(open=Count("pk"))
        .order_by("-open", "current_agency")
        .first()
    )
    if busiest is None:
        raise RuntimeError("bench.pages: no open dossier on a flow (bench.seed puts them there)")
    agency = Agency.objects.get(pk=busiest["current_agency"])
    desk = officer(f"bench.ban.{agency.code}", agency, Role.ONE_STOP_OFFICER)
    for role in (Role.SPECIALIST, Role.LEADER):
        Membership.objects.get_or_create(
            user=desk, agency=agency, role=role, defaults={"valid_from": datetime.date(2025, 7, 1)}
        )
    first_page = inbox.dossiers_of(inbox.filtered(desk)[:25])
    if not first_page:
        raise RuntimeError(f"bench.pages: the inbox of {agency.code} is empty")
    (out / "dossier_pages.tsv").write_text("".join(f"/mot-cua/ho-so/{row.pk}/\n" for row in first_page))
    # An officer looking someone up types the name without accents.
    name = fold(first_page[-1].applicant_name)
    today = timezone.localdate()
    year = urllib.parse.urlencode(
        {"date_from": f"{today - datetime.timedelta(days=365):%d/%m/%Y}", "date_to": f"{today:%d/%m/%Y}"}
    )
    return {
        "desk": agency.code,
        "desk_open_dossiers": busiest["open"],
        "desk_cookie": session_cookie(desk.username),
        "leader_cookie": session_cookie(PROVINCE_LEADER),
        "inbox": "/mot-cua/",
        "inbox_filter": f"/mot-cua/?{urllib.parse.urlencode({'deadline': inbox.OVERDUE})}",
        "inbox_search": f"/mot-cua/?{urllib.parse.urlencode({'q': name})}",
        "search_name": name,
        "statistics_page": f"/thong-ke/?{year}",
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    options = parser.parse_args(argv)
    django.setup()
    print(json.dumps(prepare(options.out), ensure_ascii=False))


if __name__ == "__main__":
    main()
