"""The generic flow the engine falls back on when a procedure has no flow and the platform no
default one (reception – processing – approval – result), as a definition that
``tinhso.workflows.actions.load_flow`` creates or updates."""

from tinhso.accounts.models import Role
from tinhso.dossiers.status import Status
from tinhso.workflows.models import FlowVersion

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


def published_signature(version: FlowVersion) -> tuple:
    states = sorted((s.key, s.name, s.status_code, s.is_start, s.is_end) for s in version.states.all())
    actions = sorted(
        (a.key, a.name, a.from_state.key, a.to_state.key, tuple(a.roles)) for a in version.actions.all()
    )
    return states, actions


def definition_signature(definition: dict) -> tuple:
    states = sorted(
        (key, name, int(code), start, end) for key, name, code, start, end in definition["states"]
    )
    actions = sorted(
        (a["key"], a["name"], a["from"], a["to"], tuple(a["roles"])) for a in definition["actions"]
    )
    return states, actions
