import datetime
import unicodedata

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tinhso.accounts import actions
from tinhso.accounts.models import Membership, Role, User, mask_cccd
from tinhso.audit.models import AuditEntry

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def register(**overrides):
    data = {
        "cccd": "087201004567",
        "full_name": "Nguyễn Hoàng Phúc",
        "date_of_birth": datetime.date(2001, 9, 2),
        "gender": "male",
        "password": PASSWORD,
        "phone": "+84 987-654-321",
    }
    data.update(overrides)
    return actions.register_citizen(None, **data)


class TestRegisterCitizen:
    def test_self_registration(self):
        user = register(full_name=unicodedata.normalize("NFD", "  Nguyễn   Hoàng Phúc "))
        assert user.username == user.cccd == "087201004567"
        assert user.full_name == "Nguyễn Hoàng Phúc"
        assert unicodedata.is_normalized("NFC", user.full_name)
        assert user.phone == "+84987654321"
        assert user.check_password(PASSWORD)
        entry = AuditEntry.objects.get(object_type="accounts.user", object_id=str(user.pk))
        assert entry.action == "accounts.register_citizen"
        assert entry.data["cccd"] == "0872******67"
        assert "087201004567" not in str(entry.data)

    @pytest.mark.parametrize(
        ("overrides", "field", "text"),
        [
            ({"cccd": "08720100456"}, "cccd", "gồm đúng 12 chữ số"),
            ({"cccd": "087201004567", "gender": "female"}, "cccd", "giới tính"),
            ({"date_of_birth": datetime.date(2002, 9, 2)}, "cccd", "sinh năm 2001"),
            ({"phone": "0243 825 1234"}, "phone", "10 chữ số"),
            ({"password": "123456"}, "password", "Mật khẩu này hoàn toàn là số."),
            ({"full_name": "  "}, "full_name", "Trường này không được để trắng."),
        ],
    )
    def test_bad_input_saves_nothing(self, overrides, field, text):
        with pytest.raises(ValidationError) as exc:
            register(**overrides)
        assert field in exc.value.message_dict
        assert text in " ".join(exc.value.message_dict[field])
        assert not User.objects.exists()
        assert not AuditEntry.objects.exists()

    def test_the_same_cccd_twice(self):
        register()
        with pytest.raises(ValidationError):
            register(full_name="Người khác")
        assert User.objects.count() == 1

    def test_officers_other_than_one_stop_cannot_register_citizens(self, officers):
        with pytest.raises(PermissionDenied):
            actions.register_citizen(
                officers["admin_a"],
                cccd="087201004567",
                full_name="Nguyễn Hoàng Phúc",
                date_of_birth=datetime.date(2001, 9, 2),
                gender="male",
                password=PASSWORD,
            )
        user = actions.register_citizen(
            officers["officer_a"],
            cccd="087201004567",
            full_name="Nguyễn Hoàng Phúc",
            date_of_birth=datetime.date(2001, 9, 2),
            gender="male",
            password=PASSWORD,
        )
        assert AuditEntry.objects.get(object_id=str(user.pk)).actor == officers["officer_a"]


class TestOfficers:
    def test_agency_admin_creates_an_officer_in_their_commune(self, officers, agencies):
        user = actions.create_officer(
            officers["admin_a"],
            username="chuyenvien.tho",
            full_name="Kiều Thị Thơ",
            phone="0389 123 456",
            memberships=[(agencies["desk_a"], Role.ONE_STOP_OFFICER), (agencies["a"], Role.SPECIALIST)],
        )
        assert user.kind == "officer" and not user.has_usable_password()
        assert {(m.agency, m.role) for m in user.active_memberships()} == {
            (agencies["desk_a"], Role.ONE_STOP_OFFICER),
            (agencies["a"], Role.SPECIALIST),
        }
        assert AuditEntry.objects.filter(action="accounts.add_membership").count() == 2

    def test_agency_admin_of_a_cannot_create_an_officer_in_b(self, officers, agencies):
        with pytest.raises(PermissionDenied):
            actions.create_officer(
                officers["admin_a"],
                username="can.bo.b",
                full_name="Tô Văn Bình",
                memberships=[(agencies["a"], Role.SPECIALIST), (agencies["b"], Role.SPECIALIST)],
            )
        assert not User.objects.filter(username="can.bo.b").exists()

    def test_bad_officer_data_leaves_nothing(self, officers, agencies):
        with pytest.raises(ValidationError):
            actions.create_officer(
                officers["province_admin"],
                username="can.bo.moi",
                full_name="Tô Văn Bình",
                phone="0951234567",
                memberships=[(agencies["a"], Role.SPECIALIST)],
            )
        with pytest.raises(ValidationError):
            actions.create_officer(
                officers["province_admin"], username="x", full_name="Tô Văn Bình", memberships=[]
            )
        assert not User.objects.filter(username__in=["can.bo.moi", "x"]).exists()
        assert not Membership.objects.filter(user__username="can.bo.moi").exists()

    def test_add_and_end_membership(self, officers, agencies):
        officer = officers["officer_a"]
        added = actions.add_membership(officers["admin_a"], officer, agencies["a"], Role.LEADER)
        with pytest.raises(ValidationError) as exc:
            actions.add_membership(officers["admin_a"], officer, agencies["a"], Role.LEADER)
        assert "đã có vai trò này" in " ".join(exc.value.messages)
        with pytest.raises(PermissionDenied):
            actions.add_membership(officers["admin_a"], officer, agencies["b"], Role.LEADER)
        with pytest.raises(PermissionDenied):
            actions.add_membership(officers["admin_a"], officer, agencies["a"], Role.PROVINCE_ADMIN)
        with pytest.raises(PermissionDenied):
            actions.end_membership(officers["admin_a"], officers["officer_b"].memberships.get())

        ended = actions.end_membership(officers["admin_a"], added)
        assert ended.valid_to == TODAY()
        assert added in Membership.objects.active()  # today is its last day
        assert added not in Membership.objects.active(TODAY() + datetime.timedelta(days=1))
        with pytest.raises(ValidationError):
            actions.end_membership(officers["admin_a"], added)
        # Once it has ended, the same role can be given again.
        assert actions.add_membership(
            officers["admin_a"],
            officer,
            agencies["a"],
            Role.LEADER,
            valid_from=TODAY() + datetime.timedelta(days=1),
        )

    def test_citizens_hold_no_roles(self, officers, agencies, citizen):
        with pytest.raises(ValidationError):
            actions.add_membership(officers["province_admin"], citizen, agencies["a"], Role.SPECIALIST)

    def test_anonymous_cannot_manage(self, officers, agencies):
        with pytest.raises(PermissionDenied):
            actions.add_membership(AnonymousUser(), officers["officer_a"], agencies["a"], Role.LEADER)


def test_masked_cccd_and_display(citizen):
    assert mask_cccd("082095001245") == "0820******45"
    assert citizen.masked_cccd == "0871******34"
    assert str(citizen) == "Võ Thị Thu Trang (0871******34)"
    assert mask_cccd(None) == ""


def test_model_validation_uses_the_validators(citizen):
    citizen.tax_code = "0100109106001"
    citizen.phone = "84912345678"
    citizen.full_clean()
    assert citizen.tax_code == "0100109106-001"
    assert citizen.phone == "+84912345678"
    citizen.tax_code = "0100109107"
    with pytest.raises(ValidationError) as exc:
        citizen.full_clean()
    assert "chữ số kiểm tra" in exc.value.message_dict["tax_code"][0]


def test_create_superuser():
    admin = User.objects.create_superuser("quantri", "Mật-khẩu-quản-trị-2025")
    assert admin.is_superuser and admin.is_staff and admin.kind == "officer"
    assert admin.requires_second_factor


class TestAccountsTheDemoMakes:
    """The actions the demo loader makes its accounts with (issue 15, finding 1)."""

    def test_the_first_administrator_only_from_the_console_then_only_by_a_superuser(self, officers):
        first = actions.create_administrator(None, username="admin.tinh", full_name="Nguyễn Thành Công")
        assert first.is_superuser and first.is_staff and first.kind == "officer"
        entry = AuditEntry.objects.get(action="accounts.create_administrator", object_id=str(first.pk))
        assert entry.actor == first

        with pytest.raises(PermissionDenied):
            actions.create_administrator(None, username="admin.khac", full_name="Người Khác")
        with pytest.raises(PermissionDenied):  # a province administrator is no superuser
            actions.create_administrator(officers["province_admin"], username="admin.khac", full_name="Khác")
        second = actions.create_administrator(first, username="admin.hai", full_name="Lê Văn Hai")
        assert (
            AuditEntry.objects.get(action="accounts.create_administrator", object_id=str(second.pk)).actor
            == first
        )
        assert not User.objects.filter(username="admin.khac").exists()

    def test_a_business_registers_with_its_tax_code(self):
        business = actions.register_business(
            None, tax_code="0312345673", name="Công ty TNHH Sen Hồng", password=PASSWORD, email="a@sen.vn"
        )
        assert business.username == business.tax_code == "0312345673" and business.kind == "business"
        assert business.check_password(PASSWORD)
        assert AuditEntry.objects.get(action="accounts.register_business").actor == business
        with pytest.raises(ValidationError):
            actions.register_business(None, tax_code="12345", name="Sai mã", password=PASSWORD)
        with pytest.raises(ValidationError):
            actions.register_business(None, tax_code="0312345674", name="Không mật khẩu")
        assert User.objects.filter(kind="business").count() == 1

    def test_a_shared_hash_is_kept_as_given(self):
        user = register(password="", password_hash=make_password(PASSWORD))
        assert user.check_password(PASSWORD)

    def test_only_a_province_administrator_opens_the_admin_site_to_an_officer(self, officers, agencies):
        with pytest.raises(PermissionDenied):
            actions.create_officer(
                officers["admin_a"],
                username="quantri.phuong",
                full_name="Đỗ Văn Tư",
                memberships=[(agencies["desk_a"], Role.AGENCY_ADMIN)],
                staff=True,
            )
        assert not User.objects.filter(username="quantri.phuong").exists()
        officer = actions.create_officer(
            officers["province_admin"],
            username="quantri.phuong",
            full_name="Đỗ Văn Tư",
            memberships=[(agencies["desk_a"], Role.AGENCY_ADMIN)],
            staff=True,
        )
        assert officer.is_staff
        assert AuditEntry.objects.get(action="accounts.create_officer").data["staff"] is True


@pytest.mark.parametrize("actor", [None, AnonymousUser()], ids=["system", "anonymous"])
def test_nobody_signed_in_cannot_export_personal_data(citizen, actor):
    with pytest.raises(PermissionDenied):
        actions.export_personal_data(actor, citizen, "json")
    assert not AuditEntry.objects.filter(action="accounts.export_personal_data").exists()
