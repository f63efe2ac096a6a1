"""The pages at /du-lieu-mo/, the CSV downloads and the DCAT catalogue."""

import csv
import io

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import DCAT, DCTERMS, RDF

from tinhso import testing as factories
from tinhso.opendata import actions, dcat
from tinhso.opendata.models import Dataset, Version
from tinhso.opendata.tests.conftest import TODAY
from tinhso.procedures.models import Procedure
from tinhso.testing import signed_in

pytestmark = pytest.mark.django_db


def test_anyone_finds_a_dataset_without_accents_and_reads_its_dictionary_and_first_rows(client, published):
    page = client.get("/du-lieu-mo/", {"q": "giai quyet ho so"}).content.decode()
    assert "Tình hình giải quyết hồ sơ theo tháng" in page and "Danh bạ cơ quan" not in page
    assert "Hồ sơ phường Mỹ Tho" not in client.get("/du-lieu-mo/").content.decode()
    by_agency = client.get("/du-lieu-mo/", {"organization": "h20"}).content.decode()
    assert by_agency.count('href="/du-lieu-mo/') >= 3
    page = client.get("/du-lieu-mo/ho-so-theo-thang/").content.decode()
    assert "Hồ sơ tiếp nhận" in page and "<code>tiep_nhan</code>" in page
    assert '<td data-label="Loại">số nguyên</td>' in page  # a column's type in words
    assert "Trung tâm Phục vụ hành chính công phường Cao Lãnh" in page
    assert 'type="text/turtle"' in page
    assert "Làm mới dữ liệu" not in page


def test_the_csv_opens_in_a_spreadsheet_with_its_vietnamese_and_every_version_stays(
    client, published, rollups
):
    dataset = published["ho-so-theo-thang"]
    resource = dataset.resources.get()
    response = client.get(f"/du-lieu-mo/ho-so-theo-thang/{resource.uuid}/v1.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="ho-so-theo-thang-v1.csv"' in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0][:3] == ["thang", "ma_co_quan", "ten_co_quan"]
    assert rows[1][:4] == ["2026-11", "H20.201.01", "Trung tâm Phục vụ hành chính công phường Mỹ Tho", "17"]
    assert client.get(f"/du-lieu-mo/ho-so-theo-thang/{resource.uuid}/v2.csv").status_code == 404
    ward = published["ward"]
    ward_resource = ward.resources.get()
    assert client.get(f"/du-lieu-mo/{ward.name}/{ward_resource.uuid}/v1.csv").status_code == 404


def test_an_unpublished_dataset_is_seen_only_by_its_managers_who_publish_it_here(client, published, people):
    assert client.get("/du-lieu-mo/ho-so-phuong-my-tho/").status_code == 404
    for outsider in (people["ward_officer"], people["citizen"]):
        signed_in(client, outsider)
        assert client.get("/du-lieu-mo/ho-so-phuong-my-tho/").status_code == 404
        assert client.post("/du-lieu-mo/ho-so-phuong-my-tho/publish/").status_code == 404
        assert client.post("/du-lieu-mo/ho-so-theo-thang/withdraw/").status_code == 403
    assert not Dataset.objects.get(name="ho-so-phuong-my-tho").is_published
    assert Dataset.objects.get(name="ho-so-theo-thang").is_published
    manager = signed_in(client, people["ward_admin"])
    listing = manager.get("/du-lieu-mo/").content.decode()
    assert "Chưa công bố" in listing and "Hồ sơ phường Mỹ Tho" in listing
    page = manager.get("/du-lieu-mo/ho-so-phuong-my-tho/").content.decode()
    assert "Làm mới dữ liệu" in page and "Công bố" in page
    assert manager.get("/du-lieu-mo/ho-so-phuong-my-tho/publish/").status_code == 405
    response = manager.post("/du-lieu-mo/ho-so-phuong-my-tho/publish/", follow=True)
    assert "Bộ dữ liệu đã được công bố." in response.content.decode()
    assert Dataset.objects.get(name="ho-so-phuong-my-tho").is_published
    response = manager.post("/du-lieu-mo/ho-so-phuong-my-tho/refresh/", follow=True)
    assert "Dữ liệu không thay đổi" in response.content.decode()
    assert manager.post("/du-lieu-mo/ho-so-phuong-my-tho/delete/").status_code == 404


def test_the_english_page_names_the_columns_in_english(client, published):
    client.cookies["django_language"] = "en"
    page = client.get("/du-lieu-mo/ho-so-theo-thang/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Dossiers</h1>" in page and "Dossiers received" in page


def test_the_dcat_catalogue_describes_each_published_dataset(client, published, monkeypatch):
    graph = Graph().parse(data=client.get("/du-lieu-mo/catalog.ttl").content, format="turtle")
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 3
    subject = next(s for s in datasets if str(s).endswith("/du-lieu-mo/ho-so-theo-thang/"))
    assert Literal("Tình hình giải quyết hồ sơ theo tháng", lang="vi") in set(
        graph.objects(subject, DCTERMS.title)
    )
    [distribution] = graph.objects(subject, DCAT.distribution)
    assert str(graph.value(distribution, DCAT.downloadURL)).endswith("/v1.csv")
    assert graph.value(distribution, DCTERMS.format) == dcat.CSV
    for fmt in ("rdf", "jsonld"):
        other = Graph().parse(
            data=client.get(f"/du-lieu-mo/catalog.{fmt}").content,
            format={"rdf": "xml", "jsonld": "json-ld"}[fmt],
        )
        assert len(set(other.subjects(RDF.type, DCAT.Dataset))) == 3
    single = Graph().parse(data=client.get("/du-lieu-mo/ho-so-theo-thang.ttl").content, format="turtle")
    assert len(set(single.subjects(RDF.type, DCAT.Dataset))) == 1
    assert client.get("/du-lieu-mo/ho-so-phuong-my-tho.ttl").status_code == 404
    monkeypatch.setattr(dcat, "PAGE_SIZE", 2)
    first = Graph().parse(data=client.get("/du-lieu-mo/catalog.ttl").content, format="turtle")
    assert len(set(first.subjects(RDF.type, DCAT.Dataset))) == 2
    assert next(first.objects(None, dcat.HYDRA.totalItems)).toPython() == 3
    assert str(next(first.objects(None, dcat.HYDRA.nextPage))).endswith("?page=2")
    second = Graph().parse(data=client.get("/du-lieu-mo/catalog.ttl?page=2").content, format="turtle")
    assert len(set(second.subjects(RDF.type, DCAT.Dataset))) == 1
    assert client.get("/du-lieu-mo/catalog.ttl?page=3").status_code == 404
    assert client.get("/du-lieu-mo/catalog.ttl?page=abc").status_code == 404


def test_the_nightly_command_refreshes_every_dataset(published, rollups):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("refresh_open_data", stdout=out)
    assert Version.objects.count() >= 4
    factories.make_procedure(code="1.000001")
    call_command("refresh_open_data", stdout=out)
    assert "new version" in out.getvalue()


def test_a_version_shows_what_it_changed_from_the_one_before(client, published, people, procedure):
    dataset = published["thu-tuc-hanh-chinh"]
    resource = dataset.resources.get()
    Procedure.objects.filter(pk=procedure.pk).update(processing_time=5)
    factories.make_procedure(code="1.000894")
    Procedure.objects.filter(code="1.000894").get().agencies.add(procedure.agencies.first())
    actions.refresh_dataset(people["admin"], dataset, TODAY)
    page = client.get(f"/du-lieu-mo/thu-tuc-hanh-chinh/{resource.uuid}/v2/thay-doi/").content.decode()
    assert "Phiên bản 2 thay đổi gì" in page
    assert "1.001193</strong>: Thời hạn giải quyết 3 → 5" in page
    assert "<td>1.000894</td>" in page
    listing = client.get("/du-lieu-mo/thu-tuc-hanh-chinh/").content.decode()
    assert f"/du-lieu-mo/thu-tuc-hanh-chinh/{resource.uuid}/v2/thay-doi/" in listing
    assert client.get(f"/du-lieu-mo/thu-tuc-hanh-chinh/{resource.uuid}/v1/thay-doi/").status_code == 404
    assert client.get(f"/du-lieu-mo/thu-tuc-hanh-chinh/{resource.uuid}/v3/thay-doi/").status_code == 404
    ward = published["ward"]
    assert client.get(f"/du-lieu-mo/{ward.name}/{ward.resources.get().uuid}/v2/thay-doi/").status_code == 404
