"""Feedback pages in English carry no Vietnamese but the people's own data; Vietnamese ones no English."""

import pytest
from django.contrib.auth import get_user_model

from tinhso.agencies.models import Agency
from tinhso.core.tests.test_translations import ALWAYS_VIETNAMESE, assert_no_vietnamese, english, visible_text
from tinhso.feedback.models import Category, Report
from tinhso.units.models import AdministrativeUnit


def data_texts() -> tuple[str, ...]:
    """Every name and text people or the demo typed: they stay as they were written."""
    texts = [*ALWAYS_VIETNAMESE]
    texts += [u.name for u in AdministrativeUnit.objects.all()]
    texts += [a.name for a in Agency.objects.all()]
    texts += [u.full_name for u in get_user_model().objects.all()]
    for category in Category.objects.all():
        texts += [category.name, category.group]
        texts += [a["description"] for a in category.attributes]
        texts += [v["name"] for a in category.attributes for v in a.get("values", [])]
    for report in Report.objects.all():
        texts += [report.description, report.public_description, report.address]
        texts += [answer.text for answer in report.answers.all()]
    return tuple(sorted({t for t in texts if t}, key=len, reverse=True))


@pytest.mark.parametrize("path", ["/phan-anh/", "/phan-anh/gui/", "/phan-anh/cua-toi/", "detail"])
def test_citizen_pages_in_english(client, place, answered, login, path):
    login(client, place["citizen"])
    url = f"/phan-anh/{answered.code}/" if path == "detail" else path
    response = english(client).get(url)
    assert response.status_code == 200
    assert_no_vietnamese(response.content.decode(), data_texts())


@pytest.mark.parametrize(
    "user, path",
    [
        ("router", "/phan-anh/can-bo/dieu-phoi/"),
        ("router", "officer_detail"),
        ("officer", "/phan-anh/can-bo/co-quan/"),
        ("leader", "/phan-anh/can-bo/phe-duyet/"),
        ("router", "/phan-anh/can-bo/tong-dai/"),
    ],
)
def test_officer_pages_in_english(client, place, submit, login, user, path):
    report = submit()
    login(client, place[user])
    url = f"/phan-anh/can-bo/{report.code}/" if path == "officer_detail" else path
    response = english(client).get(url)
    assert response.status_code == 200
    assert_no_vietnamese(response.content.decode(), data_texts())


def test_the_english_description_hint_is_english(client, place):
    page = english(client).get("/phan-anh/gui/").content.decode()
    assert "At most 4000 characters." in page and "Tối đa" not in page
    assert "Location data in the photo is removed." in page


def test_the_vietnamese_form_is_vietnamese(client, place):
    page = visible_text(client.get("/phan-anh/gui/").content.decode())
    assert "Tối đa 4000 ký tự." in page
    assert "Dữ liệu vị trí trong ảnh sẽ được xóa." in page
    assert "Location data" not in page and "These open reports" not in page
