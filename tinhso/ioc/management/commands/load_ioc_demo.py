"""The demo's digital-transformation targets (the kinds provinces set), a threshold set as data,
and a wallboard link for the operations room, all made by the province administrator through
``tinhso.ioc.actions``; prints the wallboard's address. Safe to run again: the targets are made
once, the link is reused while valid; without the demo province nothing at all."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.demo import data
from tinhso.ioc import actions
from tinhso.ioc.models import Target, WallboardLink
from tinhso.ioc.wallboard import token_for

# The sources are the demo's own (marked so): a real province cites its resolution or plan.
PLAN = "Kế hoạch chuyển đổi số tỉnh Đồng Tháp năm 2026 (văn bản trình diễn)"
RESOLUTION_76 = "Nghị quyết 76/NQ-CP ngày 15/7/2021 (mục tiêu mức độ hài lòng); Quyết định 766/QĐ-TTg"
# name, legal source, measure ("" for an entered target), target %, amber margin.
TARGETS = [
    ("Tỷ lệ thủ tục cung cấp dịch vụ công trực tuyến toàn trình", PLAN, "services_full_process", 80, 5),
    ("Tỷ lệ hồ sơ cấp tỉnh tiếp nhận trực tuyến", PLAN, "dossiers_online_province", 80, 10),
    ("Tỷ lệ hồ sơ cấp xã tiếp nhận trực tuyến", PLAN, "dossiers_online_commune", 50, 10),
    ("Tỷ lệ văn bản đến nhận qua trục liên thông điện tử", PLAN, "documents_electronic", 95, 5),
    ("Tỷ lệ hồ sơ có phí, lệ phí thanh toán trực tuyến", PLAN, "fees_paid_online", 50, 10),
    ("Tỷ lệ người dân, doanh nghiệp hài lòng", RESOLUTION_76, "satisfaction", 90, 5),
    ("Tỷ lệ báo cáo định kỳ gửi qua Hệ thống thông tin báo cáo của tỉnh", PLAN, "", 100, 5),
]
ENTERED_SOURCE = "Báo cáo tình hình chuyển đổi số tháng 11/2026 của Văn phòng UBND tỉnh (số liệu trình diễn)"
LINK_NAME = "Phòng điều hành UBND tỉnh (trình diễn)"


class Command(BaseCommand):
    help = "Load the demo's digital-transformation targets and print a wallboard link (after load_demo)."

    def handle(self, *args, **options):
        admin = User.objects.filter(username=data.OFFICERS[0][0]).first()
        if admin is None:
            return
        if not Target.objects.exists():
            self.targets(admin)
        valid = WallboardLink.objects.filter(
            name=LINK_NAME, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        link = valid.order_by("-expires_at").first() or actions.issue_wallboard_link(
            admin, LINK_NAME, None, 365
        )
        url = settings.SITE_URL.rstrip("/") + reverse("ioc:wall", args=[token_for(link)])
        self.stdout.write(f"Màn hình điều hành / wallboard (không cần đăng nhập / no sign-in): {url}")

    def targets(self, admin: User) -> None:
        deadline = datetime.date(timezone.localdate().year, 12, 31)
        with transaction.atomic():
            for order, (name, source, measure, value, margin) in enumerate(TARGETS, start=1):
                target = actions.save_target(
                    admin,
                    Target(
                        name=name,
                        legal_source=source,
                        kind=Target.Kind.MEASURED if measure else Target.Kind.ENTERED,
                        measure=measure,
                        target_value=Decimal(value),
                        target_date=deadline,
                        amber_margin=Decimal(margin),
                        order=order,
                    ),
                )
                if not measure:
                    actions.enter_value(
                        admin, target, Decimal("92"), timezone.localdate().replace(day=1), ENTERED_SOURCE
                    )
            actions.set_threshold(admin, "overdue", 1, 5)
