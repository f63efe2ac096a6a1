"""The place an agency writes in its documents' dateline (Decree 30/2020/NĐ-CP, Appendix I,
I.4(a)), shared by the documents and the one-stop forms."""

from tinhso.agencies.models import Agency

PLACE_PREFIXES = (
    "Tỉnh ",
    "Thành phố ",
    "Phường ",
    "Xã ",
    "Đặc khu ",
    "Thị trấn ",
    "Quận ",
    "Huyện ",
    "Thị xã ",
)


def place_name(agency: Agency) -> str:
    """The dateline's place: the official name of the administrative unit where the issuing
    agency sits, without its kind ("Mỹ Tho" for a ward centre, "Đồng Tháp" for a department),
    except units named by a number, written in full ("Phường 1") (Decree 30/2020/NĐ-CP,
    Appendix I, I.4(a)). Units named after a person or an event keep their kind too, but nothing
    in the data says which they are."""
    name = agency.unit.name
    for prefix in PLACE_PREFIXES:
        if name.startswith(prefix):
            rest = name.removeprefix(prefix)
            return name if rest[:1].isdigit() else rest
    return name
