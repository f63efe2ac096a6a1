"""The administrative document types of Decree 30/2020/NĐ-CP and their abbreviations.

Art. 7 lists 29 types; Appendix III, I gives the abbreviation used in the symbol of each, and of
the three kinds of copy. Công văn has none (its symbol is the agency's then the drafting unit's
abbreviation, Appendix I, I.3(b)), nor has Thư công. Checked against the text of the decree and of
Appendix III (stored copy of the official text).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentType:
    code: str
    name: str
    abbreviation: str
    is_copy: bool = False


CONG_VAN = "cong_van"

DOCUMENT_TYPES: tuple[DocumentType, ...] = (
    DocumentType("nghi_quyet", "Nghị quyết (cá biệt)", "NQ"),
    DocumentType("quyet_dinh", "Quyết định (cá biệt)", "QĐ"),
    DocumentType("chi_thi", "Chỉ thị", "CT"),
    DocumentType("quy_che", "Quy chế", "QC"),
    DocumentType("quy_dinh", "Quy định", "QyĐ"),
    DocumentType("thong_cao", "Thông cáo", "TC"),
    DocumentType("thong_bao", "Thông báo", "TB"),
    DocumentType("huong_dan", "Hướng dẫn", "HD"),
    DocumentType("chuong_trinh", "Chương trình", "CTr"),
    DocumentType("ke_hoach", "Kế hoạch", "KH"),
    DocumentType("phuong_an", "Phương án", "PA"),
    DocumentType("de_an", "Đề án", "ĐA"),
    DocumentType("du_an", "Dự án", "DA"),
    DocumentType("bao_cao", "Báo cáo", "BC"),
    DocumentType("bien_ban", "Biên bản", "BB"),
    DocumentType("to_trinh", "Tờ trình", "TTr"),
    DocumentType("hop_dong", "Hợp đồng", "HĐ"),
    DocumentType(CONG_VAN, "Công văn", ""),
    DocumentType("cong_dien", "Công điện", "CĐ"),
    DocumentType("ban_ghi_nho", "Bản ghi nhớ", "BGN"),
    DocumentType("ban_thoa_thuan", "Bản thỏa thuận", "BTT"),
    DocumentType("giay_uy_quyen", "Giấy ủy quyền", "GUQ"),
    DocumentType("giay_moi", "Giấy mời", "GM"),
    DocumentType("giay_gioi_thieu", "Giấy giới thiệu", "GGT"),
    DocumentType("giay_nghi_phep", "Giấy nghỉ phép", "GNP"),
    DocumentType("phieu_gui", "Phiếu gửi", "PG"),
    DocumentType("phieu_chuyen", "Phiếu chuyển", "PC"),
    DocumentType("phieu_bao", "Phiếu báo", "PB"),
    DocumentType("thu_cong", "Thư công", ""),
    DocumentType("ban_sao_y", "Bản sao y", "SY", is_copy=True),
    DocumentType("ban_trich_sao", "Bản trích sao", "TrS", is_copy=True),
    DocumentType("ban_sao_luc", "Bản sao lục", "SL", is_copy=True),
)

BY_CODE = {doc_type.code: doc_type for doc_type in DOCUMENT_TYPES}
CHOICES = [(doc_type.code, doc_type.name) for doc_type in DOCUMENT_TYPES]


def by_name(name: str) -> DocumentType | None:
    """The type whose name is ``name`` (case-insensitive, e.g. an edXML ``TypeName``)."""
    wanted = name.strip().casefold()
    for doc_type in DOCUMENT_TYPES:
        if doc_type.name.casefold() == wanted or doc_type.name.split(" (")[0].casefold() == wanted:
            return doc_type
    return None
