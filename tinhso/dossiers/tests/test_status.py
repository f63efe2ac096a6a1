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
    assert {Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED} == FINAL
    assert WITHDRAWABLE.isdisjoint(FINAL | {Status.FINISHED})


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
        (Status.WITHDRAWN, Status.NEW, False),
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
