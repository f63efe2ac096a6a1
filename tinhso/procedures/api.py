"""Procedures API: ``/api/v1/procedures/``. The catalogue is public; changes go through the admin."""

import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from tinhso.agencies.models import Agency
from tinhso.core.api import Pagination
from tinhso.core.text import format_money
from tinhso.procedures.models import Field as ProcedureField
from tinhso.procedures.models import Level, OnlineLevel, Procedure, TimeUnit
from tinhso.procedures.search import CatalogueEntry, fields_in_use, search_procedures

router = Router(tags=["procedures"])


class FieldOut(Schema):
    code: str
    name: str


class FieldWithCount(FieldOut):
    procedure_count: int = Field(description="Number of procedures in force in this field.")


class ProcessingTime(Schema):
    amount: int
    unit: TimeUnit
    text: str = Field(description="e.g. “3 ngày làm việc”.")
    note: str


class ProcedureSummary(Schema):
    code: str
    is_demo_code: bool = Field(description="True when the national code is not known and was generated.")
    name: str
    field: FieldOut
    level: Level
    online_level: OnlineLevel
    online_level_label: str
    processing_time: ProcessingTime
    is_free: bool

    @staticmethod
    def resolve_online_level_label(procedure: Procedure) -> str:
        return str(procedure.get_online_level_display())

    @staticmethod
    def resolve_processing_time(procedure: Procedure) -> dict[str, Any]:
        return {
            "amount": procedure.processing_time,
            "unit": procedure.processing_unit,
            "text": procedure.processing_time_display,
            "note": procedure.processing_note,
        }


class ProcedureAgencyOut(Schema):
    code: str
    name: str


class FeeOut(Schema):
    id: int = Field(description="Fee line id, for payment quantities and options.")
    name: str
    amount: int = Field(description="VND.")
    amount_text: str = Field(description="e.g. “200.000 đ”.")
    kind: str
    unit: str
    note: str


class RequiredDocumentOut(Schema):
    id: int = Field(description="Document component id, for a dossier's attachments.")
    name: str
    originals: int
    copies: int
    required: bool
    template_url: str | None
    note: str


class Submission(Schema):
    direct: bool
    online: bool
    postal: bool
    place: str


class ProcedureDetail(ProcedureSummary):
    legacy_online_level: int | None = Field(description="The old level 1–4, before Decree 42/2022.")
    agencies: list[ProcedureAgencyOut]
    implemented_by: list[str]
    applicants: str
    result_type: str
    result: str
    conditions: str
    legal_basis: list[str]
    submission: Submission
    fees: list[FeeOut]
    documents: list[RequiredDocumentOut]
    eform: dict[Any, Any] = Field(description="The e-form definition (schema in tinhso/procedures/eform.py).")
    note: str
    is_active: bool
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    updated_at: datetime.datetime

    @staticmethod
    def resolve_agencies(procedure: Procedure) -> list[Agency]:
        return list(procedure.agencies.all())

    @staticmethod
    def resolve_implemented_by(procedure: Procedure) -> list[str]:
        return procedure.implemented_by()

    @staticmethod
    def resolve_submission(procedure: Procedure) -> dict[str, Any]:
        return {
            "direct": procedure.submit_direct,
            "online": procedure.submit_online,
            "postal": procedure.submit_postal,
            "place": procedure.submission_place,
        }

    @staticmethod
    def resolve_fees(procedure: Procedure) -> list[dict[str, Any]]:
        return [
            {
                "id": fee.pk,
                "name": fee.name,
                "amount": fee.amount,
                "amount_text": format_money(fee.amount),
                "kind": fee.kind,
                "unit": fee.unit,
                "note": fee.note,
            }
            for fee in procedure.fees.all()
        ]

    @staticmethod
    def resolve_documents(procedure: Procedure, context: dict[str, Any]) -> list[dict[str, Any]]:
        request = context["request"]
        return [
            {
                "id": document.pk,
                "name": document.name,
                "originals": document.originals,
                "copies": document.copies,
                "required": document.is_required,
                "template_url": request.build_absolute_uri(
                    reverse("procedures:template", args=[procedure.code, document.pk])
                )
                if document.template
                else None,
                "note": document.note,
            }
            for document in procedure.documents.all()
        ]


class ProcedureFilters(Schema):
    q: str = Field(
        "", description="Words of the name (accents optional) or a code, e.g. “dang ky khai sinh”."
    )
    field: str | None = Field(None, description="Code of the field, e.g. ho-tich.")
    agency: str | None = Field(None, description="Code of an implementing agency, e.g. H20.04.")
    level: Level | None = None
    online_level: OnlineLevel | None = None


@router.get("/", response=list[ProcedureSummary], auth=None, summary="Search the catalogue")
@paginate(Pagination)
def list_procedures(request: HttpRequest, filters: Query[ProcedureFilters]) -> list[CatalogueEntry]:
    return search_procedures(
        filters.q,
        field=filters.field,
        agency=filters.agency,
        level=filters.level,
        online_level=filters.online_level,
    )


@router.get("/fields", response=list[FieldWithCount], auth=None, summary="Fields of procedures")
def list_fields(request: HttpRequest) -> list[ProcedureField]:
    return list(fields_in_use())


@router.get("/{code}", response=ProcedureDetail, auth=None, summary="One procedure in full")
def get_procedure(request: HttpRequest, code: str) -> Procedure:
    procedures = Procedure.objects.select_related("field").prefetch_related("agencies", "fees", "documents")
    return get_object_or_404(procedures, code=code)
