"""Agencies (cơ quan, đơn vị): the province's People's Committee, its departments, the
public-administration service centres, commune People's Committees, one-stop desks and their
internal divisions, as a tree with validity dates and successors (agencies merge too).

The tree is kept in a materialised ``path`` ("/1/7/42/"): ``descendants()`` is one indexed
prefix query on PostgreSQL and SQLite alike, and moving an agency rewrites its subtree's paths.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tinhso.agencies.codes import MAX_LENGTH, InvalidAgencyCode, parse_agency_code
from tinhso.core.text import fold, nfc
from tinhso.units.validity import ValidityModel


class AgencyKind(models.TextChoices):
    PROVINCIAL_PC = "provincial_pc", _("provincial People's Committee")
    PC_OFFICE = "pc_office", _("office of the People's Committee")
    DEPARTMENT = "department", _("department")
    SERVICE_CENTRE = "service_centre", _("public-administration service centre")
    COMMUNE_PC = "commune_pc", _("commune People's Committee")
    ONE_STOP_DESK = "one_stop_desk", _("one-stop desk")
    DIVISION = "division", _("internal division")
    OTHER = "other", _("other")


class Agency(ValidityModel):
    code = models.CharField(
        _("electronic identifier code"),
        max_length=MAX_LENGTH,
        db_index=True,
        help_text=_(
            "Decision 20/2020/QĐ-TTg form, e.g. H15.50.05.13 (the old form 13.05.50.H15 is converted)."
        ),
    )
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    symbol = models.CharField(
        _("document symbol"),
        max_length=20,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-ZĐ0-9]+$", _("Use capital letters and digits only, without spaces, e.g. UBND.")
            )
        ],
        help_text=_(
            "The abbreviation in the symbols of the agency's documents, e.g. UBND or TTPVHCC "
            "(Decree 30/2020/NĐ-CP, Appendix I, I.3(b)); empty: the initials of its name."
        ),
    )
    name_folded = models.CharField(_("search key"), max_length=255, db_index=True, editable=False)
    kind = models.CharField(
        pgettext_lazy("agency", "kind"), max_length=20, choices=AgencyKind.choices, default=AgencyKind.OTHER
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    unit = models.ForeignKey(
        "units.AdministrativeUnit",
        verbose_name=_("administrative unit"),
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    is_demo_code = models.BooleanField(
        _("generated code"),
        default=False,
        help_text=_("The official code is not known; this one was generated and must be replaced."),
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    path = models.CharField(_("tree path"), max_length=255, db_index=True, editable=False, default="")

    class Meta(ValidityModel.Meta):
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def descendants(self, include_self: bool = True) -> models.QuerySet["Agency"]:
        """The subtree under this agency (all eras), as a queryset."""
        subtree = Agency.objects.filter(path__startswith=self.path)
        return subtree if include_self else subtree.exclude(pk=self.pk)

    def ancestors(self) -> list["Agency"]:
        ids = [int(part) for part in self.path.strip("/").split("/")[:-1] if part]
        by_id = Agency.objects.in_bulk(ids)
        return [by_id[pk] for pk in ids if pk in by_id]

    def is_own_subtree(self, agency_id: int) -> bool:
        """Whether ``agency_id`` is this agency or lies under it (by the stored paths)."""
        stored = dict(Agency.objects.filter(pk__in=[self.pk, agency_id]).values_list("pk", "path"))
        own_path = stored.get(self.pk)
        return bool(own_path) and stored.get(agency_id, "").startswith(own_path)

    def normalise(self) -> None:
        self.name = nfc(self.name)
        self.short_name = nfc(self.short_name)
        self.name_folded = fold(self.name)
        self.address = nfc(self.address)
        try:
            self.code = parse_agency_code(self.code).canonical
        except InvalidAgencyCode:
            self.code = nfc(self.code)

    def clean(self):
        self.normalise()
        errors: dict[str, list[str]] = {}
        try:
            parse_agency_code(self.code)
        except InvalidAgencyCode as exc:
            errors["code"] = [str(exc)]
        for field_name, messages in self.validity_errors().items():
            if field_name not in errors:
                errors[field_name] = messages
        if self.parent_id is not None and self.pk is not None and self.is_own_subtree(self.parent_id):
            errors.setdefault("parent", []).append(
                gettext("An agency cannot be placed under itself or one of its own sub-agencies.")
            )
        if errors:
            raise ValidationError(errors)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.normalise()
        with transaction.atomic():
            paths = Agency.objects.filter(pk__in=[pk for pk in (self.pk, self.parent_id) if pk is not None])
            stored = dict(paths.values_list("pk", "path"))
            old_path = stored.get(self.pk, "") if self.pk is not None else ""
            super().save(*args, **kwargs)
            parent_path = stored.get(self.parent_id, "/") if self.parent_id else "/"
            new_path = f"{parent_path}{self.pk}/"
            if new_path != old_path:
                Agency.objects.filter(pk=self.pk).update(path=new_path)
                if old_path:
                    Agency.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                        path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
                    )
            self.path = new_path
