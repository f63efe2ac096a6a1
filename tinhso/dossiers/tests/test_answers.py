"""E-form answers: one parser for posted pages, stored drafts and the API, Vietnamese errors."""

import datetime

import pytest
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from tinhso.dossiers import answers
from tinhso.testing import ANSWERS, EFORM

FIELDS = [field for page in EFORM["pages"] for field in page["fields"]]


def post(**values):
    return MultiValueDict({key.replace("__", "."): [value] for key, value in values.items()})


@pytest.mark.django_db
def test_valid_answers_round_trip_through_the_stored_form(province):
    values, errors = answers.clean_answers(EFORM["pages"], ANSWERS)
    assert errors == {}
    assert values == ANSWERS
    source = answers.to_source(FIELDS, ANSWERS)
    assert source.get("ngay_sinh") == "05/01/2026"
    assert source.get("noi_sinh.commune") == "28261"
    assert source.get("anh_chi_em.count") == "1"


@pytest.mark.django_db
def test_each_kind_of_bad_answer_gets_a_vietnamese_message(province):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    values, errors = answers.parse_fields(
        FIELDS,
        post(
            ho_ten="",
            ngay_sinh=tomorrow,
            gioi_tinh="khac",
            noi_sinh__commune="99999",
            noi_sinh__detail="",
            anh_chi_em__count="1",
            anh_chi_em__0__ho_ten="",
            anh_chi_em__0__nam_sinh="hai nghìn",
        ),
    )
    assert errors == {
        "ho_ten": "Hãy nhập “Họ, chữ đệm, tên”.",
        "ngay_sinh": "“Ngày sinh” không được sau ngày hôm nay.",
        "gioi_tinh": "Hãy chọn trong danh sách cho “Giới tính”.",
        "noi_sinh.commune": "Hãy chọn phường, xã cho “Nơi sinh”.",
        "noi_sinh.detail": "Hãy nhập số nhà, đường phố cho “Nơi sinh”.",
        "anh_chi_em.0.ho_ten": "Hãy nhập “Họ và tên (anh chị em 1)”.",
        "anh_chi_em.0.nam_sinh": "“Năm sinh (anh chị em 1)” phải là một số.",
    }
    assert values["anh_chi_em"] == [{"nam_sinh": "hai nghìn"}]  # kept as typed, to show it again


@pytest.mark.parametrize(
    ("field", "raw", "error"),
    [
        ({"format": "cccd"}, "08709500123", "Số căn cước công dân (CCCD) gồm đúng 12 chữ số."),
        ({"format": "phone"}, "0212345678", "021 không phải là đầu số di động Việt Nam."),
        ({"format": "email"}, "an@", "Hãy nhập địa chỉ thư điện tử đúng dạng, ví dụ ten@example.vn."),
        ({"max_length": 5}, "Nguyễn Văn An", "“Trường” không được dài quá 5 ký tự."),
    ],
)
def test_text_formats(field, raw, error):
    definition = [{"name": "truong", "label": "Trường", "type": "text", **field}]
    _values, errors = answers.parse_fields(definition, post(truong=raw))
    assert errors["truong"] == error


def test_numbers_and_dates():
    definition = [
        {"name": "dien_tich", "label": "Diện tích", "type": "number", "min": 0, "unit": "m²"},
        {"name": "so_con", "label": "Số con", "type": "number", "integer": True},
        {"name": "ngay", "label": "Ngày cấp", "type": "date"},
    ]
    values, errors = answers.parse_fields(definition, post(dien_tich="120,5", so_con="2", ngay="29/02/2024"))
    assert errors == {} and values == {"dien_tich": 120.5, "so_con": 2, "ngay": "2024-02-29"}
    _values, errors = answers.parse_fields(definition, post(dien_tich="-1", so_con="1,5", ngay="29/02/2025"))
    assert errors == {
        "dien_tich": "“Diện tích” phải từ 0 trở lên.",
        "so_con": "“Số con” phải là số nguyên.",
        "ngay": "“Ngày cấp” phải là một ngày có thật, viết theo dạng dd/mm/yyyy, ví dụ 25/12/1990.",
    }


def test_repeatable_groups_limits_and_editing():
    group = {
        "name": "thanh_vien",
        "label": "Thành viên",
        "type": "group",
        "repeatable": True,
        "min_items": 1,
        "max_items": 2,
        "fields": [{"name": "ten", "label": "Tên", "type": "text", "required": True}],
    }
    _values, errors = answers.parse_fields([group], post(thanh_vien__count="0"))
    assert errors == {"thanh_vien": "Hãy thêm ít nhất 1 mục vào “Thành viên”."}
    data = {"thanh_vien": [{"ten": "An"}, {"ten": "Bình"}]}
    answers.remove_item(data, "thanh_vien.0")
    assert data == {"thanh_vien": [{"ten": "Bình"}]}
    answers.add_item(data, "thanh_vien")
    assert data == {"thanh_vien": [{"ten": "Bình"}, {}]}
    nodes = answers.build_nodes([group], answers.to_source([group], data), {})
    assert nodes[0]["count"] == 2 and not nodes[0]["can_add"] and nodes[0]["can_remove"]


def test_multiple_choice():
    field = {
        "name": "giay_to",
        "label": "Giấy tờ",
        "type": "choice",
        "multiple": True,
        "choices": [{"value": "a", "label": "Bản chính"}, {"value": "b", "label": "Bản sao"}],
    }
    values, errors = answers.parse_fields([field], MultiValueDict({"giay_to": ["a", "b"]}))
    assert errors == {} and values == {"giay_to": ["a", "b"]}
    rows = answers.display_rows([field], values)
    assert rows[0]["text"] == "Bản chính, Bản sao"
