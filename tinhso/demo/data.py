"""The demo province: Đồng Tháp since 1 July 2025 (it took in the former Tiền Giang).

Names of departments follow the provincial apparatus after the 2025 reorganisation. The level-1
agency code H20 (UBND tỉnh Đồng Tháp, "000.00.00.H20" in the QCVN 102 form) is the real one; the
codes below it are generated for the demo and marked ``is_demo_code``.
"""

import datetime

PROVINCE_CODE = "82"
PROVINCE_AGENCY_CODE = "H20"
DEMO_PASSWORD = "Tinhso@2026"
# The authenticator key of every demo officer (enrolled by the loader with enrolment codes, as an
# administrator would): add it once to an authenticator app. Demo only.
DEMO_TOTP_SECRET = "TINHSODEMODONGTHAPTOTPKEYSECRET2"

# (code suffix, name, short name, kind) under UBND tỉnh.
PROVINCIAL_AGENCIES = [
    ("01", "Văn phòng Ủy ban nhân dân tỉnh Đồng Tháp", "Văn phòng UBND tỉnh", "pc_office"),
    ("02", "Sở Nội vụ tỉnh Đồng Tháp", "Sở Nội vụ", "department"),
    ("03", "Sở Tài chính tỉnh Đồng Tháp", "Sở Tài chính", "department"),
    ("04", "Sở Tư pháp tỉnh Đồng Tháp", "Sở Tư pháp", "department"),
    ("05", "Sở Công Thương tỉnh Đồng Tháp", "Sở Công Thương", "department"),
    ("06", "Sở Xây dựng tỉnh Đồng Tháp", "Sở Xây dựng", "department"),
    ("07", "Sở Nông nghiệp và Môi trường tỉnh Đồng Tháp", "Sở Nông nghiệp và Môi trường", "department"),
    ("08", "Sở Khoa học và Công nghệ tỉnh Đồng Tháp", "Sở Khoa học và Công nghệ", "department"),
    ("09", "Sở Giáo dục và Đào tạo tỉnh Đồng Tháp", "Sở Giáo dục và Đào tạo", "department"),
    ("10", "Sở Y tế tỉnh Đồng Tháp", "Sở Y tế", "department"),
    ("11", "Sở Văn hóa, Thể thao và Du lịch tỉnh Đồng Tháp", "Sở Văn hóa, Thể thao và Du lịch", "department"),
    ("12", "Thanh tra tỉnh Đồng Tháp", "Thanh tra tỉnh", "department"),
    ("13", "Trung tâm Phục vụ hành chính công tỉnh Đồng Tháp", "Trung tâm PVHCC tỉnh", "service_centre"),
]

# Added after the tree through the agencies' actions, as a province administrator would: the
# provincial police, competent for criminal-record certificates since 1/3/2025 (handed over from
# the Department of Justice). Its place under H20 and its code are the demo's, not official.
POLICE = ("14", "Công an tỉnh Đồng Tháp", "Công an tỉnh")
POLICE_OFFICERS = [
    ("chuyenvien.ca", "Lương Văn Đạt", "14", "specialist", "male"),
    ("lanhdao.ca", "Phùng Thị Thanh Tâm", "14", "leader", "female"),
]

# The years whose days off the demo province administrator has confirmed (the notices that fixed
# them); later years stay provisional.
CONFIRMED_HOLIDAY_YEARS = [
    (
        2025,
        "Thông báo 6150/TB-BLĐTBXH của Bộ Lao động – Thương binh và Xã hội về lịch nghỉ lễ, Tết năm 2025.",
    ),
    (
        2026,
        "Thông báo 9441/TB-BNV ngày 16/10/2025 của Bộ Nội vụ (Tết Âm lịch, Quốc khánh); Công văn "
        "12729/VPCP-KGVX ngày 25/12/2025 (Tết Dương lịch); Nghị quyết 28/2026/QH16 (Ngày Văn hóa "
        "Việt Nam 24/11).",
    ),
]

# Internal divisions: (parent suffix, own suffix, name).
DIVISIONS = [
    ("04", "01", "Văn phòng Sở Tư pháp"),
    ("04", "02", "Phòng Hành chính tư pháp"),
    ("04", "03", "Phòng Bổ trợ tư pháp"),
    ("06", "01", "Phòng Quản lý hoạt động xây dựng"),
    ("07", "01", "Phòng Quản lý đất đai"),
]

# The communes with demo officers (the other communes get their People's Committee and one-stop
# centre but no officers).
MY_THO = "Phường Mỹ Tho"
CAO_LANH = "Phường Cao Lãnh"
SA_DEC = "Phường Sa Đéc"
CAI_LAY = "Phường Cai Lậy"

# username, full name, agency key, role, gender.
# Agency keys: "province", a provincial suffix ("04"), or ("commune", name) / ("desk", name).
OFFICERS = [
    ("admin.tinh", "Nguyễn Thành Công", "province", "province_admin", "male"),
    ("lanhdao.tinh", "Phạm Thị Hồng Hạnh", "province", "leader", "female"),
    ("theodoi.vp", "Võ Minh Triết", "01", "dashboard_viewer", "male"),
    ("motcua.tinh", "Lê Thị Thu Trang", "13", "one_stop_officer", "female"),
    ("chuyenvien.stp", "Trần Quốc Bảo", "04", "specialist", "male"),
    ("lanhdao.stp", "Huỳnh Văn Sáu", "04", "leader", "male"),
    ("vanthu.stp", "Đặng Ngọc Mai", "04", "document_clerk", "female"),
    ("quantri.mytho", "Nguyễn Hữu Phước", ("commune", MY_THO), "agency_admin", "male"),
    ("lanhdao.mytho", "Trương Văn Lợi", ("commune", MY_THO), "leader", "male"),
    ("chuyenvien.mytho", "Bùi Thị Kim Ngân", ("commune", MY_THO), "specialist", "female"),
    ("motcua.mytho", "Đỗ Thanh Tâm", ("desk", MY_THO), "one_stop_officer", "male"),
    ("motcua.caolanh", "Lâm Thị Diễm", ("desk", CAO_LANH), "one_stop_officer", "female"),
    ("chuyenvien.caolanh", "Phan Minh Khoa", ("commune", CAO_LANH), "specialist", "male"),
    ("lanhdao.caolanh", "Nguyễn Thị Ngọc Hân", ("commune", CAO_LANH), "leader", "female"),
    ("motcua.sadec", "Trần Thị Mỹ Duyên", ("desk", SA_DEC), "one_stop_officer", "female"),
    ("chuyenvien.sadec", "Lê Văn Hậu", ("commune", SA_DEC), "specialist", "male"),
    ("lanhdao.sadec", "Võ Thành Nhân", ("commune", SA_DEC), "leader", "male"),
    ("motcua.cailay", "Huỳnh Thị Thanh Thảo", ("desk", CAI_LAY), "one_stop_officer", "female"),
    ("chuyenvien.cailay", "Nguyễn Quốc Việt", ("commune", CAI_LAY), "specialist", "male"),
    ("lanhdao.cailay", "Đoàn Văn Phúc", ("commune", CAI_LAY), "leader", "male"),
    # The departments that handle the province-level procedures received at the provincial centre.
    ("chuyenvien.stc", "Mai Thị Thu Hà", "03", "specialist", "female"),
    ("lanhdao.stc", "Trịnh Văn Tài", "03", "leader", "male"),
    ("chuyenvien.sct", "Dương Ngọc Lan", "05", "specialist", "female"),
    ("lanhdao.sct", "Cao Văn Thắng", "05", "leader", "male"),
    ("chuyenvien.sxd", "Hồ Minh Trí", "06", "specialist", "male"),
    ("lanhdao.sxd", "Lý Thị Kim Phượng", "06", "leader", "female"),
    ("chuyenvien.snnmt", "Châu Văn Lực", "07", "specialist", "male"),
    ("lanhdao.snnmt", "Tạ Thị Bích Vân", "07", "leader", "female"),
    ("chuyenvien.syt", "Ngô Thị Hồng Nhung", "10", "specialist", "female"),
    ("lanhdao.syt", "Kiều Văn Hiếu", "10", "leader", "male"),
]

# CCCD, full name, date of birth, gender, phone, email.
CITIZENS = [
    ("087095001234", "Nguyễn Văn An", "1995-03-14", "male", "0912345678", "nguyenvanan@example.vn"),
    ("082190004567", "Trần Thị Bích Ngọc", "1990-11-02", "female", "0387654321", "bichngoc@example.vn"),
    ("087303008910", "Lê Hoàng Minh Thư", "2003-07-21", "female", "0779123456", ""),
]

# Tax code, company name, phone, email.
BUSINESSES = [
    ("0312345673", "Công ty TNHH Nông sản Sông Tiền", "0901234567", "lienhe@nongsansongtien.example.vn"),
]

# The demo province's list of procedures received regardless of administrative boundary
# (Decree 118/2025/NĐ-CP Art. 14): a made-up decision, marked as such.
BOUNDARY_FREE_LIST = {
    "number": "2150/QĐ-UBND (trình diễn)",
    "signed_on": datetime.date(2025, 7, 1),
    "issuer": "Ủy ban nhân dân tỉnh Đồng Tháp",
    "valid_from": datetime.date(2025, 7, 1),
    "note": "Văn bản trình diễn, không phải quyết định thật của tỉnh.",
}
