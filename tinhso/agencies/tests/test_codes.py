import pytest

from tinhso.agencies.codes import InvalidAgencyCode, parse_agency_code


def test_decision_20_2020_code():
    code = parse_agency_code("H15.50.05.13")
    assert code.groups == ("H15", "50", "05", "13")
    assert code.level == 4
    assert code.level1 == "H15"
    assert code.canonical == "H15.50.05.13"
    assert code.legacy == "13.05.50.H15"
    assert code.parent.canonical == "H15.50.05"


def test_qcvn_102_2016_codes_with_padding():
    quang_ninh = parse_agency_code("000.00.00.H49")
    assert quang_ninh.groups == ("H49",)
    assert quang_ninh.level == 1
    assert quang_ninh.canonical == "H49"
    assert quang_ninh.legacy == "000.00.00.H49"
    assert quang_ninh.parent is None
    ministry_unit = parse_agency_code("000.00.04.G14")
    assert ministry_unit.canonical == "G14.04"
    assert ministry_unit.legacy == "000.00.04.G14"
    assert parse_agency_code("001.05.50.H15").canonical == "H15.50.05.001"


def test_input_is_normalised():
    assert parse_agency_code("  h15.50.05.13 ").canonical == "H15.50.05.13"


@pytest.mark.parametrize(
    "code", ["H15", "H15.50", "H15.50.05", "H15.50.05.13", "G22.01.02", "K57.01", "H15.50.05.13.02.01"]
)
def test_round_trip_between_both_styles(code):
    parsed = parse_agency_code(code)
    assert parse_agency_code(parsed.legacy).canonical == code
    assert parse_agency_code(parse_agency_code(parsed.legacy).legacy) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Mã định danh trống."),
        ("   ", "Mã định danh trống."),
        ("H15." + ".".join(["01"] * 11) + ".1", "có 38 ký tự; tối đa 35 ký tự"),
        ("H15-50-05", "chỉ được gồm chữ cái in hoa A–Z, chữ số và dấu chấm"),
        ("Đ15.50", "chỉ được gồm chữ cái in hoa A–Z, chữ số và dấu chấm"),
        ("H15..05", "nhóm trống"),
        (".H15.50", "nhóm trống"),
        ("H15.50.", "nhóm trống"),
        ("15.50.05.13", "nhóm mã cấp 1"),
        ("HH5.50.05", "nhóm mã cấp 1"),
        ("H1.50", "nhóm mã cấp 1"),
        ("H15.G01", "nhiều hơn một nhóm mã cấp 1"),
        ("H15.00.05", "nhóm chỉ gồm số 0"),
        ("000.05.00.H49", "nhóm chỉ gồm số 0"),
        ("000.00.00.000", "nhóm mã cấp 1"),
    ],
)
def test_bad_codes_are_refused_in_vietnamese(text, message):
    with pytest.raises(InvalidAgencyCode) as info:
        parse_agency_code(text)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)
