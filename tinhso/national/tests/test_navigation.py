"""The administrator's pages of the integration area in the back office's navigation: the
gateway's operations, the webhooks, the national portal sync; only for those who may open them."""

import pytest

from tinhso import testing as factories
from tinhso.accounts.models import Role

pytestmark = pytest.mark.django_db

LINKS = {
    "/lien-thong/van-hanh/": "Vận hành chia sẻ dữ liệu",
    "/su-kien/webhook/": "Webhook",
    "/ket-noi-quoc-gia/cong-dvc-quoc-gia/": "Đồng bộ Cổng DVC quốc gia",
}


def test_the_province_administrator_finds_the_pages_and_each_opens(province, signed_in):
    admin = factories.make_officer(province["agencies"]["province"], "quantri.tinh", Role.PROVINCE_ADMIN)
    client = signed_in(admin)
    page = client.get("/mot-cua/").content.decode()
    for url, label in LINKS.items():
        assert f'<a href="{url}">{label}</a>' in page
        assert client.get(url).status_code == 200


def test_an_officer_who_may_not_open_them_does_not_see_them(officer, signed_in):
    client = signed_in(officer)
    page = client.get("/mot-cua/").content.decode()
    for url in LINKS:
        assert url not in page
        assert client.get(url).status_code in (403, 404)
