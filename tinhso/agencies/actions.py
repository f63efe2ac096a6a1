"""Business actions on agencies: each checks permission, validates, saves in one transaction
and writes the audit entry. Views, the API and the admin all go through these."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from tinhso.agencies.models import Agency
from tinhso.audit.services import record
from tinhso.core.permissions import Actor, require
from tinhso.core.text import format_date

EDITABLE_FIELDS = [
    "code",
    "name",
    "short_name",
    "symbol",
    "kind",
    "parent",
    "unit",
    "valid_from",
    "valid_to",
    "successor",
    "is_demo_code",
    "email",
    "phone",
    "address",
]


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be set here.")] for name in unknown})


def _snapshot(agency: Agency) -> dict[str, Any]:
    """Field values as audit data: foreign keys as the related code."""
    values = {}
    for name in EDITABLE_FIELDS:
        value = getattr(agency, name)
        values[name] = value.code if hasattr(value, "code") else value
    return values


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {name: [before[name], after[name]] for name in EDITABLE_FIELDS if before[name] != after[name]}


def demo_code_under(parent: Agency) -> str:
    """The first free code one level under ``parent``, for an agency whose official code is not known."""
    taken = set(Agency.objects.filter(code__startswith=f"{parent.code}.").values_list("code", flat=True))
    number = 1
    while f"{parent.code}.{number:02d}" in taken:
        number += 1
    return f"{parent.code}.{number:02d}"


def create_agency(actor: Actor, request: HttpRequest | None = None, **fields: Any) -> Agency:
    """Create an agency; the actor needs "agencies.change" on the parent (top level: province admin).

    Without a code, an agency under a parent gets a generated one, flagged ``is_demo_code``.
    """
    _check_fields(fields)
    agency = Agency(**fields)
    require(actor, "agencies.change", agency.parent if agency.parent_id else None)
    if not agency.code and agency.parent is not None:
        agency.code = demo_code_under(agency.parent)
        agency.is_demo_code = True
    agency.full_clean()
    with transaction.atomic():
        agency.save()
        record(actor, "agencies.create", agency, changes=_snapshot(agency), request=request)
    return agency


def update_agency(actor: Actor, agency: Agency, request: HttpRequest | None = None, **fields: Any) -> Agency:
    """Change an agency's fields; moving it needs "agencies.change" on the new parent too."""
    _check_fields(fields)
    with transaction.atomic():
        stored = Agency.objects.select_for_update().get(pk=agency.pk)
        require(actor, "agencies.change", stored)
        before = _snapshot(stored)
        for name, value in fields.items():
            setattr(agency, name, value)
        if agency.parent_id != stored.parent_id:
            require(actor, "agencies.change", agency.parent if agency.parent_id else None)
        agency.full_clean()
        agency.save()
        changes = _diff(before, _snapshot(agency))
        if changes:
            record(actor, "agencies.update", agency, changes=changes, request=request)
    return agency


def close_agency(
    actor: Actor,
    agency: Agency,
    valid_to: datetime.date,
    successor: Agency | None = None,
    request: HttpRequest | None = None,
) -> Agency:
    """End an agency on ``valid_to`` (its last day), optionally naming the agency that takes over."""
    with transaction.atomic():
        stored = Agency.objects.select_for_update().get(pk=agency.pk)
        require(actor, "agencies.change", stored)
        if stored.valid_to is not None:
            raise ValidationError(
                {
                    "valid_to": [
                        _("This agency already ended on %(date)s.") % {"date": format_date(stored.valid_to)}
                    ]
                }
            )
        before = _snapshot(stored)
        agency.valid_to = valid_to
        agency.successor = successor
        agency.full_clean()
        agency.save()
        record(actor, "agencies.close", agency, changes=_diff(before, _snapshot(agency)), request=request)
    return agency
