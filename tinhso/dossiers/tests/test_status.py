import pytest
from django.core.exceptions import ValidationError

from tinhso.dossiers.status import FINAL, TRANSITIONS, WITHDRAWABLE, Status, can_transition, check_transition


def test_the_ten_national_statuses_have_their_vietnamese_names():
    assert [(s.value, s.label) for s in Status] == [
        (1, "Mới đăng ký"),
        (2, "Được tiếp nhận"),
        (3, "Không được tiếp nhận"),
        (4, "Đang xử lý"),
        (5, "Yêu cầu bổ sung giấy tờ"),
        (6, "Yêu cầu thực hiện nghĩa vụ tài chính"),
        (7, "Công dân yêu cầu rút hồ sơ"),
        (8, "Dừng xử lý"),
        (9, "Đã xử lý xong"),
        (10, "Đã trả kết quả"),
    ]


def test_every_status_has_its_rules_and_final_statuses_lead_nowhere():
    assert set(TRANSITIONS) == set(Status)
    assert {Status.REFUSED, Status.STOPPED, Status.RETURNED} == FINAL
    assert WITHDRAWABLE.isdisjoint(FINAL | {Status.FINISHED})


def test_a_withdrawal_is_a_request_the_competent_body_grants_or_refuses():
    """Decree 118/2025/NĐ-CP Art. 21(1), Circular 03/2025/TT-VPCP Art. 7: status 7 is the
    citizen's request; it ends in 8 (stopped, Form 05) or goes back to where the dossier was."""
    assert Status.WITHDRAWN not in FINAL
    assert can_transition(Status.WITHDRAWN, Status.STOPPED)
    for earlier in WITHDRAWABLE:
        assert can_transition(earlier, Status.WITHDRAWN)
        assert can_transition(Status.WITHDRAWN, earlier)
    assert not can_transition(Status.WITHDRAWN, Status.FINISHED)
    assert not can_transition(Status.WITHDRAWN, Status.REFUSED)


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        (Status.NEW, Status.ACCEPTED, True),
        (Status.NEW, Status.REFUSED, True),
        (Status.NEW, Status.FINISHED, False),
        (Status.ACCEPTED, Status.PROCESSING, True),
        (Status.PROCESSING, Status.SUPPLEMENT, True),
        (Status.SUPPLEMENT, Status.PROCESSING, True),
        (Status.SUPPLEMENT, Status.NEW, True),
        (Status.PAYMENT, Status.PROCESSING, True),
        (Status.FINISHED, Status.RETURNED, True),
        (Status.FINISHED, Status.WITHDRAWN, False),
        (Status.RETURNED, Status.PROCESSING, False),
        (Status.WITHDRAWN, Status.STOPPED, True),
        (Status.WITHDRAWN, Status.RETURNED, False),
        (Status.REFUSED, Status.ACCEPTED, False),
    ],
)
def test_transitions(source, target, allowed):
    assert can_transition(source, target) is allowed


def test_a_refused_transition_says_why_in_vietnamese():
    with pytest.raises(ValidationError) as caught:
        check_transition(Status.RETURNED, Status.PROCESSING)
    assert caught.value.messages == [
        "Hồ sơ ở trạng thái “Đã trả kết quả” không thể chuyển sang “Đang xử lý”."
    ]
