"""Validity periods and successor links, shared by administrative units and agencies.

A record is valid from ``valid_from`` to ``valid_to`` inclusive; an empty bound is open
(``valid_from`` empty: since before the platform's records; ``valid_to`` empty: still valid).
When a unit or agency is merged or replaced, it gets an end date and a ``successor`` that
starts after it ends. The same code may be reused in another era, but two records with the
same code may never be valid on the same day.
"""

import datetime
from typing import Self

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tinhso.core.text import format_date


def today() -> datetime.date:
    return timezone.localdate()


def valid_on_q(on: datetime.date, prefix: str = "") -> Q:
    """A filter for records valid on ``on`` (``prefix`` e.g. "parent__" for related rows)."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": on})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on})
    )


class ValidityQuerySet(models.QuerySet):
    def valid_on(self, on: datetime.date | None = None) -> Self:
        return self.filter(valid_on_q(on or today()))

    def overlapping(self, valid_from: datetime.date | None, valid_to: datetime.date | None):
        """Records whose period shares at least one day with [valid_from, valid_to]."""
        query = Q()
        if valid_to is not None:
            query &= Q(valid_from__isnull=True) | Q(valid_from__lte=valid_to)
        if valid_from is not None:
            query &= Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
        return self.filter(query)


def format_period(valid_from: datetime.date | None, valid_to: datetime.date | None) -> str:
    start = format_date(valid_from) if valid_from else "…"
    end = format_date(valid_to) if valid_to else "…"
    return f"{start} – {end}"


class ValidityModel(models.Model):
    """Abstract base: ``code`` + validity period + successor, with the rules checked in ``clean``."""

    code: str
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
    )

    objects = ValidityQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["code", "valid_from"],
                name="%(app_label)s_%(class)s_code_valid_from_unique",
                violation_error_message=_("A record with this code and start date already exists."),
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(valid_from__isnull=True),
                name="%(app_label)s_%(class)s_code_open_start_unique",
                violation_error_message=_("A record with this code and no start date already exists."),
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="%(app_label)s_%(class)s_valid_to_after_valid_from",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(successor__isnull=True) | ~Q(successor=F("id")),
                name="%(app_label)s_%(class)s_not_own_successor",
                violation_error_message=_("A record cannot be its own successor."),
            ),
            models.CheckConstraint(
                condition=Q(successor__isnull=True) | Q(valid_to__isnull=False),
                name="%(app_label)s_%(class)s_successor_needs_end",
                violation_error_message=_("Only a record with an end date can have a successor."),
            ),
        ]

    def is_valid_on(self, on: datetime.date | None = None) -> bool:
        on = on or today()
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )

    @property
    def period(self) -> str:
        return format_period(self.valid_from, self.valid_to)

    def validity_errors(self) -> dict[str, list[str]]:
        """The validity and successor rules, as field → messages (empty when all is well)."""
        errors: dict[str, list[str]] = {}
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            errors.setdefault("valid_to", []).append(gettext("The end date cannot be before the start date."))
        successor = self.successor if self.successor_id else None
        if successor is not None:
            if self.pk is not None and successor.pk == self.pk:
                errors.setdefault("successor", []).append(gettext("A record cannot be its own successor."))
            elif self.valid_to is None:
                errors.setdefault("successor", []).append(
                    gettext("Only a record with an end date can have a successor.")
                )
            elif successor.valid_from is None or successor.valid_from <= self.valid_to:
                errors.setdefault("successor", []).append(
                    gettext("The successor must start after this one ends (after %(date)s).")
                    % {"date": format_date(self.valid_to)}
                )
        if self.code and "valid_to" not in errors:
            clash = (
                type(self)
                .objects.filter(code=self.code)
                .exclude(pk=self.pk)
                .overlapping(self.valid_from, self.valid_to)
                .first()
            )
            if clash is not None:
                errors.setdefault("code", []).append(
                    gettext(
                        "Code %(code)s is already used by “%(name)s” in an overlapping period (%(period)s)."
                    )
                    % {"code": self.code, "name": str(clash), "period": clash.period}
                )
        return errors


def resolve_chain(record, on: datetime.date | None = None):
    """Follow successor links from ``record`` to the record valid on ``on`` (default today).

    Returns None when the chain ends without a record valid on that date; raises ValueError
    on a cycle (which the rules above forbid, but data imported elsewhere might contain).
    """
    on = on or today()
    seen: set[int] = set()
    current = record
    while current is not None:
        if current.is_valid_on(on):
            return current
        if current.pk in seen:
            raise ValueError(
                gettext("The successor links of “%(name)s” form a cycle.") % {"name": str(record)}
            )
        seen.add(current.pk)
        current = current.successor
    return None


def raise_if_errors(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)
