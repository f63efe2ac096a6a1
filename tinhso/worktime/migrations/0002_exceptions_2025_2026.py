"""The 2025 and 2026 swaps of working days that the ``holidays`` package (0.109) does not have.

The package already has, for officials of state agencies: Tết 2025 (27–31/01/2025), 02/5/2025
off, 01–02/9/2025, Tết 2026 (16–20/02/2026), 27/4/2026 (Hùng Kings' day observed), and
31/8–02/9/2026. What it lacks are the make-up working Saturdays and the Tết Dương lịch 2026 bridge.
"""

import datetime

from django.db import migrations

EXCEPTIONS = [
    (
        datetime.date(2025, 4, 26),
        "working_day",
        "Làm bù ngày thứ Sáu 02/5/2025",
        "Thông báo 6150/TB-BLĐTBXH (2024) của Bộ Lao động – Thương binh và Xã hội về lịch nghỉ lễ, "
        "Tết năm 2025 của cán bộ, công chức, viên chức: nghỉ từ thứ Tư 30/4 đến hết Chủ nhật 04/5/2025, "
        "hoán đổi ngày làm việc thứ Sáu 02/5/2025 sang thứ Bảy 26/4/2025.",
    ),
    (
        datetime.date(2026, 1, 2),
        "day_off",
        "Nghỉ Tết Dương lịch 2026 (hoán đổi)",
        "Công văn 12729/VPCP-KGVX ngày 25/12/2025 của Văn phòng Chính phủ (Phó Thủ tướng Phạm Thị Thanh Trà "
        "đồng ý đề xuất của Bộ Nội vụ): nghỉ từ thứ Năm 01/01 đến hết Chủ nhật 04/01/2026, hoán đổi ngày "
        "làm việc thứ Sáu 02/01/2026 sang thứ Bảy 10/01/2026.",
    ),
    (
        datetime.date(2026, 1, 10),
        "working_day",
        "Làm bù ngày thứ Sáu 02/01/2026",
        "Công văn 12729/VPCP-KGVX ngày 25/12/2025 của Văn phòng Chính phủ: làm việc thứ Bảy 10/01/2026 "
        "thay cho thứ Sáu 02/01/2026.",
    ),
    (
        datetime.date(2026, 8, 22),
        "working_day",
        "Làm bù ngày thứ Hai 31/8/2026",
        "Thông báo 9441/TB-BNV ngày 16/10/2025 của Bộ Nội vụ về lịch nghỉ Tết Âm lịch và Quốc khánh năm "
        "2026: nghỉ Quốc khánh 5 ngày từ thứ Bảy 29/8 đến hết thứ Tư 02/9/2026; ngày nghỉ thứ Hai "
        "31/8/2026 được hoán đổi sang làm việc thứ Bảy 22/8/2026 (như gói holidays ghi nhận).",
    ),
]


def add_exceptions(apps, schema_editor):
    CalendarException = apps.get_model("worktime", "CalendarException")
    for date, kind, name, note in EXCEPTIONS:
        CalendarException.objects.update_or_create(date=date, defaults={"kind": kind, "name": name, "note": note})


def remove_exceptions(apps, schema_editor):
    CalendarException = apps.get_model("worktime", "CalendarException")
    CalendarException.objects.filter(date__in=[row[0] for row in EXCEPTIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("worktime", "0001_initial")]

    operations = [migrations.RunPython(add_exceptions, remove_exceptions)]
