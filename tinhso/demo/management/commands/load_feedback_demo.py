"""Demo data of citizen feedback for Đồng Tháp: categories, routing table, a few answered and
published reports in Mỹ Tho and Cao Lãnh, and an Open311 api_key. Safe to run again.

In demo mode (TINHSO_DEMO=1) the api_key is derived from SECRET_KEY, so it is the same on every
run and can be printed again; otherwise a fresh key is created once and printed only then."""

import datetime
import hashlib
import hmac
import random

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from tinhso.accounts.models import User, UserKind
from tinhso.agencies.models import Agency
from tinhso.core import reference
from tinhso.demo import clock
from tinhso.feedback import actions, geo
from tinhso.feedback.models import Open311ApiKey, Report, RoutingRule, TimeUnit, hash_api_key

DEMO_KEY_NAME = "Dữ liệu trình diễn"

# service code, name, group, keywords, limit, unit, agency code suffix of the default rule or None.
CATEGORIES = [
    (
        "hu-hong-duong",
        "Hư hỏng đường giao thông",
        "Hạ tầng",
        "ổ gà, sụt lún, đường hư",
        5,
        TimeUnit.DAYS,
        "06",
    ),
    ("ngap-ung", "Ngập úng", "Hạ tầng", "ngập, triều cường, cống nghẹt", 16, TimeUnit.HOURS, "07"),
    (
        "rac-thai",
        "Rác thải, vệ sinh môi trường",
        "Môi trường",
        "rác, xả thải, ô nhiễm",
        3,
        TimeUnit.DAYS,
        "07",
    ),
    ("tieng-on", "Tiếng ồn", "Môi trường", "karaoke, ồn ào, công trình ban đêm", 3, TimeUnit.DAYS, None),
    ("chieu-sang", "Chiếu sáng công cộng", "Hạ tầng", "đèn đường, hư đèn", 5, TimeUnit.DAYS, "06"),
    ("cay-xanh", "Cây xanh", "Hạ tầng", "cây ngã, cành gãy, cắt tỉa", 3, TimeUnit.DAYS, "06"),
    (
        "trat-tu-do-thi",
        "Trật tự đô thị",
        "Đô thị",
        "lấn chiếm vỉa hè, xây dựng trái phép",
        5,
        TimeUnit.DAYS,
        None,
    ),
    ("an-toan-thuc-pham", "An toàn thực phẩm", "Y tế", "ngộ độc, thực phẩm bẩn", 3, TimeUnit.DAYS, "10"),
    (
        "cham-tre-ho-so",
        "Chậm trễ giải quyết hồ sơ",
        "Hành chính công",
        "trễ hẹn, thủ tục",
        5,
        TimeUnit.DAYS,
        "01",
    ),
]

ROAD_ATTRIBUTES = [
    {
        "code": "muc_do",
        "datatype": "singlevaluelist",
        "required": False,
        "description": "Mức độ nguy hiểm",
        "order": 2,
        "values": [{"key": "thap", "name": "Thấp"}, {"key": "cao", "name": "Cao, dễ gây tai nạn"}],
    }
]

# category, commune, description, address, lat, long, answer.
REPORTS = [
    (
        "hu-hong-duong",
        "Phường Mỹ Tho",
        "Đường Ấp Bắc đoạn gần chợ có nhiều ổ gà lớn, trời mưa đọng nước, xe máy dễ té ngã.",
        "Đường Ấp Bắc, gần chợ Mỹ Tho",
        "10.360500",
        "106.356900",
        "UBND phường Mỹ Tho đã phối hợp đơn vị thi công vá các ổ gà trên đường Ấp Bắc trong ngày 05/12/2025. "
        "Cảm ơn người dân đã phản ánh.",
    ),
    (
        "chieu-sang",
        "Phường Mỹ Tho",
        "Ba trụ đèn đường trên đường Nam Kỳ Khởi Nghĩa không sáng đã hơn một tuần, buổi tối rất tối.",
        "Đường Nam Kỳ Khởi Nghĩa",
        "10.354800",
        "106.364100",
        "Đơn vị quản lý chiếu sáng đã thay bóng đèn và sửa đường dây cho 3 trụ đèn. "
        "Hệ thống đã hoạt động bình thường.",
    ),
    (
        "rac-thai",
        "Phường Cao Lãnh",
        "Bãi đất trống cạnh bờ kênh bị đổ rác thải sinh hoạt, bốc mùi hôi, nhiều ruồi muỗi.",
        "Bờ kênh Đình Trung, khóm 3",
        "10.459700",
        "105.633500",
        "UBND phường Cao Lãnh đã tổ chức thu gom, dọn sạch bãi rác, đặt biển cấm đổ rác "
        "và giao tổ dân phố giám sát.",
    ),
]


# Where the year's reports are: commune, committee officers; each pin within about a kilometre of
# the commune's point (``tinhso.feedback.geo.commune_points``).
HISTORY_PLACES = [
    ("Phường Mỹ Tho", "chuyenvien.mytho", "lanhdao.mytho"),
    ("Phường Cao Lãnh", "chuyenvien.caolanh", "lanhdao.caolanh"),
    ("Phường Sa Đéc", "chuyenvien.sadec", "lanhdao.sadec"),
    ("Phường Cai Lậy", "chuyenvien.cailay", "lanhdao.cailay"),
]
HISTORY_TEXTS = {
    "hu-hong-duong": (
        "Mặt đường bị sụt lún, có ổ gà lớn gây nguy hiểm cho xe máy.",
        "Đã vá ổ gà, san phẳng mặt đường.",
    ),
    "ngap-ung": (
        "Mưa lớn và triều cường làm ngập sâu đoạn đường, cống thoát nước bị nghẹt.",
        "Đã nạo vét cống, khơi thông dòng chảy.",
    ),
    "rac-thai": ("Rác thải sinh hoạt bị đổ bừa bãi, bốc mùi hôi.", "Đã thu gom rác và đặt biển cấm đổ rác."),
    "tieng-on": (
        "Quán karaoke mở nhạc lớn sau 22 giờ, ảnh hưởng người dân nghỉ ngơi.",
        "Đã kiểm tra, nhắc nhở và xử phạt chủ quán.",
    ),
    "chieu-sang": ("Đèn đường không sáng nhiều đêm liền.", "Đã thay bóng đèn và sửa đường dây."),
    "cay-xanh": ("Cây xanh nghiêng, cành khô có nguy cơ gãy đổ.", "Đã cắt tỉa cành khô và chằng chống cây."),
    "trat-tu-do-thi": (
        "Hàng quán lấn chiếm vỉa hè, người đi bộ phải đi dưới lòng đường.",
        "Đã lập biên bản, yêu cầu trả lại vỉa hè.",
    ),
    "an-toan-thuc-pham": (
        "Cơ sở bán thức ăn đường phố không bảo đảm vệ sinh.",
        "Đã kiểm tra, hướng dẫn cơ sở khắc phục.",
    ),
    "cham-tre-ho-so": (
        "Hồ sơ nộp đã quá hẹn nhưng chưa nhận được kết quả.",
        "Đã đôn đốc giải quyết và trả kết quả cho người dân.",
    ),
}


def demo_key() -> str:
    return hmac.new(settings.SECRET_KEY.encode(), b"tinhso open311 demo key", hashlib.sha256).hexdigest()[:32]


# The share of published answers their reporter rates, the stars (1 to 5, weights) and a word.
RATED = 0.5
STARS = (4, 6, 15, 30, 45)
RATING_COMMENTS = {
    1: "Chưa xử lý dứt điểm, sự việc vẫn tái diễn.",
    2: "Trả lời chậm, chưa rõ thời gian khắc phục.",
    3: "",
    4: "Đã được xử lý, cảm ơn cán bộ phường.",
    5: "Xử lý nhanh, rất hài lòng.",
}


class Command(BaseCommand):
    help = "Load the citizen-feedback demo data (after load_demo) and print an Open311 api_key."

    def add_arguments(self, parser):
        parser.add_argument(
            "--history", type=int, default=200, help="Reports of the past year (default 200)."
        )

    def handle(self, *args, **options):
        # One transaction, the reference data's versions kept as in a request (as the dossiers'
        # history does): a commit and a read of the versions per action cost a good part.
        with transaction.atomic(), reference.as_one_request():
            categories = self.load_categories()
            root = Agency.objects.filter(code="H20").first()
            if root is None:
                self.stdout.write("Chưa có cơ quan trình diễn: chạy load_demo trước / run load_demo first.")
            else:
                self.load_routing(categories, root)
                if not Report.objects.exists():
                    self.load_reports(categories)
                    self.load_history(categories, options["history"])
        self.print_key()

    def load_categories(self) -> dict:
        categories = {}
        for order, (code, name, group, keywords, limit, unit, _agency) in enumerate(CATEGORIES, start=1):
            categories[code] = actions.save_category(
                None,
                service_code=code,
                name=name,
                group=group,
                keywords=keywords,
                time_limit=limit,
                time_unit=unit,
                order=order,
                description=f"Phản ánh về {name.lower()} trên địa bàn tỉnh Đồng Tháp.",
                attributes=ROAD_ATTRIBUTES if code == "hu-hong-duong" else [],
            )
        return categories

    def load_routing(self, categories: dict, root: Agency) -> None:
        for code, *_rest, suffix in CATEGORIES:
            agency = Agency.objects.filter(code=f"{root.code}.{suffix}").first() if suffix else None
            if agency and not RoutingRule.objects.filter(category=categories[code], commune=None).exists():
                actions.save_routing_rule(None, category=categories[code], agency=agency)
        # Local roads are the ward's: Mỹ Tho and Cao Lãnh handle their own.
        for committee in Agency.objects.filter(
            parent=root, kind="commune_pc", unit__name__in=["Phường Mỹ Tho", "Phường Cao Lãnh"]
        ):
            category = categories["hu-hong-duong"]
            if not RoutingRule.objects.filter(category=category, commune=committee.unit).exists():
                actions.save_routing_rule(None, category=category, agency=committee, commune=committee.unit)

    def load_reports(self, categories: dict) -> None:
        users = {
            u.username: u
            for u in User.objects.filter(
                username__in=[
                    "087095001234",
                    "082190004567",
                    "motcua.tinh",
                    "chuyenvien.mytho",
                    "lanhdao.mytho",
                    "lanhdao.tinh",
                ]
            )
        }
        if len(users) < 6:
            return
        citizens = [users["087095001234"], users["082190004567"]]
        for index, (code, commune_name, text, address, lat, lng, answer) in enumerate(REPORTS):
            commune = actions.province_communes().filter(name=commune_name).first()
            if commune is None:
                continue
            report = actions.submit_report(
                citizens[index % 2],
                category=categories[code],
                description=text,
                commune=commune,
                latitude=lat,
                longitude=lng,
                address=address,
            )
            agency = actions.propose_agency(report)
            committee = Agency.objects.filter(kind="commune_pc", unit=commune).first() or agency
            actions.assign_report(users["motcua.tinh"], report, committee)
            officer, leader = (
                (users["chuyenvien.mytho"], users["lanhdao.mytho"])
                if commune_name == "Phường Mỹ Tho"
                else (users["lanhdao.tinh"], users["lanhdao.tinh"])
            )
            actions.start_work(officer, report)
            actions.answer_report(officer, report, answer)
            actions.approve_answer(leader, report)

    def load_history(self, categories: dict, count: int) -> None:
        """``count`` reports filed over the past year, routed to the commune, answered and
        published by its officers, on the demo's clock (``tinhso.demo.clock``); the most recent
        are still being handled, a few were rejected; about half the reporters rate the answer."""
        users = {u.username: u for u in User.objects.filter(kind__in=[UserKind.OFFICER, UserKind.CITIZEN])}
        citizens = [u for u in users.values() if u.kind == UserKind.CITIZEN]
        router = users.get("motcua.tinh")
        if router is None or not citizens:
            return
        rng = random.Random(2026)
        rater = random.Random(2027)  # its own draws: the reports and their steps stay the same
        now = timezone.now()
        places = []
        points = geo.commune_points()
        for name, officer, leader in HISTORY_PLACES:
            commune = actions.province_communes().filter(name=name).first()
            committee = Agency.objects.filter(kind="commune_pc", unit=commune).first() if commune else None
            if commune and committee and commune.code in points and officer in users and leader in users:
                places.append((commune, committee, points[commune.code][:2], users[officer], users[leader]))
        moments = sorted(
            now - datetime.timedelta(minutes=rng.randint(60, 365 * 24 * 60)) for _ in range(count)
        )
        for moment in moments:
            commune, committee, (lat, lng), officer, leader = rng.choice(places)
            code = rng.choice(list(HISTORY_TEXTS))
            text, answer = HISTORY_TEXTS[code]
            with clock.at(moment):
                report = actions.submit_report(
                    rng.choice(citizens),
                    category=categories[code],
                    description=text,
                    commune=commune,
                    latitude=f"{lat + rng.uniform(-0.006, 0.006):.6f}",
                    longitude=f"{lng + rng.uniform(-0.006, 0.006):.6f}",
                    address=f"Khu phố {rng.randint(1, 9)}, {commune.name}",
                )
            steps = (
                (
                    datetime.timedelta(hours=rng.uniform(1, 20)),
                    actions.assign_report,
                    (router, report, committee),
                ),
                (datetime.timedelta(hours=rng.uniform(2, 30)), actions.start_work, (officer, report)),
                (
                    datetime.timedelta(hours=rng.uniform(4, 90)),
                    actions.answer_report,
                    (officer, report, answer),
                ),
                (datetime.timedelta(hours=rng.uniform(1, 24)), actions.approve_answer, (leader, report)),
            )
            if rng.random() < 0.05:
                steps = (
                    (
                        datetime.timedelta(hours=rng.uniform(1, 8)),
                        actions.reject_report,
                        (router, report, "Nội dung không thuộc phạm vi tiếp nhận phản ánh."),
                    ),
                )
            elif rater.random() < RATED:
                stars = rater.choices(range(1, 6), weights=STARS)[0]
                rating = (report.reporter, report, stars, RATING_COMMENTS[stars])
                steps += ((datetime.timedelta(hours=rater.uniform(2, 72)), actions.rate_answer, rating),)
            for delay, step, arguments in steps:
                moment += delay
                if moment > now:
                    break
                with clock.at(moment):
                    step(*arguments)

    def print_key(self) -> None:
        if settings.DEMO:
            key = demo_key()
            if not Open311ApiKey.objects.filter(key_hash=hash_api_key(key)).exists():
                Open311ApiKey.issue(DEMO_KEY_NAME, key)
        elif Open311ApiKey.objects.filter(name=DEMO_KEY_NAME).exists():
            self.stdout.write(
                "Open311 api_key đã được tạo trước đây / was created before (only its hash is kept)."
            )
            return
        else:
            _obj, key = Open311ApiKey.issue(DEMO_KEY_NAME)
        self.stdout.write(f"Open311 api_key: {key}")
