"""A year of the demo's document registers: outgoing documents numbered and issued, and incoming
documents registered, assigned and handled, at the People's Committee, the Department of Justice
and phường Mỹ Tho, on working days from 1 January to a week ago, all through the documents'
actions and in time order (so the numbers run in date order, Decree 30/2020/NĐ-CP Art. 15 and
22). The incoming ones came on paper or by e-mail (the exchange dates its packages now); most
are handled in time, those of the last weeks are still in hand and a few are overdue. No PDF is
made, so a document costs a few queries. Deterministic (a seeded generator)."""

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.agencies.models import Agency
from tinhso.documents import actions
from tinhso.documents.models import Urgency
from tinhso.worktime.calendar import add_working_days, is_working_day

OUTGOING = [
    ("cong_van", "V/v {topic}"),
    ("quyet_dinh", "Về việc {topic}"),
    ("ke_hoach", "Kế hoạch {topic}"),
    ("bao_cao", "Báo cáo {topic}"),
    ("thong_bao", "Thông báo {topic}"),
    ("to_trinh", "Tờ trình {topic}"),
    ("giay_moi", "Giấy mời dự họp về {topic}"),
]
TOPICS = [
    "triển khai Đề án 06 về dữ liệu dân cư",
    "cải cách thủ tục hành chính quý {quarter}",
    "chuyển đổi số trong cơ quan nhà nước",
    "phòng, chống thiên tai mùa lũ",
    "công tác văn thư, lưu trữ",
    "rà soát biên chế công chức",
    "quản lý trật tự xây dựng",
    "thu ngân sách nhà nước quý {quarter}",
    "tiếp công dân định kỳ tháng {month}",
    "phòng cháy, chữa cháy tại khu dân cư",
    "kiểm tra việc giải quyết hồ sơ một cửa",
    "chương trình mục tiêu quốc gia xây dựng nông thôn mới",
    "đào tạo, bồi dưỡng cán bộ, công chức",
    "bảo đảm an toàn thông tin mạng",
]
SENDERS = [
    ("Bộ Nội vụ", "BNV-VP", "Công văn"),
    ("Bộ Tư pháp", "BTP-VP", "Công văn"),
    ("Văn phòng Chính phủ", "VPCP-KSTT", "Công văn"),
    ("Bộ Tài chính", "BTC-NSNN", "Công văn"),
    ("Ủy ban nhân dân tỉnh Đồng Tháp", "UBND-VP", "Công văn"),
    ("Sở Nội vụ tỉnh Đồng Tháp", "SNV-CCVC", "Công văn"),
    ("Công an tỉnh Đồng Tháp", "CAT-PC06", "Công văn"),
    ("Sở Xây dựng tỉnh Đồng Tháp", "SXD-QLXD", "Công văn"),
]
OVERDUE_SHARE = 0.04  # of the documents assigned more than a month ago


@dataclass
class Office:
    """An agency of the demo and the people who keep its registers."""

    agency: Agency
    clerk: User
    leader: User
    handler: User
    weight: int


def working_days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    days, day = [], start
    while day <= end:
        if is_working_day(day):
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def moment(rng: random.Random, day: datetime.date) -> datetime.datetime:
    hour, minute = rng.choice([(7, 45), (8, 30), (9, 15), (10, 0), (10, 40), (14, 0), (15, 10), (16, 20)])
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, minute))


def subject(rng: random.Random, template: str, day: datetime.date) -> str:
    topic = rng.choice(TOPICS).format(quarter=(day.month - 1) // 3 + 1, month=day.month)
    return template.format(topic=topic)


def make_history(offices: list[Office], count: int, today: datetime.date | None = None) -> dict[str, int]:
    """``count`` documents over the working days of this year up to a week ago; counts made."""
    today = today or timezone.localdate()
    days = working_days(datetime.date(today.year, 1, 2), today - datetime.timedelta(days=7))
    if not days or count <= 0:
        return {"outgoing": 0, "incoming": 0}
    rng = random.Random(2026)
    plan = sorted(
        (
            (
                moment(rng, rng.choice(days)),
                rng.random() < 0.5,
                rng.choices(offices, [o.weight for o in offices])[0],
            )
            for _ in range(count)
        ),
        key=lambda item: item[0],
    )
    numbers = {sender: 100 for sender, _notation, _type in SENDERS}
    made = {"outgoing": 0, "incoming": 0}
    for at, outgoing, office in plan:
        if outgoing:
            type_code, template = rng.choice(OUTGOING)
            draft = actions.create_draft(
                office.clerk,
                office.agency,
                type_code=type_code,
                unit_symbol="VP" if type_code == "cong_van" else "",
                subject=subject(rng, template, at.date()),
                urgency=Urgency.URGENT if rng.random() < 0.1 else Urgency.NORMAL,
                signer_competence="KT.",
                signer_position="Phó Chủ tịch" if office.agency.parent_id is None else "Phó Giám đốc",
                signer_name=office.leader.full_name,
            )
            actions.issue_document(office.clerk, draft, at=at)
            made["outgoing"] += 1
            continue
        sender, notation, type_name = rng.choice([item for item in SENDERS if item[0] != office.agency.name])
        numbers[sender] += rng.randint(1, 9)
        incoming = actions.register_paper(
            office.clerk,
            office.agency,
            at=at,
            sender_name=sender,
            code_number=str(numbers[sender]),
            code_notation=notation,
            type_name=type_name,
            subject=subject(rng, "V/v {topic}", at.date()),
            promulgation_date=(at - datetime.timedelta(days=rng.randint(1, 4))).date(),
            urgency=Urgency.URGENT if rng.random() < 0.1 else Urgency.NORMAL,
        )
        made["incoming"] += 1
        # Presented the same or the next working day (Art. 24), then assigned with a deadline.
        assigned_at = add_working_days(at, rng.choice([0, 1])) + datetime.timedelta(minutes=30)
        if assigned_at.date() >= today:
            continue
        working = rng.choice([3, 5, 7, 10])
        assigned = actions.assign_incoming(office.leader, incoming, office.handler, working, at=assigned_at)
        due = assigned.handling_due_at
        assert due is not None
        old = (today - due.date()).days > 30
        if due.date() >= today or (old and rng.random() < OVERDUE_SHARE):
            continue  # still in hand: due later, or overdue
        done_at = min(due - datetime.timedelta(hours=rng.randint(1, 40)), timezone.now())
        actions.complete_incoming(
            office.handler, assigned, "Đã xử lý, báo cáo lãnh đạo", at=max(done_at, assigned_at)
        )
    return made
