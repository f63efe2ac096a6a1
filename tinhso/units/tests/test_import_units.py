import datetime
import io
import time

import pytest
from django.core.management import CommandError, call_command

from tinhso.units.models import AdministrativeUnit, DivisionType, Level

pytestmark = pytest.mark.django_db


def run(*args, **options):
    out = io.StringIO()
    call_command("import_units", *args, stdout=out, **options)
    return out.getvalue()


def test_full_import_loads_34_provinces_and_3321_communes_quickly():
    started = time.monotonic()
    run()
    elapsed = time.monotonic() - started
    assert AdministrativeUnit.objects.filter(level=Level.PROVINCE).count() == 34
    assert AdministrativeUnit.objects.filter(level=Level.COMMUNE).count() == 3321
    assert elapsed < 20
    dong_thap = AdministrativeUnit.objects.get(code="82")
    assert dong_thap.name == "Tỉnh Đồng Tháp"
    assert dong_thap.division_type == DivisionType.PROVINCE
    assert dong_thap.valid_from == datetime.date(2025, 7, 1)
    assert dong_thap.valid_to is None
    hanoi = AdministrativeUnit.objects.get(code="01")
    assert hanoi.name == "Thành phố Hà Nội"
    assert hanoi.division_type == DivisionType.CENTRAL_CITY
    my_tho = AdministrativeUnit.objects.get(code="28261")
    assert my_tho.name == "Phường Mỹ Tho"
    assert my_tho.name_folded == "phuong my tho"
    assert my_tho.division_type == DivisionType.WARD
    assert my_tho.parent == dong_thap
    assert AdministrativeUnit.objects.filter(division_type=DivisionType.SPECIAL_ZONE).exists()


def test_import_is_idempotent_and_repairs_names():
    run(province="82")
    count = AdministrativeUnit.objects.count()
    AdministrativeUnit.objects.filter(code="28261").update(
        name="Phuong sai ten", name_folded="phuong sai ten"
    )
    run(province="82")
    assert AdministrativeUnit.objects.count() == count
    assert AdministrativeUnit.objects.get(code="28261").name == "Phường Mỹ Tho"


def test_province_option_loads_all_provinces_but_one_provinces_communes():
    run(province="82")
    assert AdministrativeUnit.objects.filter(level=Level.PROVINCE).count() == 34
    communes = AdministrativeUnit.objects.filter(level=Level.COMMUNE)
    assert communes.count() == 102
    assert set(communes.values_list("parent__code", flat=True)) == {"82"}


def test_unknown_province_is_refused():
    with pytest.raises(CommandError, match="83"):
        run(province="83")
    assert not AdministrativeUnit.objects.exists()
