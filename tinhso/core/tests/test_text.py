import datetime
import unicodedata
from decimal import Decimal

from django.utils import translation

from tinhso.core import text


def test_nfc_turns_decomposed_input_into_composed_text():
    decomposed = unicodedata.normalize("NFD", "Đồng Tháp")
    assert decomposed != "Đồng Tháp"
    assert text.nfc(decomposed) == "Đồng Tháp"


def test_nfc_collapses_whitespace_and_accepts_none():
    assert text.nfc("  Phường   Mỹ\tTho \n") == "Phường Mỹ Tho"
    assert text.nfc(None) == ""


def test_fold_removes_every_diacritic_and_d_stroke():
    assert text.fold("Đồng Tháp") == "dong thap"
    assert text.fold("PHƯỜNG MỸ THO") == "phuong my tho"
    assert text.fold("Giấy phép xây dựng") == "giay phep xay dung"
    assert text.fold(unicodedata.normalize("NFD", "Ủy ban nhân dân")) == "uy ban nhan dan"


def test_fold_is_idempotent_on_ascii():
    assert text.fold("dang ky khai sinh") == "dang ky khai sinh"


def test_vietnamese_dates():
    day = datetime.date(2025, 9, 2)
    assert text.format_date(day) == "02/09/2025"
    assert text.format_weekday_date(day) == "Thứ Ba, 02/09/2025"
    with translation.override("en"):
        assert text.format_weekday_date(day) == "Tuesday, 02/09/2025"
    assert (
        text.format_long_date(datetime.date(2026, 3, 5), "Đồng Tháp")
        == "Đồng Tháp, ngày 05 tháng 03 năm 2026"
    )
    assert text.format_long_date(datetime.date(2026, 3, 5)) == "Ngày 05 tháng 03 năm 2026"


def test_vietnamese_datetime_uses_local_time():
    moment = datetime.datetime(2026, 2, 13, 3, 5, tzinfo=datetime.UTC)
    assert text.format_datetime(moment) == "10:05, 13/02/2026"


def test_money_groups_thousands_with_dots():
    assert text.format_money(1250000) == "1.250.000 đ"
    assert text.format_money(Decimal("50000.4")) == "50.000 đ"
    assert text.format_money(0) == "0 đ"
    assert text.format_money(-15000, "VND") == "-15.000 VND"
