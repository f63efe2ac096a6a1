from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify

from tinhso.procedures.blank_form import declaration, declaration_pdf
from tinhso.procedures.forms import CatalogueSearchForm
from tinhso.procedures.models import BoundaryFreeList, Procedure, ReceptionScope, RequiredDocument
from tinhso.procedures.search import search_procedures

PAGE_SIZE = 20


def catalogue(request):
    form = CatalogueSearchForm(request.GET or None)
    page = None
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        procedures = search_procedures(
            data.get("q", ""),
            field=data.get("field") or None,
            agency=data.get("agency") or None,
            level=data.get("level") or None,
            online_level=data.get("online_level") or None,
        )
        page = Paginator(procedures, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "procedures/catalogue.html", {"form": form, "page": page, "query": query.urlencode()}
    )


def detail(request, code):
    procedures = Procedure.objects.select_related("field").prefetch_related("agencies", "fees", "documents")
    procedure = get_object_or_404(procedures, code=code)
    in_force = Procedure.objects.current().filter(pk=procedure.pk).exists()
    return render(
        request,
        "procedures/detail.html",
        {"procedure": procedure, "in_force": in_force, "declaration": declaration(procedure)},
    )


def template(request, code, pk):
    """The blank template of a required document, as a download."""
    document = get_object_or_404(RequiredDocument, pk=pk, procedure__code=code)
    if not document.template:
        raise Http404
    return FileResponse(document.template.open("rb"), as_attachment=True)


def boundary_free(request):
    """The lists in force of procedures received regardless of administrative boundary: the
    province's and the nationwide one (none published yet: the page says so)."""
    lists = BoundaryFreeList.objects.in_force().prefetch_related("procedures")
    return render(
        request,
        "procedures/boundary_free.html",
        {
            "province_lists": [item for item in lists if item.scope == ReceptionScope.PROVINCE],
            "nationwide_lists": [item for item in lists if item.scope == ReceptionScope.NATIONWIDE],
        },
    )


def blank_declaration(request, code):
    """The procedure's blank declaration (PDF, A4) drawn from its e-form, to print and fill by hand."""
    procedure = get_object_or_404(Procedure.objects.prefetch_related("agencies", "documents"), code=code)
    pdf = declaration_pdf(procedure)
    if pdf is None:
        raise Http404
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="to-khai-{slugify(code)}.pdf"'
    return response
