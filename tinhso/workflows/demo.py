"""The flows the platform ships: a generic default, a same-day certification at a commune and a
multi-step provincial licence with a consultation of another agency. ``load_flow`` is
idempotent: a flow whose latest published version already has the same definition is kept."""

from django.db import transaction
from django.utils import timezone

from tinhso.accounts.models import Role
from tinhso.dossiers.status import Status
from tinhso.workflows.models import Action, Flow, FlowVersion, State
from tinhso.workflows.validation import validate_version

OFFICER, SPECIALIST, LEADER = Role.ONE_STOP_OFFICER.value, Role.SPECIALIST.value, Role.LEADER.value
HOURS, DAYS = "working_hours", "working_days"

_RECEPTION = [("cho_tiep_nhan", "Chờ tiếp nhận", Status.NEW, True, False)]
_RESULT = [
    ("da_xu_ly", "Đã có kết quả, chờ trả", Status.FINISHED, False, False),
    ("da_tra", "Đã trả kết quả", Status.RETURNED, False, True),
]


def _action(key, name, source, target, roles, **options) -> dict:
    return {"key": key, "name": name, "from": source, "to": target, "roles": roles, **options}


GENERIC = {
    "key": "quy-trinh-chung",
    "name": "Quy trình chung (tiếp nhận – xử lý – phê duyệt – trả kết quả)",
    "default": True,
    "procedures": [],
    "states": [
        *_RECEPTION,
        ("da_tiep_nhan", "Đã tiếp nhận, chờ xử lý", Status.ACCEPTED, False, False),
        ("dang_xu_ly", "Chuyên viên đang xử lý", Status.PROCESSING, False, False),
        ("cho_phe_duyet", "Chờ lãnh đạo phê duyệt", Status.PROCESSING, False, False),
        *_RESULT,
    ],
    "actions": [
        _action(
            "tiep_nhan",
            "Tiếp nhận và chuyển xử lý",
            "cho_tiep_nhan",
            "da_tiep_nhan",
            [OFFICER],
            assign_role=SPECIALIST,
            duration=4,
            unit=HOURS,
        ),
        _action("xu_ly", "Bắt đầu xử lý", "da_tiep_nhan", "dang_xu_ly", [SPECIALIST]),
        _action(
            "trinh_lanh_dao",
            "Trình lãnh đạo phê duyệt",
            "dang_xu_ly",
            "cho_phe_duyet",
            [SPECIALIST],
            duration=1,
            unit=DAYS,
        ),
        _action("tra_lai", "Trả lại chuyên viên xử lý lại", "cho_phe_duyet", "dang_xu_ly", [LEADER]),
        _action(
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
        _action("tra_ket_qua", "Trả kết quả cho người nộp", "da_xu_ly", "da_tra", [OFFICER]),
    ],
}

SAME_DAY_CERTIFICATION = {
    "key": "chung-thuc-trong-ngay",
    "name": "Chứng thực trong ngày tại Trung tâm Phục vụ hành chính công cấp xã",
    "default": False,
    "procedures": ["2.000815", "2.000884", "2.000942", "2.000635"],
    "states": [
        *_RECEPTION,
        ("da_tiep_nhan", "Đã tiếp nhận, chờ chứng thực", Status.ACCEPTED, False, False),
        ("cho_ky", "Chờ lãnh đạo ký chứng thực", Status.PROCESSING, False, False),
        ("xu_ly_lai", "Chuyên viên kiểm tra lại", Status.PROCESSING, False, False),
        *_RESULT,
    ],
    "actions": [
        _action(
            "tiep_nhan",
            "Tiếp nhận và chuyển chứng thực",
            "cho_tiep_nhan",
            "da_tiep_nhan",
            [OFFICER],
            assign_role=SPECIALIST,
            duration=1,
            unit=HOURS,
        ),
        _action(
            "trinh_ky",
            "Kiểm tra xong, trình ký",
            "da_tiep_nhan",
            "cho_ky",
            [SPECIALIST],
            duration=1,
            unit=HOURS,
        ),
        _action("tra_lai", "Trả lại kiểm tra lại", "cho_ky", "xu_ly_lai", [LEADER]),
        _action("trinh_ky_lai", "Trình ký lại", "xu_ly_lai", "cho_ky", [SPECIALIST], duration=1, unit=HOURS),
        _action(
            "ky",
            "Ký chứng thực",
            "cho_ky",
            "da_xu_ly",
            [LEADER],
            conditions=["payment_received"],
            returns=True,
            duration=1,
            unit=HOURS,
        ),
        _action("tra_ket_qua", "Trả kết quả tại quầy", "da_xu_ly", "da_tra", [OFFICER]),
    ],
}

PROVINCIAL_LICENCE = {
    "key": "giay-phep-cap-tinh-lien-thong",
    "name": "Cấp giấy phép cấp tỉnh có lấy ý kiến cơ quan liên quan",
    "default": False,
    "procedures": ["1.013236", "DT-011", "DT-010", "1.013225"],
    "states": [
        *_RECEPTION,
        ("da_tiep_nhan", "Đã tiếp nhận, chờ thẩm định", Status.ACCEPTED, False, False),
        ("tham_dinh", "Chuyên viên thẩm định", Status.PROCESSING, False, False),
        ("lay_y_kien", "Đang lấy ý kiến cơ quan liên quan", Status.PROCESSING, False, False),
        ("cho_ky", "Chờ lãnh đạo ký giấy phép", Status.PROCESSING, False, False),
        *_RESULT,
    ],
    "actions": [
        _action(
            "tiep_nhan",
            "Tiếp nhận và chuyển phòng chuyên môn",
            "cho_tiep_nhan",
            "da_tiep_nhan",
            [OFFICER],
            assign_role=SPECIALIST,
            duration=4,
            unit=HOURS,
        ),
        _action(
            "tham_dinh", "Bắt đầu thẩm định", "da_tiep_nhan", "tham_dinh", [SPECIALIST], duration=5, unit=DAYS
        ),
        _action(
            "xin_y_kien",
            "Gửi lấy ý kiến cơ quan khác (liên thông)",
            "tham_dinh",
            "lay_y_kien",
            [SPECIALIST],
            kind="commune_pc",
            duration=3,
            unit=DAYS,
        ),
        _action(
            "gui_y_kien",
            "Gửi lại ý kiến cho cơ quan chủ trì",
            "lay_y_kien",
            "tham_dinh",
            [SPECIALIST, LEADER],
            returns=True,
            duration=2,
            unit=DAYS,
        ),
        _action("trinh_ky", "Trình lãnh đạo ký", "tham_dinh", "cho_ky", [SPECIALIST], duration=1, unit=DAYS),
        _action("tra_lai", "Trả lại thẩm định lại", "cho_ky", "tham_dinh", [LEADER]),
        _action(
            "ky",
            "Ký giấy phép",
            "cho_ky",
            "da_xu_ly",
            [LEADER],
            conditions=["payment_received"],
            returns=True,
            duration=4,
            unit=HOURS,
        ),
        _action("tra_ket_qua", "Trả kết quả", "da_xu_ly", "da_tra", [OFFICER]),
    ],
}

DEMO_FLOWS = [GENERIC, SAME_DAY_CERTIFICATION, PROVINCIAL_LICENCE]


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


def load_demo_flows() -> list[tuple[Flow, bool]]:
    """The three demo flows; the specific ones are linked to their procedures when present
    (a flow per procedure, ``<flow key>-<procedure code>``)."""
    from tinhso.procedures.models import Procedure

    results = [load_flow(GENERIC)]
    for definition in (SAME_DAY_CERTIFICATION, PROVINCIAL_LICENCE):
        for procedure in Procedure.objects.filter(code__in=definition["procedures"]).order_by("code"):
            specific = dict(definition, key=f"{definition['key']}-{procedure.code.lower().replace('.', '-')}")
            specific["name"] = f"{definition['name']}: {procedure.name}"[:255]
            results.append(load_flow(specific, procedure))
    return results
