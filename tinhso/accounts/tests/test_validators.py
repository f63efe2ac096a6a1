import datetime

import pytest
from django.core.exceptions import ValidationError

from tinhso.accounts.validators import (
    CCCD_PROVINCE_CODES,
    format_phone,
    mst_check_digit,
    normalize_phone,
    validate_cccd,
    validate_tax_code,
)


def message(exc_info):
    return " ".join(exc_info.value.messages)


class TestCccd:
    def test_the_official_list_has_63_provinces(self):
        assert len(CCCD_PROVINCE_CODES) == 63
        assert CCCD_PROVINCE_CODES["001"] == "Hà Nội"
        assert CCCD_PROVINCE_CODES["087"] == "Đồng Tháp"
        assert CCCD_PROVINCE_CODES["096"] == "Cà Mau"

    @pytest.mark.parametrize(
        ("number", "born", "gender"),
        [
            ("087195001234", datetime.date(1995, 3, 8), "female"),  # 1 = woman, 20th century
            ("001088012345", datetime.date(1988, 12, 31), "male"),  # 0 = man, 20th century
            ("079201004567", datetime.date(2001, 1, 1), "male"),  # 2 = man, 21st century
            ("092310000001", datetime.date(2010, 6, 1), "female"),  # 3 = woman, 21st century
            ("096499000001", datetime.date(2199, 1, 1), "male"),  # 4 = man, 22nd century
            # Births registered abroad carry a country code (Circular 07/2016/TT-BCA Art. 7).
            ("100301000123", datetime.date(2001, 5, 2), "female"),
            ("840098765432", datetime.date(1998, 7, 9), "male"),
        ],
    )
    def test_valid_numbers(self, number, born, gender):
        assert validate_cccd(number, born, gender) == number
        assert validate_cccd(number) == number

    @pytest.mark.parametrize(
        "number", ["08719500123", "0871950012345", "", None, "08719500123a", "087 195 001 234"]
    )
    def test_wrong_length_or_letters(self, number):
        with pytest.raises(ValidationError) as exc:
            validate_cccd(number)
        assert message(exc) == "Số căn cước công dân (CCCD) gồm đúng 12 chữ số."

    @pytest.mark.parametrize("prefix", ["000", "003", "039", "097", "099"])
    def test_unknown_province_code(self, prefix):
        with pytest.raises(ValidationError) as exc:
            validate_cccd(prefix + "195001234")
        assert message(exc) == (
            f"Ba chữ số đầu {prefix} không phải là mã tỉnh hay mã quốc gia của số căn cước công dân."
        )

    def test_century_digit_inconsistent_with_date_of_birth(self):
        # 2 = born in the 21st century, but the date of birth is in 1995.
        with pytest.raises(ValidationError) as exc:
            validate_cccd("087295001234", datetime.date(1995, 3, 8), "male")
        assert message(exc) == "Số căn cước công dân này của người sinh năm 2095, không phải năm 1995."

    def test_birth_year_digits_mismatch(self):
        with pytest.raises(ValidationError) as exc:
            validate_cccd("087195001234", datetime.date(1996, 3, 8), "female")
        assert "sinh năm 1995, không phải năm 1996" in message(exc)

    def test_gender_digit_inconsistent(self):
        with pytest.raises(ValidationError) as exc:
            validate_cccd("087195001234", datetime.date(1995, 3, 8), "male")
        assert message(exc) == "Chữ số giới tính của số căn cước công dân không khớp với giới tính đã khai."


class TestPhone:
    @pytest.mark.parametrize(
        "raw",
        [
            "0912 345 678",
            "+84 912-345-678",
            "84912345678",
            "(091) 2345678",
            "0912.345.678",
            "+84912345678",
            "0084912345678",
        ],
    )
    def test_common_forms_become_e164(self, raw):
        assert normalize_phone(raw) == "+84912345678"

    @pytest.mark.parametrize("raw", ["0321234567", "0559876543", "0861234567", "0701234567", "0991234567"])
    def test_all_networks(self, raw):
        assert normalize_phone(raw) == "+84" + raw[1:]

    def test_display_form(self):
        assert format_phone("+84912345678") == "0912 345 678"

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            (
                "02773 851 234",
                "Số điện thoại di động Việt Nam có 10 chữ số, ví dụ 0912 345 678.",
            ),  # landline, 11 digits
            ("0912 345 67", "Số điện thoại di động Việt Nam có 10 chữ số, ví dụ 0912 345 678."),
            ("0212345678", "021 không phải là đầu số di động Việt Nam."),  # old landline-like prefix
            ("0951234567", "095 không phải là đầu số di động Việt Nam."),  # never allocated
            ("0112345678", "011 không phải là đầu số di động Việt Nam."),
            ("+33 6 12 34 56 78", "Hãy nhập số điện thoại di động Việt Nam."),
            ("0912abc678", "Hãy nhập số điện thoại chỉ gồm chữ số."),
            ("", "Hãy nhập số điện thoại chỉ gồm chữ số."),
        ],
    )
    def test_refused(self, raw, expected):
        with pytest.raises(ValidationError) as exc:
            normalize_phone(raw)
        assert message(exc) == expected


class TestTaxCode:
    def test_check_digit_worked_example(self):
        assert mst_check_digit("010004751") == 6

    @pytest.mark.parametrize(
        ("raw", "normalised"),
        [
            ("0100047516", "0100047516"),
            ("0100109106", "0100109106"),  # Viettel
            ("0300588569", "0300588569"),  # Vinamilk
            ("0100109106-001", "0100109106-001"),
            ("0100109106001", "0100109106-001"),
            (" 0300 588 569 ", "0300588569"),
        ],
    )
    def test_valid(self, raw, normalised):
        assert validate_tax_code(raw) == normalised

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("0100047517", "Mã số thuế không hợp lệ: chữ số kiểm tra không đúng. Vui lòng kiểm tra lại."),
            ("0300588568-001", "Mã số thuế không hợp lệ: chữ số kiểm tra không đúng. Vui lòng kiểm tra lại."),
            (
                "010004751",
                "Mã số thuế gồm 10 chữ số, hoặc 13 chữ số với đơn vị phụ thuộc, viết dạng 0123456789-001.",
            ),
            (
                "0100047516-01",
                "Mã số thuế gồm 10 chữ số, hoặc 13 chữ số với đơn vị phụ thuộc, viết dạng 0123456789-001.",
            ),
            (
                "01000A7516",
                "Mã số thuế gồm 10 chữ số, hoặc 13 chữ số với đơn vị phụ thuộc, viết dạng 0123456789-001.",
            ),
            ("0100109106-000", "Mã số thuế không hợp lệ."),
        ],
    )
    def test_refused(self, raw, expected):
        with pytest.raises(ValidationError) as exc:
            validate_tax_code(raw)
        assert message(exc) == expected

    def test_bodies_with_remainder_zero_have_no_valid_code(self):
        body = next(f"01{n:07d}" for n in range(1, 10_000) if mst_check_digit(f"01{n:07d}") is None)
        for last in "0123456789":
            with pytest.raises(ValidationError):
                validate_tax_code(body + last)
