"""The demo's flows: the generic default (``generic.py``), a same-day certification at a commune
and a multi-step provincial licence with a consultation of another agency."""

from tinhso.dossiers.status import Status
from tinhso.procedures.models import Procedure
from tinhso.workflows.actions import load_flow
from tinhso.workflows.generic import (
    DAYS,
    GENERIC,
    HOURS,
    LEADER,
    OFFICER,
    RECEPTION,
    RESULT,
    SPECIALIST,
)
from tinhso.workflows.generic import action as _action
from tinhso.workflows.models import Flow

SAME_DAY_CERTIFICATION = {
    "key": "chung-thuc-trong-ngay",
    "name": "Chứng thực trong ngày tại Trung tâm Phục vụ hành chính công cấp xã",
    "default": False,
    "procedures": ["2.000815", "2.000884", "2.000942", "2.000635"],
    "states": [
        *RECEPTION,
        ("da_tiep_nhan", "Đã tiếp nhận, chờ chứng thực", Status.ACCEPTED, False, False),
        ("cho_ky", "Chờ lãnh đạo ký chứng thực", Status.PROCESSING, False, False),
        ("xu_ly_lai", "Chuyên viên kiểm tra lại", Status.PROCESSING, False, False),
        *RESULT,
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
        *RECEPTION,
        ("da_tiep_nhan", "Đã tiếp nhận, chờ thẩm định", Status.ACCEPTED, False, False),
        ("tham_dinh", "Chuyên viên thẩm định", Status.PROCESSING, False, False),
        ("lay_y_kien", "Đang lấy ý kiến cơ quan liên quan", Status.PROCESSING, False, False),
        ("cho_ky", "Chờ lãnh đạo ký giấy phép", Status.PROCESSING, False, False),
        *RESULT,
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


def load_demo_flows() -> list[tuple[Flow, bool]]:
    """The three demo flows; the specific ones are linked to their procedures when present
    (a flow per procedure, ``<flow key>-<procedure code>``)."""
    results = [load_flow(GENERIC)]
    for definition in (SAME_DAY_CERTIFICATION, PROVINCIAL_LICENCE):
        for procedure in Procedure.objects.filter(code__in=definition["procedures"]).order_by("code"):
            specific = dict(definition, key=f"{definition['key']}-{procedure.code.lower().replace('.', '-')}")
            specific["name"] = f"{definition['name']}: {procedure.name}"[:255]
            results.append(load_flow(specific, procedure))
    return results
