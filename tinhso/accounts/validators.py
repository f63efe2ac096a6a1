"""Vietnamese identifiers: citizen ID (CCCD), mobile phone numbers, tax codes (MST).

Each validator raises ``ValidationError`` with a message that comes out in Vietnamese.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Province / centrally-run city where the birth was registered: the first three digits of a
# CCCD. Appendix of Circular 07/2016/TT-BCA (kept by Circular 59/2021/TT-BCA); the codes
# of the 63 provinces before the 2025 mergers, which stay on every card already issued.
CCCD_PROVINCE_CODES = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

# A citizen whose birth was registered abroad has the code of that country instead: "mã tỉnh,
# thành phố trực thuộc trung ương hoặc mã quốc gia nơi công dân đăng ký khai sinh" (Decree
# 137/2015/NĐ-CP Art. 13; Circular 07/2016/TT-BCA Art. 7 as amended by Circular 59/2021/TT-BCA).
# The province codes take 001–096; the country list of the Circular's appendix could not be read,
# so every code from 100 up is taken as a country code and 000–099 must be a listed province.
CCCD_FIRST_COUNTRY_CODE = 100

MALE = "male"
FEMALE = "female"


def cccd_century_and_gender(digit: int) -> tuple[int, str]:
    """The 4th CCCD digit: even = male, odd = female; 0/1 born 1900-1999, 2/3 2000-2099, ..."""
    return 1900 + (digit // 2) * 100, (MALE if digit % 2 == 0 else FEMALE)


def validate_cccd(value, date_of_birth: datetime.date | None = None, gender: str | None = None) -> str:
    """Check a 12-digit citizen ID (province or country of birth registration, century and
    gender, year of birth); return it. ``gender`` is "male"/"female" when known."""
    number = str(value or "").strip()
    if not re.fullmatch(r"\d{12}", number):
        raise ValidationError(_("A citizen ID (CCCD) number has exactly 12 digits."), code="cccd_format")
    if number[:3] not in CCCD_PROVINCE_CODES and int(number[:3]) < CCCD_FIRST_COUNTRY_CODE:
        raise ValidationError(
            _("The first three digits %(code)s are neither a province nor a country code of a citizen ID."),
            code="cccd_province",
            params={"code": number[:3]},
        )
    century, card_gender = cccd_century_and_gender(int(number[3]))
    birth_year = century + int(number[4:6])
    if date_of_birth is not None and date_of_birth.year != birth_year:
        raise ValidationError(
            _("This citizen ID belongs to someone born in %(card_year)s, not %(year)s."),
            code="cccd_birth_year",
            params={"card_year": birth_year, "year": date_of_birth.year},
        )
    if gender in (MALE, FEMALE) and gender != card_gender:
        raise ValidationError(
            _("The gender digit of this citizen ID does not match the gender given."),
            code="cccd_gender",
        )
    return number


# Mobile prefixes allocated since the 2018 switch to 10-digit numbers (Viettel 032-039, 086,
# 096-098; VinaPhone 081-085, 088, 091, 094; MobiFone 070, 076-079, 089, 090, 093;
# Vietnamobile 052, 056, 058, 092; Gmobile 059, 099; Itel 087; Reddi 055).
MOBILE_PREFIXES = frozenset(
    [
        "032",
        "033",
        "034",
        "035",
        "036",
        "037",
        "038",
        "039",
        "052",
        "055",
        "056",
        "058",
        "059",
        "070",
        "076",
        "077",
        "078",
        "079",
        "081",
        "082",
        "083",
        "084",
        "085",
        "086",
        "087",
        "088",
        "089",
        "090",
        "091",
        "092",
        "093",
        "094",
        "096",
        "097",
        "098",
        "099",
    ]
)


def normalize_phone(value) -> str:
    """Vietnamese mobile number in any usual writing → E.164 ``+84xxxxxxxxx``."""
    raw = str(value or "").strip()
    if not re.fullmatch(r"\+?[\d\s.()\-]+", raw):
        raise ValidationError(_("Enter a phone number using digits only."), code="phone_format")
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+") and not digits.startswith("84"):
        raise ValidationError(_("Enter a Vietnamese mobile phone number."), code="phone_country")
    if digits.startswith("0084"):
        digits = digits[4:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = digits[2:]
    elif digits.startswith("0"):
        digits = digits[1:]
    if len(digits) != 9:
        raise ValidationError(
            _("A Vietnamese mobile phone number has 10 digits, such as 0912 345 678."), code="phone_length"
        )
    if "0" + digits[:2] not in MOBILE_PREFIXES:
        raise ValidationError(
            _("%(prefix)s is not a Vietnamese mobile phone prefix."),
            code="phone_prefix",
            params={"prefix": "0" + digits[:2]},
        )
    return "+84" + digits


def format_phone(e164: str) -> str:
    """``+84912345678`` → ``0912 345 678`` for display."""
    if not e164:
        return ""
    local = "0" + e164[3:]
    return f"{local[:4]} {local[4:7]} {local[7:]}"


# Check digit of a tax code (MST): weights 31, 29, 23, 19, 17, 13, 7, 5, 3 on the first nine
# digits; the tenth digit is 10 - (sum mod 11). A remainder of 0 gives no digit: such a body is
# never issued. (Worked example from the tax authority's rules: 010004751 → 0100047516.)
MST_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def mst_check_digit(body: str) -> int | None:
    check = 10 - sum(int(d) * w for d, w in zip(body, MST_WEIGHTS, strict=True)) % 11
    return check if check < 10 else None


def validate_tax_code(value) -> str:
    """Check a tax code (MST); return it normalised: ``0123456789`` or ``0123456789-001``."""
    raw = re.sub(r"[\s.]", "", str(value or ""))
    match = re.fullmatch(r"(\d{10})-?(\d{3})?", raw)
    if not match:
        raise ValidationError(
            _("A tax code has 10 digits, or 13 for a branch written as 0123456789-001."), code="mst_format"
        )
    main, branch = match.groups()
    if main[2:9] == "0000000" or branch == "000":
        raise ValidationError(_("This tax code is not valid."), code="mst_component")
    if mst_check_digit(main[:9]) != int(main[9]):
        raise ValidationError(
            _("This tax code is not valid: its check digit is wrong. Please check it again."),
            code="mst_checksum",
        )
    return f"{main}-{branch}" if branch else main
