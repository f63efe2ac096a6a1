"""The open-data catalogue: datasets published by the province's agencies, each built from the
platform's own records by a source (``tinhso.opendata.sources``) and kept as numbered, immutable
versions: a refresh that changes nothing adds no version, and every earlier version stays
downloadable. The catalogue is read as CKAN's Action API (``ckan.py``), as DCAT (``dcat.py``) and
as pages at ``/du-lieu-mo/``.

The ``uuid`` fields are the identifiers CKAN clients see (``id``); ``name`` is the dataset's
address, unique and never reused."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

NAME_PATTERN = r"^[a-z0-9_-]{2,100}$"


class License(models.TextChoices):
    """Licences from CKAN's default list (their ids are what CKAN clients and harvesters expect)."""

    CC_BY = "cc-by", _("Creative Commons Attribution 4.0")
    CC_ZERO = "cc-zero", _("Creative Commons CC0 (public domain)")
    ODC_BY = "odc-by", _("Open Data Commons Attribution License")
    ODC_ODBL = "odc-odbl", _("Open Data Commons Open Database License")


LICENSE_URLS = {
    License.CC_BY: "https://creativecommons.org/licenses/by/4.0/",
    License.CC_ZERO: "https://creativecommons.org/publicdomain/zero/1.0/",
    License.ODC_BY: "https://opendatacommons.org/licenses/by/1-0/",
    License.ODC_ODBL: "https://opendatacommons.org/licenses/odbl/1-0/",
}


class Frequency(models.TextChoices):
    """How often a dataset is refreshed; the values are the EU frequency vocabulary's codes."""

    DAILY = "DAILY", _("daily")
    WEEKLY = "WEEKLY", _("weekly")
    MONTHLY = "MONTHLY", _("monthly")


class Dataset(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(
        _("address"),
        max_length=100,
        unique=True,
        validators=[RegexValidator(NAME_PATTERN)],
        help_text=_("2 to 100 lowercase letters without accents, digits, - or _; never changes."),
    )
    title = models.CharField(_("title"), max_length=255)
    title_en = models.CharField(_("title in English"), max_length=255, blank=True)
    title_folded = models.CharField(max_length=255, editable=False, default="")
    notes = models.TextField(_("description"), blank=True)
    notes_en = models.TextField(_("description in English"), blank=True)
    notes_folded = models.TextField(editable=False, default="")
    organization = models.ForeignKey(
        "agencies.Agency", verbose_name=_("publishing agency"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=40)
    license_id = models.CharField(_("licence"), max_length=20, choices=License.choices, default=License.CC_BY)
    frequency = models.CharField(
        _("update frequency"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    tags = models.JSONField(_("keywords"), default=list, blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created at"))
    modified_at = models.DateTimeField(_("last changed"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        ordering = ["name"]
        indexes = [models.Index(fields=["is_published", "modified_at"], name="opendata_dataset_modified")]

    def __str__(self) -> str:
        return self.title


class Resource(models.Model):
    """One table of a dataset, as a CSV file and a queryable table (CKAN's DataStore)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(_("name"), max_length=255)
    name_en = models.CharField(_("name in English"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["dataset", "position", "pk"]

    def __str__(self) -> str:
        return self.name


class Version(models.Model):
    """One refresh of a resource whose content changed: its columns (the data dictionary) and
    rows, never changed once written."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("created at"))
    fields = models.JSONField()
    records = models.JSONField()
    row_count = models.PositiveIntegerField(_("rows"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        ordering = ["resource", "-number"]
        constraints = [models.UniqueConstraint(fields=["resource", "number"], name="opendata_version_number")]

    def __str__(self) -> str:
        return f"{self.resource_id} v{self.number}"


class ActivityKind(models.TextChoices):
    CREATED = "created", _("created")
    CHANGED = "changed", _("description changed")
    PUBLISHED = "published", _("published")
    WITHDRAWN = "withdrawn", _("withdrawn from publication")
    NEW_VERSION = "new_version", _("new version of the data")


class Activity(models.Model):
    """What happened to a dataset (CKAN's activity stream), written by the actions."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=12, choices=ActivityKind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("dataset activity")
        verbose_name_plural = _("dataset activities")
        ordering = ["dataset", "-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.dataset_id} {self.kind}"
