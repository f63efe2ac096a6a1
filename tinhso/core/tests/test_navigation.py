"""The header shows each navigation link only to who can use it (issue 20): the administration
link only to those the administration site lets in with something to manage."""

import pytest

from tinhso import testing as factories
from tinhso.accounts.models import Role, User
from tinhso.testing import signed_in

pytestmark = pytest.mark.django_db

ADMIN_LINK = 'href="/quan-tri/"'


@pytest.fixture
def catalogue(demo_catalogue):
    return demo_catalogue


def test_a_staff_officer_without_admin_permissions_sees_no_admin_link(client, catalogue):
    user = factories.make_officer(catalogue["agencies"]["my_tho"], "vanthu.mytho", Role.DOCUMENT_CLERK)
    User.objects.filter(pk=user.pk).update(is_staff=True)
    user.refresh_from_db()
    signed_in(client, user)
    home = client.get("/").content.decode()
    answer = client.get("/quan-tri/").content.decode()
    # Without any model permission the administration site has nothing for them: no link to it.
    assert "Bạn không có quyền xem hoặc chỉnh sửa bất cứ gì." in answer
    assert ADMIN_LINK not in home


def test_an_agency_admin_finds_their_open_datasets_in_the_administration(client, catalogue):
    user = factories.make_officer(catalogue["agencies"]["my_tho"], "quantri.mytho", Role.AGENCY_ADMIN)
    User.objects.filter(pk=user.pk).update(is_staff=True)
    user.refresh_from_db()
    signed_in(client, user)
    assert ADMIN_LINK in client.get("/").content.decode()
    assert "/quan-tri/opendata/dataset/" in client.get("/quan-tri/").content.decode()


def test_a_province_admin_sees_the_admin_link_and_it_opens(client, catalogue):
    user = User.objects.create_superuser("admin.tinh", factories.PASSWORD, full_name="Nguyễn Thành Công")
    signed_in(client, user)
    assert ADMIN_LINK in client.get("/").content.decode()
    assert client.get("/quan-tri/").status_code == 200


def test_a_citizen_and_a_one_stop_officer_see_no_admin_link(client, catalogue):
    for user in (
        factories.make_citizen(),
        factories.make_officer(catalogue["agencies"]["my_tho"]),
    ):
        assert ADMIN_LINK not in signed_in(client, user).get("/").content.decode()
