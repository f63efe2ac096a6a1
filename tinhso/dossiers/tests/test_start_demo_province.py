"""Starting a commune procedure on the demo's real Đồng Tháp (102 commune one-stop desks), not a
miniature province: the choice of desk must offer every desk and accept one (issue 20, finding 1)."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from tinhso import testing as factories
from tinhso.agencies.models import AgencyKind
from tinhso.dossiers import actions
from tinhso.dossiers.forms import StartForm
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.tests.test_boundary_free import (
    check_received_procedures,
)
from tinhso.procedures.models import Procedure

pytestmark = pytest.mark.django_db


def build_demo() -> dict:
    agencies = factories.make_demo_agencies()
    call_command("load_procedures", stdout=io.StringIO())
    return agencies


@pytest.fixture
@factories.keep(build_demo)
def demo(db):
    """The demo's agencies and catalogue, written once per worker."""
    return factories.kept_rows("demo")


@pytest.fixture
def signed_in(client, citizen):
    client.force_login(citizen)
    return client


def test_each_agency_of_the_demo_receives_the_procedures_that_name_it(demo):
    """The counter page's list (``received_procedures``) is ``receiving_agencies`` read the other
    way for every agency of the demo province and its catalogue."""
    assert check_received_procedures() > 102


def test_a_form_with_many_desks_offers_each_of_them(demo):
    desks = actions.receiving_agencies(Procedure.objects.current().get(code="1.001193"))
    assert desks.count() == 102 and {desk.kind for desk in desks} == {AgencyKind.ONE_STOP_DESK}
    form = StartForm(agencies=desks)
    options = [str(label) for value, label in form.fields["receiving_agency"].widget.choices if value]
    assert len(options) == 102
    assert "Trung tâm Phục vụ hành chính công phường Mỹ Tho" in options
    assert 'name="receiving_agency"' in str(form["receiving_agency"])
    assert str(form["receiving_agency"]).count("<option") == 103


@pytest.mark.parametrize("code", ["1.001193", "2.000635", "1.004873", "DT-002", "1.000689"])
def test_every_commune_procedure_starts_at_a_desk_of_the_demo(signed_in, demo, code):
    start = reverse("dossiers:start", args=[code])
    page = signed_in.get(start).content.decode()
    assert page.count("<option") == 103
    desk = demo[("desk", "Phường Mỹ Tho")]
    response = signed_in.post(start, {"receiving_agency": desk.pk})
    draft = Dossier.objects.get(applicant__cccd="087095001234", is_draft=True)
    assert response.status_code == 302
    assert response["Location"] == reverse("dossiers:applicant", args=[draft.pk])
    assert draft.receiving_agency == desk and draft.procedure.code == code


def test_no_choice_and_a_foreign_choice_are_refused(signed_in, demo):
    start = reverse("dossiers:start", args=["1.001193"])
    empty = signed_in.post(start, {"receiving_agency": ""})
    assert empty.status_code == 200
    assert "Hãy chọn nơi nộp hồ sơ." in empty.content.decode()
    department = demo["04"]
    foreign = signed_in.post(start, {"receiving_agency": department.pk})
    assert "Hãy chọn một cơ quan trong danh sách." in foreign.content.decode()
    assert not Dossier.objects.exists()


def test_the_desk_of_the_citizens_own_commune_is_chosen_in_advance(signed_in, citizen, demo):
    start = reverse("dossiers:start", args=["1.001193"])
    first = signed_in.get(start).content.decode().split("<select", 1)[1].split("</select>")[0]
    assert first.count(" selected") == 1 and '<option value="" selected>' in first
    cao_lanh_desk = demo[("desk", "Phường Cao Lãnh")]
    procedure = Procedure.objects.current().get(code="1.001193")
    draft = actions.start_draft(citizen, procedure, demo[("desk", "Phường Mỹ Tho")])
    actions.save_applicant(
        citizen,
        draft,
        {
            "phone": "0912345678",
            "address": {"commune": cao_lanh_desk.unit.code, "detail": "5 Lý Thường Kiệt"},
        },
    )
    select = signed_in.get(start).content.decode().split("<select", 1)[1].split("</select>")[0]
    assert f'<option value="{cao_lanh_desk.pk}" selected>' in select


def test_the_only_place_of_a_province_procedure_is_chosen_in_advance(signed_in, demo):
    page = signed_in.get(reverse("dossiers:start", args=["DT-004"])).content.decode()
    assert page.count('name="receiving_agency"') == 1
    assert f'value="{demo["13"].pk}"' in page and " checked" in page
