from django.core.paginator import Paginator
from django.shortcuts import render

from tinhso.units.forms import UnitSearchForm
from tinhso.units.services import units_matching


def search(request):
    form = UnitSearchForm(request.GET or None)
    page = None
    if form.is_valid():
        units = units_matching(form.cleaned_data["q"], level=form.cleaned_data["level"])
        page = Paginator(units, 50).get_page(request.GET.get("page"))
    return render(request, "units/search.html", {"form": form, "page": page})
