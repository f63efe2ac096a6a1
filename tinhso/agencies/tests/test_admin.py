import pytest

from tinhso.accounts.middleware import SECOND_FACTOR_SESSION_KEY
from tinhso.agencies.models import Agency
from tinhso.audit.services import history_for

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


def test_changelist_search_is_accent_insensitive_in_vietnamese(admin_client, tree):
    response = admin_client.get("/quan-tri/agencies/agency/", {"q": "so tu phap"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sở Tư pháp" in html
    assert "Ủy ban nhân dân phường Mỹ Tho" not in html
    assert "mã định danh điện tử" in html.lower()


def test_parent_autocomplete(admin_client, tree):
    response = admin_client.get(
        "/quan-tri/autocomplete/",
        {"term": "my tho", "app_label": "agencies", "model_name": "agency", "field_name": "parent"},
    )
    assert response.status_code == 200
    assert [item["text"] for item in response.json()["results"]] == [
        "Ủy ban nhân dân phường Mỹ Tho",
        "Bộ phận một cửa phường Mỹ Tho",
    ]


def test_adding_goes_through_the_action_and_its_validation(admin_client, tree, province):
    form = {
        "code": "000.00.22.H15",
        "name": "Sở Nội vụ",
        "short_name": "SNV",
        "kind": "department",
        "parent": tree["ubnd"].pk,
        "unit": province.pk,
        "valid_from": "01/07/2025",
        "email": "snv@dongthap.gov.vn",
    }
    response = admin_client.post("/quan-tri/agencies/agency/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    agency = Agency.objects.get(code="H15.22")
    assert history_for(agency).get().action == "agencies.create"

    form["code"] = "H15..23"
    response = admin_client.post("/quan-tri/agencies/agency/add/", form)
    assert response.status_code == 200
    assert "Mã định danh có nhóm trống" in response.content.decode()
    assert not Agency.objects.filter(name="Sở Nội vụ").exclude(pk=agency.pk).exists()


def test_changing_records_an_update(admin_client, tree, province):
    stp = tree["stp"]
    form = {
        "code": stp.code,
        "name": "Sở Tư pháp tỉnh Đồng Tháp",
        "short_name": "STP",
        "kind": "department",
        "parent": tree["ubnd"].pk,
        "unit": province.pk,
    }
    response = admin_client.post(f"/quan-tri/agencies/agency/{stp.pk}/change/", form)
    assert response.status_code == 302
    assert history_for(stp).get().data == {"name": ["Sở Tư pháp", "Sở Tư pháp tỉnh Đồng Tháp"]}
