"""Business actions on the catalogue: each checks permission, writes in one transaction and
records the audit entry. The admin and the management commands go through these."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from tinhso.accounts.permissions import Actor, require
from tinhso.audit.services import record
from tinhso.procedures.catalogue import Catalogue, procedure_record, save_catalogue
from tinhso.procedures.models import BoundaryFreeList, Procedure


def import_catalogue(
    actor: Actor, catalogue: Catalogue, source: str = "", request: HttpRequest | None = None
) -> list[tuple[Procedure, bool]]:
    """Write a checked catalogue (``tinhso.procedures.catalogue.read_catalogue``) all at once:
    procedures are created or updated by code; procedures not in the file are left alone.
    ``actor`` None is the system (management commands)."""
    if actor is not None:
        require(actor, "procedures.change")
    with transaction.atomic():
        saved = save_catalogue(catalogue)
        for procedure, created in saved:
            action = "procedures.import_create" if created else "procedures.import_update"
            record(actor, action, procedure, changes={"source": source}, request=request)
    return saved


def record_admin_save(
    actor: Actor, procedure: Procedure, created: bool, request: HttpRequest | None = None
) -> None:
    """Audit a procedure saved through the admin, with its fees and documents as saved.

    The admin saves the procedure and its inlines inside its own transaction; this is called
    last in that transaction, after ``require(actor, "procedures.change")`` was checked by the
    admin's permission methods."""
    require(actor, "procedures.change", procedure)
    action = "procedures.create" if created else "procedures.update"
    record(actor, action, procedure, changes=procedure_record(procedure), request=request)


def _list_record(boundary_list: BoundaryFreeList) -> dict[str, Any]:
    return {
        "scope": boundary_list.scope,
        "number": boundary_list.number,
        "signed_on": boundary_list.signed_on,
        "issuer": boundary_list.issuer,
        "valid_from": boundary_list.valid_from,
        "valid_to": boundary_list.valid_to,
        "at_provincial_centre": boundary_list.at_provincial_centre,
        "procedures": sorted({procedure.code for procedure in boundary_list.procedures.all()}),
    }


def save_boundary_free_list(
    actor: Actor,
    boundary_list: BoundaryFreeList,
    procedures: Iterable[Procedure],
    request: HttpRequest | None = None,
) -> BoundaryFreeList:
    """Publish or change a list of procedures received regardless of administrative boundary
    (``BoundaryFreeList``): the deciding document, its validity and the procedures it names.
    Province administrators only; refused, with nothing saved, when the document is incomplete
    or no procedure is listed. To end a list, set its last day (``valid_to``)."""
    require(actor, "procedures.change", boundary_list)
    boundary_list.full_clean(exclude=["procedures"])
    procedures = list(procedures)
    if not procedures:
        raise ValidationError({"procedures": [_("List at least one procedure.")]})
    created = boundary_list.pk is None
    with transaction.atomic():
        boundary_list.save()
        boundary_list.procedures.set(procedures)
        action = (
            "procedures.publish_boundary_free_list" if created else "procedures.change_boundary_free_list"
        )
        record(actor, action, boundary_list, changes=_list_record(boundary_list), request=request)
    return boundary_list
