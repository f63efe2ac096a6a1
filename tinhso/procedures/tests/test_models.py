import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tinhso.procedures.eform import eform_errors
from tinhso.procedures.models import Fee, FeeKind, Field, Level, OnlineLevel, Procedure

VALID_EFORM = {
    "version": 1,
    "pages": [
        {
            "title": "Người được khai sinh",
            "fields": [
                {
                    "name": "ho_ten",
                    "label": "Họ, chữ đệm và tên",
                    "type": "text",
                    "required": True,
                    "max_length": 100,
                },
                {"name": "ngay_sinh", "label": "Ngày sinh", "type": "date", "not_future": True},
                {
                    "name": "gioi_tinh",
                    "label": "Giới tính",
                    "type": "choice",
                    "choices": [{"value": "nam", "label": "Nam"}, {"value": "nu", "label": "Nữ"}],
                },
                {"name": "noi_sinh", "label": "Nơi sinh", "type": "address", "detail": True},
                {
                    "name": "can_nang",
                    "label": "Cân nặng",
                    "type": "number",
                    "min": 0.5,
                    "max": 8,
                    "unit": "kg",
                },
                {
                    "name": "cha",
                    "label": "Thông tin người cha",
                    "type": "group",
                    "fields": [{"name": "ho_ten", "label": "Họ tên", "type": "text"}],
                },
                {
                    "name": "anh_chi_em",
                    "label": "Anh chị em",
                    "type": "group",
                    "repeatable": True,
                    "min_items": 0,
                    "max_items": 10,
                    "fields": [{"name": "ho_ten", "label": "Họ tên", "type": "text"}],
                },
            ],
        }
    ],
}


def page(*fields):
    return {"version": 1, "pages": [{"title": "Tờ khai", "fields": list(fields)}]}


def test_a_valid_eform_and_an_empty_one_pass():
    assert eform_errors(VALID_EFORM) == []
    assert eform_errors({}) == []


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ([], "Định nghĩa tờ khai điện tử phải là một đối tượng JSON."),
        ({"version": 1, "pages": []}, "“pages” phải là danh sách trang, không được rỗng."),
        ({"version": 2, "pages": [{"title": "A", "fields": []}]}, "“version” phải là 1."),
        ({"version": 1, "pages": [{"fields": []}]}, "Trang 1: trang cần có tiêu đề."),
        (
            page({"name": "ngay_sinh", "label": "Ngày sinh", "type": "datetime"}),
            "Trang 1, trường “ngay_sinh”: kiểu “datetime” không hợp lệ; dùng một trong các kiểu: "
            "text, number, date, choice, address, group.",
        ),
        (
            page({"name": "Họ tên", "label": "Họ tên", "type": "text"}),
            "Trang 1, trường thứ 1: “name” phải bắt đầu bằng chữ thường và chỉ gồm a-z, 0-9 và _ "
            "(ví dụ “ngay_sinh”).",
        ),
        (
            page({"name": "ho_ten", "label": "Họ tên", "type": "text", "requred": True}),
            "Trang 1, trường “ho_ten”: khóa không dùng được cho kiểu “text”: requred.",
        ),
        (
            page({"name": "gioi_tinh", "label": "Giới tính", "type": "choice", "choices": []}),
            "Trang 1, trường “gioi_tinh”: “choices” phải là danh sách không rỗng.",
        ),
        (
            page(
                {
                    "name": "gioi_tinh",
                    "label": "Giới tính",
                    "type": "choice",
                    "choices": [{"value": "nam", "label": "Nam"}, {"value": "nam", "label": "Nữ"}],
                }
            ),
            "Trang 1, trường “gioi_tinh”: giá trị lựa chọn “nam” bị dùng hai lần.",
        ),
        (
            page({"name": "so_ban", "label": "Số bản", "type": "number", "min": 5, "max": 1}),
            "Trang 1, trường “so_ban”: “min” không được lớn hơn “max”.",
        ),
        (
            page(
                {
                    "name": "cha",
                    "label": "Cha",
                    "type": "group",
                    "max_items": 3,
                    "fields": [{"name": "ho_ten", "label": "Họ tên", "type": "text"}],
                }
            ),
            "Trang 1, trường “cha”: “max_items” chỉ dùng cho nhóm lặp lại.",
        ),
        (
            page(
                {
                    "name": "cha",
                    "label": "Cha",
                    "type": "group",
                    "fields": [{"name": "x", "label": "", "type": "text"}],
                }
            ),
            "Trang 1, trường “cha”, trường “x”: trường cần có nhãn.",
        ),
        (
            page(
                {"name": "ho_ten", "label": "Họ tên", "type": "text"},
                {"name": "ho_ten", "label": "Họ tên khác", "type": "text"},
            ),
            "Trang 1, trường “ho_ten”: tên này bị dùng hai lần.",
        ),
        (
            page({"name": "so_dinh_danh", "label": "CCCD", "type": "text", "format": "cmnd"}),
            "Trang 1, trường “so_dinh_danh”: định dạng “cmnd” không hợp lệ; "
            "dùng một trong: cccd, phone, email.",
        ),
    ],
)
def test_bad_eforms_are_explained_in_vietnamese(definition, message):
    assert message in eform_errors(definition)


def test_groups_nest_three_levels_at_most():
    def nested(depth):
        inner = {"name": "ten", "label": "Tên", "type": "text"}
        for level in range(depth):
            inner = {"name": f"nhom_{level}", "label": "Nhóm", "type": "group", "fields": [inner]}
        return page(inner)

    assert eform_errors(nested(3)) == []
    assert eform_errors(nested(4)) == [
        "Trang 1, trường “nhom_3”, trường “nhom_2”, trường “nhom_1”, trường “nhom_0”: "
        "nhóm chỉ được lồng nhau tối đa 3 cấp."
    ]


@pytest.fixture
def civil_status(db):
    return Field.objects.create(code="ho-tich", name="Hộ tịch")


def make_procedure(field, **values):
    defaults = {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
        "field": field,
        "level": Level.COMMUNE,
        "processing_time": 1,
        "result_type": "Giấy khai sinh",
        "online_level": OnlineLevel.FULL,
        "submit_online": True,
    }
    return Procedure(**(defaults | values))


def test_a_bad_eform_is_refused_on_save(civil_status):
    procedure = make_procedure(civil_status, eform=page({"name": "x", "label": "X", "type": "file"}))
    with pytest.raises(ValidationError) as caught:
        procedure.full_clean()
    assert "Trang 1, trường “x”: kiểu “file” không hợp lệ" in caught.value.message_dict["eform"][0]
    with pytest.raises(ValidationError):
        procedure.save()
    assert not Procedure.objects.exists()


def test_processing_time_must_be_positive(civil_status):
    procedure = make_procedure(civil_status, processing_time=0)
    with pytest.raises(ValidationError) as caught:
        procedure.full_clean()
    assert caught.value.message_dict["processing_time"] == ["Thời hạn giải quyết phải là số dương."]
    with pytest.raises(IntegrityError), transaction.atomic():
        procedure.save()


def test_national_code_form_and_online_consistency(civil_status):
    procedure = make_procedure(civil_status, code="KS-01", submit_online=False)
    with pytest.raises(ValidationError) as caught:
        procedure.full_clean()
    assert caught.value.message_dict["code"] == [
        "Mã thủ tục quốc gia có dạng 1.001193; mã khác phải được đánh dấu là mã tạm."
    ]
    assert caught.value.message_dict["submit_online"] == [
        "Thủ tục cung cấp trực tuyến phải cho phép nộp hồ sơ trực tuyến."
    ]
    make_procedure(civil_status, code="KS-01", is_demo_code=True).full_clean()


def test_text_is_normalised_and_folded(civil_status):
    procedure = make_procedure(civil_status, name="  Đăng  ký khai sinh ")
    procedure.save()
    assert procedure.name == "Đăng ký khai sinh"
    assert procedure.name_folded == "dang ky khai sinh"


def test_negative_fee_is_refused(civil_status):
    procedure = make_procedure(civil_status)
    procedure.save()
    fee = Fee(procedure=procedure, name="Lệ phí", amount=-1000)
    with pytest.raises(ValidationError) as caught:
        fee.full_clean()
    assert caught.value.message_dict["amount"] == ["Phí, lệ phí không được là số âm."]
    with pytest.raises(IntegrityError), transaction.atomic():
        fee.save()
    per_copy = Fee(procedure=procedure, name="Phí trích lục", amount=8000, kind=FeeKind.PER_UNIT)
    with pytest.raises(ValidationError) as caught:
        per_copy.full_clean()
    assert caught.value.message_dict["unit"] == ["Cần ghi mức thu tính theo gì (ví dụ “trang”, “bản”)."]


def test_free_procedures(civil_status):
    procedure = make_procedure(civil_status)
    procedure.save()
    assert procedure.is_free
    Fee.objects.create(procedure=procedure, name="Lệ phí đăng ký khai sinh", amount=0)
    assert procedure.is_free
    Fee.objects.create(
        procedure=procedure, name="Phí trích lục", amount=8000, kind=FeeKind.PER_UNIT, unit="bản"
    )
    assert not procedure.is_free
