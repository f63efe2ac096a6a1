import pytest

from tinhso.accounts.actions import issue_api_token, revoke_api_token
from tinhso.accounts.models import ApiToken, Membership, Role, User
from tinhso.audit.models import AuditEntry

from .conftest import current_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, officers):
    """The province administrator, signed in with password and TOTP, on the admin site."""
    import pyotp

    secret = pyotp.random_base32()
    User.objects.filter(pk=officers["province_admin"].pk).update(
        is_staff=True, totp_secret=secret, totp_confirmed_at="2025-07-01T00:00:00Z"
    )
    client.post("/tai-khoan/dang-nhap/", {"username": "quantri.tinh", "password": "Sen-hồng-Tháp-Mười-2025"})
    client.post("/tai-khoan/xac-thuc-hai-buoc/", {"code": current_code(secret)})
    return client


def test_province_admin_manages_officers_and_roles_in_vietnamese(admin_client, officers, agencies):
    page = admin_client.get("/quan-tri/accounts/user/")
    assert page.status_code == 200
    assert "Nguyễn Văn An" in page.content.decode()
    officer = officers["officer_a"]
    change = admin_client.get(f"/quan-tri/accounts/user/{officer.pk}/change/")
    assert "Số căn cước công dân (CCCD)" in change.content.decode()

    data = {
        "username": officer.username,
        "kind": "officer",
        "full_name": "Nguyễn Văn An",
        "cccd": "087095001234",
        "gender": "female",  # 0 = a man born in the 20th century
        "phone": "0912 345 678",
        "is_active": "on",
        "date_joined_0": "01/07/2025",
        "date_joined_1": "08:00:00",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-0-id": str(officer.memberships.get().pk),
        "memberships-0-user": str(officer.pk),
        "memberships-0-agency": str(agencies["desk_a"].pk),
        "memberships-0-role": Role.ONE_STOP_OFFICER,
        "memberships-0-valid_from": "01/07/2025",
        "memberships-1-TOTAL_FORMS": "0",
    }
    refused = admin_client.post(f"/quan-tri/accounts/user/{officer.pk}/change/", data)
    assert refused.status_code == 200
    assert "Chữ số giới tính của số căn cước công dân không khớp" in refused.content.decode()
    officer.refresh_from_db()
    assert officer.cccd is None

    data["gender"] = "male"
    saved = admin_client.post(f"/quan-tri/accounts/user/{officer.pk}/change/", data)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    officer.refresh_from_db()
    assert officer.cccd == "087095001234" and officer.phone == "+84912345678"
    assert AuditEntry.objects.filter(action="accounts.admin_change", object_id=str(officer.pk)).exists()


def test_agency_admin_and_officers_have_no_access_to_account_admin(client, officers):
    import pyotp

    secret = pyotp.random_base32()
    User.objects.filter(pk=officers["admin_a"].pk).update(
        is_staff=True, totp_secret=secret, totp_confirmed_at="2025-07-01T00:00:00Z"
    )
    client.post("/tai-khoan/dang-nhap/", {"username": "quantri.mytho", "password": "Sen-hồng-Tháp-Mười-2025"})
    client.post("/tai-khoan/xac-thuc-hai-buoc/", {"code": current_code(secret)})
    assert client.get("/quan-tri/accounts/user/").status_code == 403
    assert client.get("/quan-tri/accounts/membership/").status_code == 403
    assert Membership.objects.count() == 4


def test_revoking_tokens_in_the_admin_goes_through_the_action(admin_client, officers):
    officer = officers["officer_a"]
    _clear, live = issue_api_token(officer, "máy chủ tích hợp")
    _clear, revoked = issue_api_token(officer, "cũ")
    revoke_api_token(officer, revoked)
    revoked.refresh_from_db()
    revoked_at = revoked.revoked_at

    page = admin_client.post(
        "/quan-tri/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [live.pk, revoked.pk]},
        follow=True,
    )

    assert page.status_code == 200
    assert "Đã thu hồi 1 mã truy cập." in page.content.decode()
    live.refresh_from_db()
    assert live.revoked_at is not None
    assert ApiToken.objects.get(pk=revoked.pk).revoked_at == revoked_at
    entries = AuditEntry.objects.filter(action="accounts.revoke_api_token").order_by("pk")
    assert [(entry.object_id, entry.actor_id) for entry in entries] == [
        (str(revoked.pk), officer.pk),
        (str(live.pk), officers["province_admin"].pk),
    ]


def officer_page_data(officer, **memberships):
    data = {
        "username": officer.username,
        "kind": "officer",
        "full_name": officer.full_name,
        "is_active": "on",
        "date_joined_0": "01/07/2025",
        "date_joined_1": "08:00:00",
        "memberships-INITIAL_FORMS": "0",
        "memberships-TOTAL_FORMS": "0",
    }
    data.update(memberships)
    return data


def test_the_membership_inline_adds_changes_and_deletes_through_the_actions(admin_client, officers, agencies):
    officer = officers["officer_a"]
    existing = officer.memberships.get()
    data = officer_page_data(
        officer,
        **{
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": str(existing.pk),
            "memberships-0-user": str(officer.pk),
            "memberships-0-agency": str(agencies["desk_a"].pk),
            "memberships-0-role": Role.ONE_STOP_OFFICER,
            "memberships-0-valid_from": "01/07/2025",
            "memberships-0-valid_to": "31/12/2026",
            "memberships-1-user": str(officer.pk),
            "memberships-1-agency": str(agencies["b"].pk),
            "memberships-1-role": Role.SPECIALIST,
            "memberships-1-valid_from": "01/01/2027",
        },
    )
    saved = admin_client.post(f"/quan-tri/accounts/user/{officer.pk}/change/", data)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    added = officer.memberships.get(agency=agencies["b"])
    assert added.role == Role.SPECIALIST and added.valid_from.isoformat() == "2027-01-01"
    entry = AuditEntry.objects.get(action="accounts.add_membership", object_id=str(added.pk))
    assert entry.data["agency"] == "H22.51"
    change = AuditEntry.objects.get(action="accounts.change_membership", object_id=str(existing.pk))
    assert change.data == {"valid_to": [None, "2026-12-31"]}

    data.update(
        {
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "2",
            "memberships-0-valid_to": "31/12/2026",
            "memberships-1-id": str(added.pk),
            "memberships-1-DELETE": "on",
        }
    )
    deleted = admin_client.post(f"/quan-tri/accounts/user/{officer.pk}/change/", data)
    assert deleted.status_code == 302, deleted.content.decode()[:3000]
    assert list(officer.memberships.values_list("pk", flat=True)) == [existing.pk]
    removal = AuditEntry.objects.get(action="accounts.delete_membership")
    assert removal.object_id == str(officer.pk) and removal.data["agency"] == "H22.51"
    assert AuditEntry.objects.filter(action="accounts.change_membership").count() == 1


def test_the_membership_inline_refuses_a_role_for_a_citizen(admin_client, officers, agencies, citizen):
    data = officer_page_data(
        citizen,
        **{
            "kind": "citizen",
            "cccd": citizen.cccd,
            "gender": "female",
            "date_of_birth": "08/03/1995",
            "phone": "0912 345 678",
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-user": str(citizen.pk),
            "memberships-0-agency": str(agencies["desk_a"].pk),
            "memberships-0-role": Role.ONE_STOP_OFFICER,
            "memberships-0-valid_from": "01/07/2025",
        },
    )
    refused = admin_client.post(f"/quan-tri/accounts/user/{citizen.pk}/change/", data)
    assert refused.status_code == 200
    assert "Chỉ tài khoản cán bộ mới được giao vai trò tại cơ quan." in refused.content.decode()
    assert not citizen.memberships.exists()
    assert not AuditEntry.objects.filter(action__contains="membership").exists()


def test_the_membership_admin_refuses_a_citizen_and_adds_an_officer_through_the_action(
    admin_client, officers, agencies, citizen
):
    form = {"agency": str(agencies["b"].pk), "role": Role.SPECIALIST, "valid_from": "01/07/2025"}
    refused = admin_client.post("/quan-tri/accounts/membership/add/", {**form, "user": str(citizen.pk)})
    assert refused.status_code == 200
    assert "Chỉ tài khoản cán bộ mới được giao vai trò tại cơ quan." in refused.content.decode()
    assert not citizen.memberships.exists()

    officer = officers["officer_a"]
    added = admin_client.post("/quan-tri/accounts/membership/add/", {**form, "user": str(officer.pk)})
    assert added.status_code == 302
    membership = officer.memberships.get(agency=agencies["b"])
    assert AuditEntry.objects.filter(action="accounts.add_membership", object_id=str(membership.pk)).exists()
    assert not AuditEntry.objects.filter(action="accounts.admin_create").exists()
