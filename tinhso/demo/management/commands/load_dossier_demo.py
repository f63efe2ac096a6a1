"""The demo dossiers: a year of the province's history and, today, the demo citizens' own dossiers
in several statuses, all made by the actions citizens and the demo officers take
(``tinhso.demo.history``). Safe to run again.

Needs the demo province (``load_demo``), the catalogue (``load_procedures``) and the flows
(``load_demo_flows``); without the province nothing is made.
"""

import datetime
import logging

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand

from tinhso.accounts import actions as account_actions
from tinhso.accounts.models import User
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.demo import data
from tinhso.demo.history import Desk, History, Staff, Submitter
from tinhso.dossiers import actions
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.notifications import send_pending
from tinhso.dossiers.status import Status
from tinhso.procedures.models import Procedure

# Today's dossiers of the demo citizens: (CCCD, procedure code, commune of the centre or None for
# the provincial centre, status it is left in).
SHOWCASE = [
    ("087095001234", "1.001193", data.MY_THO, Status.NEW),
    ("087095001234", "1.004873", data.MY_THO, Status.PROCESSING),
    ("082190004567", "DT-004", None, Status.SUPPLEMENT),
    ("082190004567", "2.000635", data.MY_THO, Status.RETURNED),
    ("087303008910", "1.000656", data.MY_THO, Status.WITHDRAWN),
    ("087303008910", "1.001193", data.CAO_LANH, Status.NEW),
]
HISTORY_COMMUNES = [data.MY_THO, data.CAO_LANH, data.SA_DEC, data.CAI_LAY]

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Phan", "Trương", "Bùi", "Đặng", "Đỗ", "Ngô"]
MIDDLE_MALE = ["Văn", "Minh", "Quốc", "Thanh", "Hữu", "Đức"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thị Kim", "Thị Thu", "Bích", "Thị Mỹ"]
GIVEN_MALE = ["An", "Bình", "Cường", "Dũng", "Hải", "Khang", "Lộc", "Nam", "Phúc", "Quang", "Tài", "Vinh"]
GIVEN_FEMALE = ["Anh", "Chi", "Diễm", "Giang", "Hạnh", "Lan", "My", "Nhi", "Oanh", "Thảo", "Trâm", "Yến"]


def history_citizens(count: int) -> list[User]:
    """``count`` citizens of the province (CCCD 087…, Đồng Tháp), made once."""
    password = make_password(data.DEMO_PASSWORD)
    citizens = []
    for index in range(count):
        female = index % 2 == 1
        born = datetime.date(1960 + index % 40, 1 + index % 12, 1 + index % 28)
        cccd = f"087{int(female)}{born.year % 100:02d}{700000 + index:06d}"
        citizen = User.objects.filter(username=cccd).first()
        if citizen is None:
            name = " ".join(
                (
                    FAMILY[index % len(FAMILY)],
                    (MIDDLE_FEMALE if female else MIDDLE_MALE)[index % 6],
                    (GIVEN_FEMALE if female else GIVEN_MALE)[(index // 2) % 12],
                )
            )
            citizen = account_actions.register_citizen(
                None,
                cccd=cccd,
                full_name=name,
                date_of_birth=born,
                gender="female" if female else "male",
                phone=f"09{index:08d}",
                password_hash=password,
            )
        citizens.append(citizen)
    return citizens


class Command(BaseCommand):
    help = (
        "Create the demo dossiers through the real actions: a year of history and the demo "
        "citizens' dossiers (needs load_demo, load_procedures, load_demo_flows); safe to rerun."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--history", type=int, default=2000, help="Dossiers of the past year (default 2000; 0: none)."
        )

    def handle(self, *args, history, **options):
        citizens = {user.cccd: user for user in User.objects.filter(cccd__in=[row[0] for row in SHOWCASE])}
        centres = {
            agency.unit.name: agency
            for agency in Agency.objects.valid_on()
            .filter(kind=AgencyKind.ONE_STOP_DESK, unit__name__in=HISTORY_COMMUNES)
            .select_related("unit")
        }
        if len(citizens) < 3 or len(centres) < len(HISTORY_COMMUNES) or not Staff().users:
            self.stdout.write("Thiếu tỉnh trình diễn (load_demo) / the demo province is missing: skipped.")
            return
        if Dossier.objects.filter(applicant__in=citizens.values()).exists():
            self.stdout.write("Hồ sơ trình diễn đã có / demo dossiers already loaded.")
            return
        if history:
            places = [(centres[name], centres[name].unit.code) for name in HISTORY_COMMUNES]
            made = History(history_citizens(60), places).run(history)
            self.stdout.write(f"Một năm hồ sơ / a year of dossiers: {made}.")
        self.showcase(citizens, centres)
        self.send_backlog()

    def showcase(self, citizens: dict, centres: dict) -> None:
        staff = Staff()
        desk, submitter = Desk(staff), Submitter()
        centre = Agency.objects.valid_on().filter(kind=AgencyKind.SERVICE_CENTRE).order_by("code").first()
        for cccd, code, commune_name, status in SHOWCASE:
            citizen = citizens.get(cccd)
            procedure = Procedure.objects.current().filter(code=code).first()
            if citizen is None or procedure is None:
                self.stdout.write(f"Bỏ qua / skipped: {cccd} {code}")
                continue
            agency = centres.get(commune_name) if commune_name else centre
            commune = centres[data.MY_THO].unit if commune_name is None else agency.unit
            dossier = submitter.submit(citizen, procedure, agency, commune.code)
            self.advance(desk, dossier, citizen, status)
            dossier.refresh_from_db()
            label = Status(dossier.status).label
            self.stdout.write(f"  {dossier.display_code}  {label}  {procedure.name[:60]}")

    def advance(self, desk: Desk, dossier: Dossier, citizen: User, status: int) -> None:
        if status == Status.WITHDRAWN:
            actions.withdraw_dossier(citizen, dossier, "Tôi đã nộp nhầm thủ tục.")
            return
        if status == Status.NEW:
            return
        desk.accept(dossier)
        dossier.refresh_from_db()
        if not dossier.procedure.is_free:
            desk.collect_fees(dossier)
        desk.take(dossier)
        if status == Status.SUPPLEMENT:
            desk.ask_for_supplement(dossier)
            return
        while status == Status.RETURNED and dossier.status != Status.RETURNED:
            desk.take(dossier)
            dossier.refresh_from_db()

    def send_backlog(self) -> None:
        """Send the year's notifications now, through the real sender (its text messages are
        not logged one by one)."""
        sms_log = logging.getLogger("tinhso.core.sms")
        level = sms_log.level
        sms_log.setLevel(logging.WARNING)
        try:
            sent = send_pending()
        finally:
            sms_log.setLevel(level)
        self.stdout.write(f"Thông báo đã gửi / notifications sent: {sent}.")
