"""The open-data catalogue's writes. Each checks permission ("opendata.manage": the publishing
agency's administrators and leaders, and the province administrators), validates, and changes
the catalogue in one transaction with its audit entry and its ``Activity`` (the dataset's event,
read as CKAN's activity stream). The admin, the management command and the demo loader call these.

``refresh_dataset`` with no actor is the platform's own nightly refresh (``manage.py
refresh_open_data``)."""

import datetime
import hashlib
import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.accounts.permissions import Actor, require
from tinhso.agencies.models import Agency
from tinhso.audit.services import record
from tinhso.core.text import fold, nfc
from tinhso.opendata.models import (
    NAME_PATTERN,
    Activity,
    ActivityKind,
    Dataset,
    Frequency,
    License,
    Resource,
    Version,
)
from tinhso.opendata.sources import SOURCES

TITLE_MAX_LENGTH = 255
NOTES_MAX_LENGTH = 10_000
TAG_MAX_LENGTH = 50
TAGS_MAX = 20


def _activity(dataset: Dataset, kind: str, actor: Actor | None, data: dict[str, Any]) -> None:
    Activity.objects.create(
        dataset=dataset,
        kind=kind,
        at=timezone.now(),
        actor=actor if isinstance(actor, User) else None,
        data=data,
    )


def _metadata(dataset: Dataset) -> dict[str, Any]:
    return {
        "name": dataset.name,
        "title": dataset.title,
        "title_en": dataset.title_en,
        "notes": dataset.notes,
        "notes_en": dataset.notes_en,
        "organization": dataset.organization.code,
        "source": dataset.source,
        "license_id": dataset.license_id,
        "frequency": dataset.frequency,
        "tags": list(dataset.tags),
        "is_published": dataset.is_published,
    }


def _text(value: Any, limit: int, errors: dict, field: str, *, required: bool = False) -> str:
    text = nfc(value if isinstance(value, str) else "").strip()
    if required and not text:
        errors[field] = [_("This field is required.")]
    elif len(text) > limit:
        errors[field] = [_("Enter at most %(count)d characters.") % {"count": limit}]
    return text


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    """The metadata a person may set, checked and normalised; ValidationError names the fields."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    if "title" in fields:
        clean["title"] = _text(fields["title"], TITLE_MAX_LENGTH, errors, "title", required=True)
    for field in ("title_en",):
        if field in fields:
            clean[field] = _text(fields[field], TITLE_MAX_LENGTH, errors, field)
    for field in ("notes", "notes_en"):
        if field in fields:
            clean[field] = _text(fields[field], NOTES_MAX_LENGTH, errors, field)
    if "license_id" in fields:
        if fields["license_id"] not in License.values:
            errors["license_id"] = [_("Choose one of the licences offered.")]
        clean["license_id"] = fields["license_id"]
    if "frequency" in fields:
        if fields["frequency"] not in Frequency.values:
            errors["frequency"] = [_("Choose one of the update frequencies offered.")]
        clean["frequency"] = fields["frequency"]
    if "tags" in fields:
        raw = fields["tags"]
        tags = raw if isinstance(raw, list) and all(isinstance(tag, str) for tag in raw) else None
        tags = sorted({nfc(tag).strip() for tag in tags if tag.strip()}) if tags is not None else None
        if tags is None or len(tags) > TAGS_MAX or any(len(tag) > TAG_MAX_LENGTH for tag in tags):
            errors["tags"] = [
                _("Enter at most %(count)d keywords of at most %(length)d characters each.")
                % {"count": TAGS_MAX, "length": TAG_MAX_LENGTH}
            ]
        clean["tags"] = tags or []
    if errors:
        raise ValidationError(errors)
    return clean


def _fold(dataset: Dataset) -> None:
    dataset.title_folded = fold(f"{dataset.title} {dataset.title_en}")[:255]
    dataset.notes_folded = fold(f"{dataset.notes} {dataset.notes_en} {' '.join(dataset.tags)}")


def create_dataset(
    actor: Actor,
    *,
    organization: Agency,
    source: str,
    name: str,
    title: str,
    request: HttpRequest | None = None,
    **fields: Any,
) -> Dataset:
    """A new dataset of ``organization``, not yet published, with one resource: the source's
    table. ``fields``: title_en, notes, notes_en, license_id, frequency, tags."""
    require(actor, "opendata.manage", organization)
    errors: dict[str, list[str]] = {}
    if source not in SOURCES:
        errors["source"] = [_("Choose one of the sources offered.")]
    if not isinstance(name, str) or not re.fullmatch(NAME_PATTERN, name):
        errors["name"] = [
            _("Enter 2 to 100 lowercase letters without accents, digits, hyphens or underscores.")
        ]
    elif Dataset.objects.filter(name=name).exists():
        errors["name"] = [_("A dataset already has this address.")]
    try:
        clean = _clean({"title": title, **fields})
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        dataset = Dataset(
            name=name,
            organization=organization,
            source=source,
            created_at=now,
            modified_at=now,
            created_by=actor if isinstance(actor, User) else None,
            **clean,
        )
        _fold(dataset)
        dataset.save()
        with translation.override("vi"):
            resource_name = str(SOURCES[source].title)
        with translation.override("en"):
            resource_name_en = str(SOURCES[source].title)
        Resource.objects.create(dataset=dataset, name=resource_name, name_en=resource_name_en, position=0)
        after = _metadata(dataset)
        record(actor, "opendata.dataset_create", dataset, after, request, new=True)
        _activity(dataset, ActivityKind.CREATED, actor, after)
    return dataset


def update_dataset(
    actor: Actor, dataset: Dataset, request: HttpRequest | None = None, **fields: Any
) -> Dataset:
    """Change the description of a dataset (title, notes, licence, frequency, keywords); its
    address, agency and source never change."""
    require(actor, "opendata.manage", dataset.organization)
    clean = _clean(fields)
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().select_related("organization").get(pk=dataset.pk)
        before = _metadata(dataset)
        for field, value in clean.items():
            setattr(dataset, field, value)
        after = _metadata(dataset)
        changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        if not changes:
            return dataset
        dataset.modified_at = timezone.now()
        _fold(dataset)
        dataset.save()
        record(actor, "opendata.dataset_update", dataset, changes, request)
        _activity(dataset, ActivityKind.CHANGED, actor, changes)
    return dataset


def set_published(
    actor: Actor, dataset: Dataset, published: bool, request: HttpRequest | None = None
) -> Dataset:
    """Publish a dataset (it must hold data: refresh it first) or withdraw it from publication;
    a withdrawn dataset keeps its versions and can be published again."""
    require(actor, "opendata.manage", dataset.organization)
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().select_related("organization").get(pk=dataset.pk)
        if dataset.is_published == published:
            return dataset
        if published and not Version.objects.filter(resource__dataset=dataset).exists():
            raise ValidationError(_("The dataset holds no data yet: refresh it before publishing it."))
        dataset.is_published = published
        dataset.modified_at = timezone.now()
        dataset.save(update_fields=["is_published", "modified_at"])
        action = "opendata.dataset_publish" if published else "opendata.dataset_withdraw"
        record(actor, action, dataset, {"is_published": [not published, published]}, request)
        _activity(dataset, ActivityKind.PUBLISHED if published else ActivityKind.WITHDRAWN, actor, {})
    return dataset


def _digest(fields: list[dict], records: list[list]) -> str:
    body = json.dumps([fields, records], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def refresh_dataset(
    actor: Actor | None,
    dataset: Dataset,
    today: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> list[Version]:
    """Rebuild each resource of ``dataset`` from its source and keep a new version of those whose
    content changed; returns the new versions (none when nothing changed). The dataset's row is
    locked meanwhile, so two refreshes at once cannot both number a version."""
    if actor is not None:
        require(actor, "opendata.manage", dataset.organization)
    today = today or timezone.localdate()
    source = SOURCES[dataset.source]
    fields = [column.as_field() for column in source.columns]
    created = []
    with transaction.atomic():
        dataset = Dataset.objects.select_for_update().select_related("organization").get(pk=dataset.pk)
        with translation.override("vi"):  # the data is Vietnamese whoever asks for the refresh
            records = source.build(dataset.organization, today)
        digest = _digest(fields, records)
        now = timezone.now()
        for resource in dataset.resources.all():
            latest = resource.versions.order_by("-number").first()
            if latest is not None and latest.sha256 == digest:
                continue
            version = Version.objects.create(
                resource=resource,
                number=latest.number + 1 if latest else 1,
                created_at=now,
                fields=fields,
                records=records,
                row_count=len(records),
                sha256=digest,
            )
            created.append(version)
        if created:
            dataset.modified_at = now
            dataset.save(update_fields=["modified_at"])
            summary = [
                {"resource": str(v.resource.uuid), "version": v.number, "rows": v.row_count} for v in created
            ]
            record(actor, "opendata.dataset_refresh", dataset, {"versions": summary}, request)
            _activity(dataset, ActivityKind.NEW_VERSION, actor, {"versions": summary})
    return created


def refresh_all(today: datetime.date | None = None) -> int:
    """The nightly refresh of every dataset, published or not; the number of new versions."""
    return sum(len(refresh_dataset(None, dataset, today)) for dataset in Dataset.objects.order_by("pk"))
