"""The officer-actions phases' work. ``--step reception`` (the default): the dossiers submitted
during the run, each with the first action of its flow (reception) for a one-stop officer of its
receiving agency, who hands it to a specialist. ``--step processing``: the dossiers those
receptions handed over, each with the next action of its flow for the specialist it was handed
to (in the generic flow, "Bắt đầu xử lý": a status change, no form to sign).

Run inside Django after the submission phase (processing: after the reception phase)::

    python -m bench.officers --out DIR [--step processing]

Writes ``DIR/actions.tsv`` ("token<TAB>path<TAB>json body" per dossier) and prints a JSON summary.
Officers and their tokens are made directly (their TOTP sign-in is not what is measured).
"""

import argparse
import datetime
import json
import secrets
from pathlib import Path

import django


def officer(username: str, agency, role: str):
    from tinhso.accounts.models import Membership, User, UserKind

    user, created = User.objects.get_or_create(
        username=username,
        defaults={"full_name": f"Cán bộ {agency.short_name}"[:200], "kind": UserKind.OFFICER},
    )
    if created:
        Membership.objects.create(user=user, agency=agency, role=role, valid_from=datetime.date(2025, 7, 1))
    return user


def token_for(user) -> str:
    from django.utils import timezone

    from tinhso.accounts.models import ApiToken, hash_token

    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        name="bench",
        token_hash=hash_token(token),
        expires_at=timezone.now() + datetime.timedelta(hours=6),
    )
    return token


def prepare(out: Path) -> dict:
    from tinhso.accounts.models import Role
    from tinhso.agencies.models import AgencyKind
    from tinhso.dossiers.models import Dossier
    from tinhso.dossiers.status import Status
    from tinhso.workflows.actions import available_actions, step_target

    dossiers = (
        Dossier.objects.filter(status=Status.NEW, is_draft=False, flow__isnull=False)
        .exclude(code__startswith="FLOOR-")
        .select_related("receiving_agency__parent")
        .order_by("pk")
    )
    desks: dict[int, tuple] = {}
    specialists: dict[int, str] = {}
    lines = []
    for dossier in dossiers:
        agency = dossier.receiving_agency
        if agency.pk not in desks:
            desk = officer(f"bench.motcua.{agency.code}", agency, Role.ONE_STOP_OFFICER)
            desks[agency.pk] = (desk, token_for(desk))
        desk, token = desks[agency.pk]
        actions = available_actions(desk, dossier)
        if not actions:
            continue
        # The officer who takes the next step belongs where the action sends the dossier (the
        # competent commune for a dossier received regardless of boundary).
        target = step_target(actions[0], dossier.flow, dossier)
        if target.pk not in specialists:
            home = target.parent if target.kind == AgencyKind.ONE_STOP_DESK and target.parent else target
            specialist = officer(f"bench.chuyenvien.{target.code}", home, Role.SPECIALIST)
            specialists[target.pk] = specialist.username
        path = f"/api/v1/mot-cua/dossiers/{dossier.pk}/actions/{actions[0].key}"
        body = json.dumps(
            {"assignee": specialists[target.pk], "note": "Tiếp nhận hồ sơ (đo tải)"}, ensure_ascii=False
        )
        lines.append(f"{token}\t{path}\t{body}")
    (out / "actions.tsv").write_text("\n".join(lines) + "\n")
    return {"dossiers": len(lines), "agencies": len(desks)}


def prepare_processing(out: Path) -> dict:
    from tinhso.dossiers.models import Dossier
    from tinhso.dossiers.status import Status
    from tinhso.workflows.actions import available_actions

    handed = (
        Dossier.objects.filter(
            status=Status.ACCEPTED, flow__assignee__username__startswith="bench.chuyenvien."
        )
        .select_related("flow__assignee")
        .order_by("pk")
    )
    tokens: dict[int, str] = {}
    lines = []
    for dossier in handed:
        specialist = dossier.flow.assignee
        assert specialist is not None  # the query asks for an assignee
        actions = [action for action in available_actions(specialist, dossier) if not action.assign_role]
        if not actions:
            continue
        if specialist.pk not in tokens:
            tokens[specialist.pk] = token_for(specialist)
        path = f"/api/v1/mot-cua/dossiers/{dossier.pk}/actions/{actions[0].key}"
        body = json.dumps({"note": "Bắt đầu xử lý (đo tải)"}, ensure_ascii=False)
        lines.append(f"{tokens[specialist.pk]}\t{path}\t{body}")
    (out / "actions.tsv").write_text("\n".join(lines) + "\n")
    return {"dossiers": len(lines), "specialists": len(tokens)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--step", choices=("reception", "processing"), default="reception")
    options = parser.parse_args(argv)
    django.setup()
    print(
        json.dumps(prepare_processing(options.out) if options.step == "processing" else prepare(options.out))
    )


if __name__ == "__main__":
    main()
