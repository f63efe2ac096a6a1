"""The catalogue in the administration: an agency's administrator sees and creates only their
agency's datasets, through the actions."""

import pytest

from tinhso.accounts.middleware import SECOND_FACTOR_SESSION_KEY
from tinhso.audit.models import AuditEntry
from tinhso.opendata.models import Dataset

pytestmark = pytest.mark.django_db


def staff(client, user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    session = client.session
    session[SECOND_FACTOR_SESSION_KEY] = user.pk
    session.save()
    return client


def test_an_agency_administrator_sees_and_creates_only_their_agencys_datasets(
    client, published, people, province
):
    admin = staff(client, people["ward_admin"])
    listing = admin.get("/quan-tri/opendata/dataset/").content.decode()
    assert "ho-so-phuong-my-tho" in listing and "thu-tuc-hanh-chinh" not in listing
    other = published["thu-tuc-hanh-chinh"]
    assert admin.get(f"/quan-tri/opendata/dataset/{other.pk}/change/").status_code in {302, 403, 404}
    form = admin.get("/quan-tri/opendata/dataset/add/").content.decode()
    assert (
        "Trung tâm Phục vụ hành chính công phường Mỹ Tho" in form
        and "Ủy ban nhân dân tỉnh Đồng Tháp" not in form
    )
    fields = {
        "source": "agencies",
        "name": "danh-ba-my-tho",
        "title": "Danh bạ phường Mỹ Tho",
        "license_id": "cc-by",
        "frequency": "DAILY",
        "tags": "danh bạ, điện thoại",
    }
    refused = admin.post(
        "/quan-tri/opendata/dataset/add/", {**fields, "organization": province["agencies"]["province"].pk}
    )
    assert refused.status_code == 200 and not Dataset.objects.filter(name="danh-ba-my-tho").exists()
    created = admin.post(
        "/quan-tri/opendata/dataset/add/", {**fields, "organization": province["agencies"]["my_tho"].pk}
    )
    assert created.status_code == 302
    dataset = Dataset.objects.get(name="danh-ba-my-tho")
    assert dataset.tags == ["danh bạ", "điện thoại"] and dataset.resources.count() == 1
    assert AuditEntry.objects.filter(action="opendata.dataset_create", object_id=str(dataset.pk)).exists()


def test_citizens_and_desk_officers_do_not_reach_it(client, published, people):
    for person in (people["ward_officer"], people["citizen"]):
        assert staff(client, person).get("/quan-tri/opendata/dataset/").status_code in {302, 403}
