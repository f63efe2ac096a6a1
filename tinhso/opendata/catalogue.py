"""The published catalogue as the CKAN API, DCAT and the pages all read it: which datasets are
public, a dataset as CKAN's package dictionary, an agency as a CKAN organisation."""

import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse

from tinhso.agencies.models import Agency
from tinhso.opendata.models import LICENSE_URLS, Dataset, License, Resource, Version


def published() -> QuerySet[Dataset]:
    """The public datasets with their agency, resources and the resources' versions (newest
    first, without their rows)."""
    return (
        Dataset.objects.filter(is_published=True)
        .select_related("organization")
        .prefetch_related(
            Prefetch(
                "resources",
                queryset=Resource.objects.prefetch_related(
                    Prefetch("versions", queryset=Version.objects.defer("records").order_by("-number"))
                ),
            )
        )
    )


def latest(resource: Resource) -> Version | None:
    """The newest version of a resource fetched by ``published``."""
    versions = list(resource.versions.all())
    return versions[0] if versions else None


def ckan_time(moment: datetime.datetime) -> str:
    """CKAN's timestamps: UTC without a zone, with microseconds."""
    return moment.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def organization_name(agency: Agency) -> str:
    """The agency's CKAN name: its electronic code in lowercase with dots as hyphens (CKAN names
    allow only a-z, 0-9, - and _)."""
    return agency.code.lower().replace(".", "-")


def organization_dict(agency: Agency) -> dict[str, Any]:
    return {
        "id": agency.code,
        "name": organization_name(agency),
        "title": agency.name,
        "display_name": agency.name,
        "description": "",
        "image_url": "",
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "created": ckan_time(datetime.datetime.combine(agency.valid_from, datetime.time(), datetime.UTC))
        if agency.valid_from
        else None,
    }


def csv_url(site: str, dataset: Dataset, version: Version) -> str:
    return site + reverse("opendata:csv", args=[dataset.name, version.resource.uuid, version.number])


def resource_dict(resource: Resource, dataset: Dataset, site: str) -> dict[str, Any]:
    version = latest(resource)
    return {
        "id": str(resource.uuid),
        "package_id": str(dataset.uuid),
        "name": resource.name,
        "description": resource.description,
        "format": "CSV",
        "mimetype": "text/csv",
        "url": csv_url(site, dataset, version) if version else "",
        "url_type": None,
        "datastore_active": version is not None,
        "position": resource.position,
        "state": "active",
        "created": ckan_time(dataset.created_at),
        "last_modified": ckan_time(version.created_at) if version else None,
        "hash": version.sha256 if version else "",
        "version": version.number if version else None,
        "row_count": version.row_count if version else 0,
    }


def package_dict(dataset: Dataset, site: str) -> dict[str, Any]:
    """A dataset read through ``published``, as CKAN's ``package_show`` answers it."""
    organization = organization_dict(dataset.organization)
    extras = {
        "title_en": dataset.title_en,
        "notes_en": dataset.notes_en,
        "frequency": dataset.frequency,
        "language": "vi",
        "source": dataset.source,
    }
    resources = [resource_dict(resource, dataset, site) for resource in dataset.resources.all()]
    return {
        "id": str(dataset.uuid),
        "name": dataset.name,
        "title": dataset.title,
        "notes": dataset.notes,
        "url": site + reverse("opendata:dataset", args=[dataset.name]),
        "type": "dataset",
        "state": "active",
        "private": False,
        "isopen": True,
        "license_id": dataset.license_id,
        "license_title": str(License(dataset.license_id).label),
        "license_url": LICENSE_URLS[License(dataset.license_id)],
        "author": dataset.organization.name,
        "author_email": dataset.organization.email,
        "maintainer": dataset.organization.name,
        "maintainer_email": dataset.organization.email,
        "owner_org": organization["id"],
        "organization": organization,
        "metadata_created": ckan_time(dataset.created_at),
        "metadata_modified": ckan_time(dataset.modified_at),
        "tags": [
            {"name": tag, "display_name": tag, "state": "active", "vocabulary_id": None}
            for tag in dataset.tags
        ],
        "num_tags": len(dataset.tags),
        "groups": [],
        "extras": [{"key": key, "value": value} for key, value in extras.items()],
        "resources": resources,
        "num_resources": len(resources),
    }
