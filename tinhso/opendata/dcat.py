"""The published catalogue in DCAT (W3C Data Catalog Vocabulary, version 3), the format the
national and European open-data portals harvest: the catalogue at ``/du-lieu-mo/catalog.<fmt>``
in pages of ``PAGE_SIZE`` datasets (Hydra's ``PagedCollection``, as ckanext-dcat pages it), one
dataset at ``/du-lieu-mo/<name>.<fmt>``; Turtle, RDF/XML or JSON-LD. Languages, file types and
frequencies are named by the EU Publications Office's authority URIs, as DCAT-AP expects."""

import math

from django.urls import reverse
from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF

from tinhso.opendata import catalogue
from tinhso.opendata.models import LICENSE_URLS, Dataset, License

PAGE_SIZE = 100
FORMATS = {
    "ttl": ("turtle", "text/turtle"),
    "rdf": ("xml", "application/rdf+xml"),
    "jsonld": ("json-ld", "application/ld+json"),
}
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
AUTHORITY = "http://publications.europa.eu/resource/authority/"
VIETNAMESE = URIRef(AUTHORITY + "language/VIE")
CSV = URIRef(AUTHORITY + "file-type/CSV")


def _graph() -> Graph:
    graph = Graph()
    graph.bind("dcat", DCAT)
    graph.bind("dct", DCTERMS)
    graph.bind("foaf", FOAF)
    graph.bind("hydra", HYDRA)
    return graph


def _dataset(graph: Graph, dataset: Dataset, site: str) -> URIRef:
    package = catalogue.package_dict(dataset, site)
    subject = URIRef(package["url"])
    graph.add((subject, RDF.type, DCAT.Dataset))
    graph.add((subject, DCTERMS.identifier, Literal(package["id"])))
    graph.add((subject, DCTERMS.title, Literal(dataset.title, lang="vi")))
    if dataset.title_en:
        graph.add((subject, DCTERMS.title, Literal(dataset.title_en, lang="en")))
    if dataset.notes:
        graph.add((subject, DCTERMS.description, Literal(dataset.notes, lang="vi")))
    if dataset.notes_en:
        graph.add((subject, DCTERMS.description, Literal(dataset.notes_en, lang="en")))
    for tag in dataset.tags:
        graph.add((subject, DCAT.keyword, Literal(tag, lang="vi")))
    publisher = URIRef(f"{site}/du-lieu-mo/?organization={package['organization']['name']}")
    graph.add((subject, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Organization))
    graph.add((publisher, FOAF.name, Literal(dataset.organization.name, lang="vi")))
    graph.add((publisher, DCTERMS.identifier, Literal(dataset.organization.code)))
    graph.add((subject, DCTERMS.issued, Literal(dataset.created_at, datatype=XSD.dateTime)))
    graph.add((subject, DCTERMS.modified, Literal(dataset.modified_at, datatype=XSD.dateTime)))
    graph.add((subject, DCTERMS.accrualPeriodicity, URIRef(AUTHORITY + "frequency/" + dataset.frequency)))
    graph.add((subject, DCTERMS.language, VIETNAMESE))
    graph.add((subject, DCAT.landingPage, subject))
    licence = URIRef(LICENSE_URLS[License(dataset.license_id)])
    for resource in package["resources"]:
        if not resource["url"]:
            continue
        distribution = URIRef(f"{package['url']}#{resource['id']}")
        graph.add((subject, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCTERMS.identifier, Literal(resource["id"])))
        graph.add((distribution, DCTERMS.title, Literal(resource["name"], lang="vi")))
        graph.add((distribution, DCAT.accessURL, subject))
        graph.add((distribution, DCAT.downloadURL, URIRef(resource["url"])))
        graph.add((distribution, DCTERMS.format, CSV))
        graph.add(
            (distribution, DCAT.mediaType, URIRef("https://www.iana.org/assignments/media-types/text/csv"))
        )
        graph.add((distribution, DCTERMS.license, licence))
        graph.add(
            (distribution, DCTERMS.modified, Literal(resource["last_modified"] + "Z", datatype=XSD.dateTime))
        )
    return subject


def catalog(site: str, page: int) -> Graph | None:
    """A page of the catalogue (1-based); None past the last page."""
    datasets = catalogue.published().order_by("-modified_at", "pk")
    total = datasets.count()
    last = max(1, math.ceil(total / PAGE_SIZE))
    if page < 1 or page > last:
        return None
    graph = _graph()
    subject = URIRef(site + reverse("opendata:index"))
    graph.add((subject, RDF.type, DCAT.Catalog))
    graph.add((subject, DCTERMS.title, Literal("Dữ liệu mở", lang="vi")))
    graph.add((subject, DCTERMS.title, Literal("Open data", lang="en")))
    graph.add((subject, DCTERMS.language, VIETNAMESE))
    graph.add((subject, FOAF.homepage, URIRef(site + "/")))
    for dataset in datasets[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
        graph.add((subject, DCAT.dataset, _dataset(graph, dataset, site)))
    if total > PAGE_SIZE:
        base = site + reverse("opendata:catalog", args=["ttl"])
        paging = URIRef(f"{base}?page={page}")
        graph.add((paging, RDF.type, HYDRA.PagedCollection))
        graph.add((paging, HYDRA.totalItems, Literal(total)))
        graph.add((paging, HYDRA.itemsPerPage, Literal(PAGE_SIZE)))
        graph.add((paging, HYDRA.firstPage, URIRef(f"{base}?page=1")))
        graph.add((paging, HYDRA.lastPage, URIRef(f"{base}?page={last}")))
        if page < last:
            graph.add((paging, HYDRA.nextPage, URIRef(f"{base}?page={page + 1}")))
        if page > 1:
            graph.add((paging, HYDRA.previousPage, URIRef(f"{base}?page={page - 1}")))
    return graph


def dataset_graph(dataset: Dataset, site: str) -> Graph:
    graph = _graph()
    _dataset(graph, dataset, site)
    return graph
