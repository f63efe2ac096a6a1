"""The demo's official documents between the provincial People's Committee, the Department of
Justice (Sở Tư pháp) and phường Mỹ Tho, made by the documents' actions and delivered through the
exchange (as the task worker would). Adds the two document clerks the demo lacks. Safe to run
again: nothing is made once the demo has documents; without the demo province nothing at all."""

from django.core.management.base import BaseCommand
from django.db import transaction

from tinhso.accounts import actions as account_actions
from tinhso.accounts.models import Role, User
from tinhso.agencies import actions as agency_actions
from tinhso.agencies.models import Agency
from tinhso.core import reference
from tinhso.demo import clock, data, documents_history
from tinhso.documents import actions, axis, axis_inbox, axis_server, edxml, exchange
from tinhso.documents.models import DirectoryAgency, DocumentEvent, Urgency
from tinhso.signing.models import AgencyCertificate

# username, full name, agency ("province", a provincial suffix or a commune's name).
CLERKS = [
    ("vanthu.tinh", "Ngô Thị Bích Liên", "province"),
    ("vanthu.mytho", "Phan Thị Thu Hà", data.MY_THO),
]
# The abbreviations of the agencies in their documents' symbols (Appendix I, I.3(b)).
SYMBOLS = {"province": "UBND", "04": "STP", data.MY_THO: "UBND"}


class Command(BaseCommand):
    help = "Load the demo's official documents (after load_demo)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--history",
            type=int,
            default=0,
            help="Documents of this year's registers to make before the demo's own (default none).",
        )

    def handle(self, *args, history=0, **options):
        admin = User.objects.filter(username=data.OFFICERS[0][0]).first()
        if admin is None or DocumentEvent.objects.exists():
            return
        agencies = self.agencies()
        with transaction.atomic():
            for key, symbol in SYMBOLS.items():
                if agencies[key].symbol != symbol:
                    agency_actions.update_agency(admin, agencies[key], symbol=symbol)
            clerks = {
                key: account_actions.create_officer(
                    admin,
                    username=username,
                    full_name=full_name,
                    memberships=[(agencies[key], Role.DOCUMENT_CLERK)],
                    password=data.DEMO_PASSWORD,
                    email=f"{username}@dongthap.example.vn",
                )
                for username, full_name, key in CLERKS
                if not User.objects.filter(username=username).exists()
            }
        for clerk in clerks.values():
            code = account_actions.issue_enrolment_code(admin, clerk)
            account_actions.enable_totp(
                clerk, data.DEMO_TOTP_SECRET, clock.enrolment_code(data.DEMO_TOTP_SECRET), enrolment_code=code
            )
        if history:
            # One transaction, the reference data's versions kept as in a request (as the
            # dossiers' history does).
            with transaction.atomic(), reference.as_one_request():
                made = documents_history.make_history(self.offices(agencies), history)
            self.stdout.write(
                "Sổ văn bản / registers: {outgoing} văn bản đi, {incoming} văn bản đến".format(**made)
            )
        self.documents(agencies)
        self.stdout.write("Văn bản điều hành / official documents: văn thư / document clerks")
        for username, full_name, key in CLERKS:
            name = agencies[key].short_name
            self.stdout.write(f"  {username:<18} {full_name:<22} {'văn thư':<18} {name}")

    def agencies(self) -> dict:
        root = Agency.objects.get(code=data.PROVINCE_AGENCY_CODE)
        return {
            "province": root,
            "04": Agency.objects.get(code=f"{root.code}.04"),
            data.MY_THO: Agency.objects.get(parent=root, unit__name=data.MY_THO),
        }

    def offices(self, agencies: dict) -> list[documents_history.Office]:
        """Who keeps the registers of the history: the People's Committee's leader handles its
        documents herself (it has no specialist in the demo)."""
        people = {username: User.objects.get(username=username) for username in self.usernames()}
        return [
            documents_history.Office(
                agencies["province"], people["vanthu.tinh"], people["lanhdao.tinh"], people["lanhdao.tinh"], 5
            ),
            documents_history.Office(
                agencies["04"], people["vanthu.stp"], people["lanhdao.stp"], people["chuyenvien.stp"], 3
            ),
            documents_history.Office(
                agencies[data.MY_THO],
                people["vanthu.mytho"],
                people["lanhdao.mytho"],
                people["chuyenvien.mytho"],
                2,
            ),
        ]

    def documents(self, agencies: dict) -> None:
        """Three documents over the exchange and one on paper, left at different steps."""
        people = {username: User.objects.get(username=username) for username in self.usernames()}
        pc_clerk, stp_clerk, ward_clerk = people["vanthu.tinh"], people["vanthu.stp"], people["vanthu.mytho"]
        decision = actions.issue_document(
            pc_clerk,
            actions.create_draft(
                pc_clerk,
                agencies["province"],
                type_code="quyet_dinh",
                subject="Về việc ban hành Kế hoạch chuyển đổi số tỉnh Đồng Tháp năm 2027",
                signer_competence="KT.",
                signer_position="Phó Chủ tịch",
                signer_name="Phạm Thị Hồng Hạnh",
            ),
        )
        to_stp, _to_ward = actions.send_document(pc_clerk, decision, [agencies["04"], agencies[data.MY_THO]])
        exchange.deliver_due()
        registered = actions.register_incoming(stp_clerk, to_stp.incoming)
        assigned = actions.assign_incoming(people["lanhdao.stp"], registered, people["chuyenvien.stp"], 5)
        actions.complete_incoming(
            people["chuyenvien.stp"], assigned, "Đã xây dựng kế hoạch triển khai của Sở"
        )
        letter = actions.issue_document(
            stp_clerk,
            actions.create_draft(
                people["chuyenvien.stp"],
                agencies["04"],
                type_code="cong_van",
                unit_symbol="VP",
                subject="V/v góp ý dự thảo Quy chế công tác văn thư, lưu trữ",
                urgency=Urgency.URGENT,
                signer_competence="KT.",
                signer_position="Phó Giám đốc",
                signer_name="Huỳnh Văn Sáu",
            ),
        )
        actions.send_document(stp_clerk, letter, [agencies["province"]])
        report = actions.issue_document(
            ward_clerk,
            actions.create_draft(
                people["chuyenvien.mytho"],
                agencies[data.MY_THO],
                type_code="bao_cao",
                subject="Báo cáo kết quả giải quyết thủ tục hành chính quý IV năm 2026",
                signer_competence="TM.",
                signer_position="Chủ tịch",
                signer_name="Trương Văn Lợi",
            ),
        )
        actions.send_document(ward_clerk, report, [agencies["province"]])
        exchange.deliver_due()
        from_stp = letter.deliveries.get().incoming
        pc_registered = actions.register_incoming(pc_clerk, from_stp)
        actions.assign_incoming(people["lanhdao.tinh"], pc_registered, people["lanhdao.tinh"], 3)
        actions.refuse_incoming(
            pc_clerk, report.deliveries.get().incoming, "Báo cáo thiếu phụ lục số liệu; đề nghị gửi lại."
        )
        actions.register_paper(
            pc_clerk,
            agencies["province"],
            sender_name="Bộ Nội vụ",
            code_number="5120",
            code_notation="BNV-VTLTNN",
            type_name="Công văn",
            subject="V/v hướng dẫn lập hồ sơ và nộp lưu hồ sơ, tài liệu năm 2026",
        )
        exchange.deliver_due()  # phường Mỹ Tho's copy stays arrived, waiting for its clerk
        self.drafts_to_sign(agencies["province"], pc_clerk, people["lanhdao.tinh"])
        if axis.configured() is not None:
            try:
                self.outside(agencies, pc_clerk)
            except axis.AxisError as exc:
                self.stderr.write(f"The local national axis did not answer: {exc}")

    @staticmethod
    def outside(agencies: dict, pc_clerk: User) -> None:
        """One agency outside the province, the Government Office, through the local axis: it
        sends the People's Committee a letter (left arrived for its clerk) and answers the
        committee's report with "01" and "03"."""
        actions.sync_directory(None)
        config = axis.configured()
        assert config is not None
        code, secret, name = axis_server.DEMO_PEER
        peer = axis_server.AxisPeer(config.url, code, secret, name)
        province = agencies["province"]
        peer.send_document(
            edxml.Organ(organ_id=province.code, name=province.name),
            "1284",
            "VPCP-KSTT",
            "V/v đẩy mạnh liên thông văn bản điện tử năm 2027",
            type_name="Công văn",
            priority=Urgency.URGENT,
            signer_competence="KT.",
            signer_position="Phó Chủ nhiệm",
            signer_name="Nguyễn Văn Thành",
        )
        axis_inbox.fetch()
        report = actions.issue_document(
            pc_clerk,
            actions.create_draft(
                pc_clerk,
                province,
                type_code="bao_cao",
                subject="Báo cáo kết quả gửi, nhận văn bản điện tử năm 2026",
                signer_competence="TM.",
                signer_position="Chủ tịch",
                signer_name="Trần Trí Quang",
            ),
        )
        actions.send_document(pc_clerk, report, [], external=[DirectoryAgency.objects.get(code=code)])
        exchange.deliver_due()
        peer.answer()
        axis_inbox.fetch()

    @staticmethod
    def drafts_to_sign(agency, clerk, leader) -> None:
        """Drafts in the leader's inbox, and one she signed waiting for its number (Art. 13–15)."""
        drafts = [
            actions.create_draft(
                clerk,
                agency,
                type_code=type_code,
                subject=subject,
                content=content,
                signer_competence="KT.",
                signer_position="Phó Chủ tịch",
                signer_name=leader.full_name,
            )
            for type_code, subject, content in (
                (
                    "ke_hoach",
                    "Kế hoạch phòng, chống thiên tai và tìm kiếm cứu nạn năm 2027",
                    "Giao các sở, ngành và Ủy ban nhân dân cấp xã xây dựng phương án ứng phó với lũ.",
                ),
                (
                    "thong_bao",
                    "Thông báo lịch tiếp công dân tháng 01 năm 2027",
                    "Lãnh đạo Ủy ban nhân dân tỉnh tiếp công dân định kỳ vào ngày 15 hằng tháng.",
                ),
                (
                    "giay_moi",
                    "Giấy mời dự hội nghị tổng kết công tác văn thư, lưu trữ năm 2026",
                    "Kính mời đại diện lãnh đạo các sở, ngành dự hội nghị.",
                ),
            )
        ]
        if AgencyCertificate.objects.filter(agency=agency, is_active=True).exists():  # create_demo_ca
            actions.sign_draft(leader, drafts[0])

    @staticmethod
    def usernames() -> list[str]:
        return [
            "vanthu.tinh",
            "vanthu.stp",
            "vanthu.mytho",
            "lanhdao.tinh",
            "lanhdao.stp",
            "chuyenvien.stp",
            "chuyenvien.mytho",
            "lanhdao.mytho",
        ]
