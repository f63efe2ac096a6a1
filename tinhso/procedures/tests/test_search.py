import unicodedata

import pytest
from django.db import connection, transaction

from tinhso.agencies.models import Agency
from tinhso.procedures.models import Fee, Field, Level, OnlineLevel, Procedure
from tinhso.procedures.search import fields_in_use, search_procedures


def codes(queryset):
    return [procedure.code for procedure in queryset]


@pytest.mark.parametrize(
    "query",
    [
        "Đăng ký khai sinh",
        "dang ky khai sinh",
        "DANG KY KHAI SINH",
        "khai sinh dang ky",
        "  đăng   ký  khai sinh ",
    ],
)
def test_accent_insensitive_search(catalogue, query):
    found = codes(search_procedures(query))
    assert found[0] == "1.001193"
    assert "1.004884" in found  # Đăng ký lại khai sinh


def test_nfd_input_finds_the_same(catalogue):
    nfd = unicodedata.normalize("NFD", "giấy phép xây dựng")
    assert codes(search_procedures(nfd)) == codes(search_procedures("giay phep xay dung"))
    assert set(codes(search_procedures(nfd))) == {"1.013225", "1.013236"}


def test_ranking_puts_names_starting_with_the_query_first(catalogue):
    found = search_procedures("khai sinh")
    ranks = [
        (not procedure.name_folded.startswith("khai sinh"), "khai sinh" not in procedure.name_folded)
        for procedure in found
    ]
    assert ranks == sorted(ranks)
    # "Đăng ký khai sinh" contains the phrase; the liên thông procedure has the words too.
    assert found[0].name.startswith("Đăng ký khai sinh")
    starting = list(search_procedures("chứng thực"))
    assert starting[0].name_folded.startswith("chung thuc")


def test_search_by_code(catalogue):
    assert codes(search_procedures("1.001193")) == ["1.001193"]
    assert set(codes(search_procedures("DT-01"))) >= {"DT-010", "DT-011"}


def test_no_match(catalogue):
    assert codes(search_procedures("hộ chiếu phổ thông")) == []


def test_filters(catalogue, agencies):
    civil = codes(search_procedures(field="ho-tich"))
    assert len(civil) == 9
    assert codes(search_procedures(agency="H20.04")) == sorted(
        codes(Procedure.objects.filter(agencies__code="H20.04")),
        key=lambda code: Procedure.objects.get(code=code).name_folded,
    )
    # A commune People's Committee (or its one-stop desk) implements every commune procedure.
    commune = set(codes(search_procedures(level=Level.COMMUNE)))
    assert set(codes(search_procedures(agency=agencies["Phường Mỹ Tho"]))) == commune
    assert set(codes(search_procedures(agency="H20.202.01"))) == commune
    assert codes(search_procedures(agency="H99")) == []
    full = search_procedures(online_level=OnlineLevel.FULL)
    assert full and {procedure.online_level for procedure in full} == {OnlineLevel.FULL}
    combined = codes(
        search_procedures("khai", field="ho-tich", level=Level.COMMUNE, online_level=OnlineLevel.FULL)
    )
    assert "1.001193" in combined and "1.004884" not in combined


def test_procedures_not_in_force_are_not_listed(catalogue):
    Procedure.objects.filter(code="1.001193").update(is_active=False)
    assert "1.001193" not in codes(search_procedures("khai sinh"))
    counts = {field.code: field.procedure_count for field in fields_in_use()}
    assert counts["ho-tich"] == 8


def test_an_unchanged_catalogue_costs_one_small_query(catalogue, django_assert_num_queries):
    search_procedures("dang ky")
    with django_assert_num_queries(1):
        search_procedures("dang ky", field="ho-tich", level=Level.COMMUNE)


def test_every_kind_of_catalogue_change_is_seen(catalogue, agencies):
    birth = "1.001193"
    assert not search_procedures(birth)[0].is_free
    Fee.objects.filter(procedure__code=birth).delete()
    assert search_procedures(birth)[0].is_free
    Field.objects.filter(code="ho-tich").update(name="Hộ tịch (sửa)")
    assert search_procedures(birth)[0].field.name == "Hộ tịch (sửa)"
    department = Agency.objects.get(code="H20.04")
    assert birth not in codes(search_procedures(agency=department))
    Procedure.objects.get(code=birth).agencies.add(department)
    assert birth in codes(search_procedures(agency=department))
    Procedure.objects.filter(code=birth).update(
        name="Đăng ký khai sinh cho trẻ em", name_folded="dang ky khai sinh cho tre em"
    )
    assert codes(search_procedures("khai sinh cho trẻ em"))[0] == birth


def test_a_rolled_back_change_is_not_kept(catalogue):
    with pytest.raises(RuntimeError), transaction.atomic():
        Procedure.objects.filter(code="1.001193").update(is_active=False)
        assert "1.001193" not in codes(search_procedures("khai sinh"))
        raise RuntimeError
    assert "1.001193" in codes(search_procedures("khai sinh"))


def test_postgresql_has_a_trigram_index_on_the_folded_name(db):
    if connection.vendor != "postgresql":
        pytest.skip("the trigram index exists on PostgreSQL only")
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "procedures_procedure")
    index = constraints["procedures_procedure_name_folded_trgm"]
    assert index["columns"] == ["name_folded"]
    assert index["type"] == "gin"
