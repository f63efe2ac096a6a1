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
