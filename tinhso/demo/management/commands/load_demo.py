"""Load the demo province (Đồng Tháp) and print the demo accounts. Safe to run again."""

import datetime

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from tinhso.accounts import actions, otp
from tinhso.accounts.models import Membership, Role, User
from tinhso.agencies import actions as agency_actions
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.core.links import site_url
from tinhso.demo import clock, data
from tinhso.procedures import actions as procedure_actions
from tinhso.procedures.models import BoundaryFreeList, Procedure, ReceptionScope
from tinhso.procedures.models import Level as ProcedureLevel
from tinhso.units.models import TWO_TIER_START, AdministrativeUnit, Level
from tinhso.worktime import actions as worktime_actions
from tinhso.worktime.models import HolidayYear

# The year of history made through the actions: 2000 dossiers, 666 feedback reports and 333
# official documents load in about 100 s of CPU, most of it the dossiers (README, "Demo").
DEFAULT_HISTORY = 2000

ROLE_LABELS = {
    "province_admin": "quản trị tỉnh",
    "leader": "lãnh đạo",
    "dashboard_viewer": "xem bảng điều hành",
    "one_stop_officer": "cán bộ một cửa",
    "specialist": "chuyên viên",
    "document_clerk": "văn thư",
    "agency_admin": "quản trị cơ quan",
}


class Command(BaseCommand):
    help = "Load the Đồng Tháp demo province: units, agencies, officers and citizens."

    def add_arguments(self, parser):
        parser.add_argument(
            "--history",
            type=int,
            default=DEFAULT_HISTORY,
            help=f"Dossiers of the past year to make, a third as many feedback reports and a sixth as "
            f"many official documents (default {DEFAULT_HISTORY}).",
        )

    def handle(self, *args, history=DEFAULT_HISTORY, **options):
        if not AdministrativeUnit.objects.filter(level=Level.COMMUNE).exists():
            self.stdout.write("Đang nạp đơn vị hành chính 2025 / loading the 2025 administrative units…")
            call_command("import_units", verbosity=0)
        if not Agency.objects.filter(code=data.PROVINCE_AGENCY_CODE).exists():
            self.stdout.write("Đang tạo tỉnh trình diễn Đồng Tháp / creating the Đồng Tháp demo province…")
            with transaction.atomic():
                password = make_password(data.DEMO_PASSWORD)
                admin = self.create_administrator(password)
                agencies = self.create_agencies(admin)
                self.create_people(admin, agencies, password)
                agencies[data.POLICE[0]] = self.add_police(admin)
                self.create_officers(admin, agencies, data.POLICE_OFFICERS, password)
        self.enrol_officers()
        self.confirm_holiday_years()
        call_command("load_procedures", verbosity=0)
        self.publish_boundary_free_list()
        call_command("load_demo_flows", verbosity=0)
        call_command("create_demo_ca", "--all-one-stop", verbosity=0)
        call_command("load_dossier_demo", "--history", str(history), stdout=self.stdout)
        call_command("load_feedback_demo", "--history", str(history // 3), stdout=self.stdout)
        call_command("rollup_statistics", "--rebuild", verbosity=0)
        call_command("load_documents_demo", "--history", str(history // 6), stdout=self.stdout)
        call_command("load_ioc_demo", stdout=self.stdout)
        call_command("load_national_demo", stdout=self.stdout)
        call_command("load_open_data_demo", stdout=self.stdout)
        self.print_accounts()

    def create_administrator(self, password: str) -> User:
        """The province administrator, the installation's first superuser, made as from the console."""
        username, full_name, *_rest = data.OFFICERS[0]
        return actions.create_administrator(
            None,
            username=username,
            full_name=full_name,
            email=f"{username}@dongthap.example.vn",
            password_hash=password,
        )

    def create_agencies(self, admin: User) -> dict:
        """The province's agencies, created by its administrator through the agencies' action."""
        province = AdministrativeUnit.objects.valid_on().get(code=data.PROVINCE_CODE, level=Level.PROVINCE)
        start = TWO_TIER_START

        def agency(code, name, short_name, kind, parent, unit, demo=True):
            return agency_actions.create_agency(
                admin,
                code=code,
                name=name,
                short_name=short_name,
                kind=kind,
                parent=parent,
                unit=unit,
                valid_from=start,
                is_demo_code=demo,
            )

        root = agency(
            data.PROVINCE_AGENCY_CODE,
            "Ủy ban nhân dân tỉnh Đồng Tháp",
            "UBND tỉnh Đồng Tháp",
            AgencyKind.PROVINCIAL_PC,
            None,
            province,
            demo=False,
        )
        agencies = {"province": root}
        for suffix, name, short_name, kind in data.PROVINCIAL_AGENCIES:
            agencies[suffix] = agency(f"{root.code}.{suffix}", name, short_name, kind, root, province)
        for parent_suffix, suffix, name in data.DIVISIONS:
            parent = agencies[parent_suffix]
            agency(f"{parent.code}.{suffix}", name, name, AgencyKind.DIVISION, parent, province)
        communes = AdministrativeUnit.objects.valid_on().filter(parent=province).order_by("code")
        for index, commune in enumerate(communes, start=1):
            # "Phường Mỹ Tho" → "phường Mỹ Tho" inside an agency name.
            in_name = commune.name[0].lower() + commune.name[1:]
            committee = agency(
                f"{root.code}.{200 + index}",
                f"Ủy ban nhân dân {in_name}",
                f"UBND {in_name}",
                AgencyKind.COMMUNE_PC,
                root,
                commune,
            )
            desk = agency(
                f"{committee.code}.01",
                f"Trung tâm Phục vụ hành chính công {in_name}",
                f"Trung tâm PVHCC {in_name}",
                AgencyKind.ONE_STOP_DESK,
                committee,
                commune,
            )
            agencies[("commune", commune.name)] = committee
            agencies[("desk", commune.name)] = desk
        return agencies

    def create_people(self, admin: User, agencies: dict, password: str) -> None:
        """The officers, citizens and businesses, through the accounts' actions. Every demo account
        has the same password, hashed once (a hash costs a good part of a second)."""
        actions.add_membership(
            admin, admin, agencies[data.OFFICERS[0][2]], Role.PROVINCE_ADMIN, TWO_TIER_START
        )
        self.create_officers(admin, agencies, data.OFFICERS[1:], password)
        for cccd, full_name, born, gender, phone, email in data.CITIZENS:
            actions.register_citizen(
                None,
                cccd=cccd,
                full_name=full_name,
                date_of_birth=datetime.date.fromisoformat(born),
                gender=gender,
                phone=phone,
                email=email,
                password_hash=password,
            )
        for tax_code, name, phone, email in data.BUSINESSES:
            actions.register_business(
                None, tax_code=tax_code, name=name, phone=phone, email=email, password_hash=password
            )

    def create_officers(self, admin: User, agencies: dict, officers: list, password: str) -> None:
        for username, full_name, agency_key, role, gender in officers:
            actions.create_officer(
                admin,
                username=username,
                full_name=full_name,
                memberships=[(agencies[agency_key], role, TWO_TIER_START)],
                email=f"{username}@dongthap.example.vn",
                gender=gender,
                staff=role in {Role.PROVINCE_ADMIN, Role.AGENCY_ADMIN},
                password_hash=password,
            )

    def add_police(self, admin: User) -> Agency:
        """The provincial police, added by the province administrator through the agencies' action."""
        suffix, name, short_name = data.POLICE
        root = Agency.objects.get(code=data.PROVINCE_AGENCY_CODE)
        return agency_actions.create_agency(
            admin,
            code=f"{data.PROVINCE_AGENCY_CODE}.{suffix}",
            name=name,
            short_name=short_name,
            kind=AgencyKind.OTHER,
            parent=root,
            unit=root.unit,
            valid_from=TWO_TIER_START,
            is_demo_code=True,
        )

    def confirm_holiday_years(self) -> None:
        admin = User.objects.get(username=data.OFFICERS[0][0])
        for year, basis in data.CONFIRMED_HOLIDAY_YEARS:
            if not HolidayYear.objects.filter(year=year).exists():
                worktime_actions.confirm_year(admin, year, basis)

    def publish_boundary_free_list(self) -> None:
        """The demo province's list of procedures received regardless of administrative boundary:
        the commune procedures every commune implements, received at any commune centre as the
        demo always did (a demo document, not a real decision)."""
        if BoundaryFreeList.objects.filter(number=data.BOUNDARY_FREE_LIST["number"]).exists():
            return
        admin = User.objects.get(username=data.OFFICERS[0][0])
        procedures = (
            Procedure.objects.current()
            .filter(level=ProcedureLevel.COMMUNE, agencies__isnull=True)
            .order_by("code")
        )
        procedure_actions.save_boundary_free_list(
            admin, BoundaryFreeList(scope=ReceptionScope.PROVINCE, **data.BOUNDARY_FREE_LIST), procedures
        )

    def enrol_officers(self) -> None:
        """Set up two-step verification of the demo officers not enrolled yet, as in production:
        the province administrator's code from the console, the others' from the province
        administrator, all with the demo authenticator key."""
        admin = User.objects.get(username=data.OFFICERS[0][0])
        code = clock.enrolment_code(data.DEMO_TOTP_SECRET)
        for username, *_rest in data.OFFICERS + data.POLICE_OFFICERS:
            officer = User.objects.get(username=username)
            if officer.totp_enabled:
                continue
            enrolment_code = actions.issue_enrolment_code(admin, officer, from_console=officer.pk == admin.pk)
            actions.enable_totp(officer, data.DEMO_TOTP_SECRET, code, enrolment_code=enrolment_code)

    def print_accounts(self) -> None:
        write = self.stdout.write
        write("")
        write("Tài khoản trình diễn / demo accounts")
        write(f"Mật khẩu / password: {data.DEMO_PASSWORD}")
        secret = otp.format_secret(data.DEMO_TOTP_SECRET)
        write(f"Cán bộ đăng nhập hai lớp: thêm khóa {secret} vào ứng dụng xác thực (TOTP), dùng chung.")
        write(f"Officers sign in with a TOTP code: add the key {secret} to an authenticator app (shared),")
        write(
            f"  or: .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('{data.DEMO_TOTP_SECRET}').now())\""
        )
        write("")
        for username, full_name, _agency_key, role, _gender in data.OFFICERS + data.POLICE_OFFICERS:
            membership = (
                Membership.objects.filter(user__username=username, role=role).select_related("agency").first()
            )
            agency_name = membership.agency.short_name if membership else ""
            write(f"  {username:<18} {full_name:<22} {ROLE_LABELS[role]:<18} {agency_name}")
        for cccd, full_name, *_rest in data.CITIZENS:
            write(f"  {cccd:<18} {full_name:<22} {'công dân':<18} (CCCD)")
        for tax_code, name, *_rest in data.BUSINESSES:
            write(f"  {tax_code:<18} {name:<40} (doanh nghiệp, MST)")
        write("")
        write(f"Quản trị / administration: {site_url()}/quan-tri/  (admin.tinh)")
        write(f"API: {site_url()}/api/v1/docs")
