"""The generic flow the engine falls back on when a procedure has no flow and the platform no
default one (reception – processing – approval – result), and ``load_flow``, which creates or
updates a flow from its definition: idempotent, a flow whose latest published version already
has the same definition is kept."""

from django.db import transaction
from django.utils import timezone

from tinhso.accounts.models import Role
from tinhso.dossiers.status import Status
from tinhso.workflows.models import Action, Flow, FlowVersion, State
from tinhso.workflows.validation import validate_version

OFFICER, SPECIALIST, LEADER = Role.ONE_STOP_OFFICER.value, Role.SPECIALIST.value, Role.LEADER.value
HOURS, DAYS = "working_hours", "working_days"

RECEPTION = [("cho_tiep_nhan", "Chờ tiếp nhận", Status.NEW, True, False)]
RESULT = [
    ("da_xu_ly", "Đã có kết quả, chờ trả", Status.FINISHED, False, False),
    ("da_tra", "Đã trả kết quả", Status.RETURNED, False, True),
]


def action(key, name, source, target, roles, **options) -> dict:
    return {"key": key, "name": name, "from": source, "to": target, "roles": roles, **options}


GENERIC = {
    "key": "quy-trinh-chung",
    "name": "Quy trình chung (tiếp nhận – xử lý – phê duyệt – trả kết quả)",
    "default": True,
    "procedures": [],
    "states": [
        *RECEPTION,
        ("da_tiep_nhan", "Đã tiếp nhận, chờ xử lý", Status.ACCEPTED, False, False),
        ("dang_xu_ly", "Chuyên viên đang xử lý", Status.PROCESSING, False, False),
        ("cho_phe_duyet", "Chờ lãnh đạo phê duyệt", Status.PROCESSING, False, False),
        *RESULT,
    ],
    "actions": [
        action(
            "tiep_nhan",
            "Tiếp nhận và chuyển xử lý",
            "cho_tiep_nhan",
            "da_tiep_nhan",
            [OFFICER],
            assign_role=SPECIALIST,
            duration=4,
            unit=HOURS,
        ),
        action("xu_ly", "Bắt đầu xử lý", "da_tiep_nhan", "dang_xu_ly", [SPECIALIST]),
        action(
            "trinh_lanh_dao",
            "Trình lãnh đạo phê duyệt",
            "dang_xu_ly",
            "cho_phe_duyet",
            [SPECIALIST],
            duration=1,
            unit=DAYS,
        ),
        action("tra_lai", "Trả lại chuyên viên xử lý lại", "cho_phe_duyet", "dang_xu_ly", [LEADER]),
        action(
            "phe_duyet",
            "Phê duyệt kết quả",
            "cho_phe_duyet",
            "da_xu_ly",
            [LEADER],
            conditions=["payment_received"],
            returns=True,
            duration=4,
            unit=HOURS,
        ),
        action("tra_ket_qua", "Trả kết quả cho người nộp", "da_xu_ly", "da_tra", [OFFICER]),
    ],
}


def _signature(version: FlowVersion) -> tuple:
    states = sorted((s.key, s.name, s.status_code, s.is_start, s.is_end) for s in version.states.all())
    actions = sorted(
        (a.key, a.name, a.from_state.key, a.to_state.key, tuple(a.roles)) for a in version.actions.all()
    )
    return states, actions


def _wanted(definition: dict) -> tuple:
    states = sorted(
        (key, name, int(code), start, end) for key, name, code, start, end in definition["states"]
    )
    actions = sorted(
        (a["key"], a["name"], a["from"], a["to"], tuple(a["roles"])) for a in definition["actions"]
    )
    return states, actions


def load_flow(definition: dict, procedure=None) -> tuple[Flow, bool]:
    """Create or update the flow ``definition``; returns (flow, whether a version was published)."""
    with transaction.atomic():
        flow, _created = Flow.objects.select_for_update().get_or_create(
            key=definition["key"],
            defaults={
                "name": definition["name"],
                "is_default": definition["default"],
                "procedure": procedure,
            },
        )
        latest = flow.published_version()
        if latest is not None and _signature(latest) == _wanted(definition):
            return flow, False
        number = (flow.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        version = FlowVersion.objects.create(flow=flow, number=number)
        states = {}
        for key, name, code, start, end in definition["states"]:
            states[key] = State.objects.create(
                version=version, key=key, name=name, status_code=code, is_start=start, is_end=end
            )
        for position, spec in enumerate(definition["actions"]):
            Action.objects.create(
                version=version,
                key=spec["key"],
                name=spec["name"],
                from_state=states[spec["from"]],
                to_state=states[spec["to"]],
                roles=spec["roles"],
                conditions=spec.get("conditions", []),
                duration=spec.get("duration"),
                duration_unit=spec.get("unit", HOURS),
                assign_role=spec.get("assign_role", ""),
                transfers_to_agency_kind=spec.get("kind", ""),
                returns_to_receiving_agency=spec.get("returns", False),
                position=position,
            )
        validate_version(version)
        version.is_published = True
        version.published_at = timezone.now()
        version.save(update_fields=["is_published", "published_at"])
    return flow, True


def ensure_generic_flow() -> Flow:
    return load_flow(GENERIC)[0]
