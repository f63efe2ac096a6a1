"""Business actions on the catalogue: each checks permission, writes in one transaction and
records the audit entry. The admin and the management commands go through these."""

from django.db import transaction
from django.http import HttpRequest

from tinhso.accounts.permissions import Actor, require
from tinhso.audit.services import record
from tinhso.procedures.catalogue import Catalogue, procedure_record, save_catalogue
from tinhso.procedures.models import Procedure


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
