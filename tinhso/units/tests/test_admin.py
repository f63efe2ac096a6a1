import pytest

from tinhso.accounts.middleware import SECOND_FACTOR_SESSION_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        username="quan.tri", password="Mật-khẩu-dài-2025", full_name="Võ Thị Quản Trị"
    )
    client.force_login(user)
    session = client.session
    session[SECOND_FACTOR_SESSION_KEY] = user.pk
    session.save()
    return client


def test_changelist_searches_code_and_folded_name(admin_client, legacy_sample):
    html = admin_client.get("/quan-tri/units/administrativeunit/", {"q": "dong thap"}).content.decode()
    assert "Tỉnh Đồng Tháp" in html
    assert "Phường Mỹ Tho" not in html
    html = admin_client.get("/quan-tri/units/administrativeunit/", {"q": "28264"}).content.decode()
    assert "Phường 2" in html


def test_validity_and_level_filters(admin_client, legacy_sample):
    html = admin_client.get(
        "/quan-tri/units/administrativeunit/", {"validity": "ended", "level": "2"}
    ).content.decode()
    assert "Thành phố Mỹ Tho" in html
    assert "Phường Mỹ Tho" not in html
    assert "Đã chấm dứt" in html
