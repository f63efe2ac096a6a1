"""Province-level procedures are received at the provincial public-administration service centre
and handled by their department (Decree 118/2025 Art. 14(1)); the centre returns the result."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.urls import reverse

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.accounts.permissions import can
from tinhso.demo.history import Submitter
from tinhso.dossiers import actions
from tinhso.dossiers.status import Status
from tinhso.motcua.actions import accept_dossier, record_cash_payment
from tinhso.motcua.rules import allowed_actions
from tinhso.procedures.models import Procedure
from tinhso.signing import actions as signing_actions
from tinhso.signing.actions import issue_signed_result
from tinhso.signing.models import SignedDocument
from tinhso.signing.pdf import verify_pdf
from tinhso.testing import signed_in
from tinhso.workflows.actions import available_actions, perform_action
from tinhso.workflows.demo import load_demo_flows
from tinhso.workflows.models import DossierFlow


@pytest.fixture
@factories.keep(load_demo_flows, on="demo_catalogue")
def demo_flows(demo_catalogue):
    """The demo's flows on the demo catalogue, written once per worker."""


@pytest.fixture
def tree(demo_catalogue, demo_flows):
    return demo_catalogue


def test_a_province_procedure_is_received_at_the_centre_not_at_the_department(tree):
    lltp = Procedure.objects.current().get(code="DT-004")
    assert [agency.code for agency in actions.receiving_agencies(lltp)] == ["H20.13"]
    citizen = factories.make_citizen()
    with pytest.raises(ValidationError):
        actions.start_draft(citizen, lltp, tree["agencies"]["04"])
    assert actions.start_draft(citizen, lltp, tree["agencies"]["13"]).receiving_agency.code == "H20.13"


def test_the_department_handles_and_the_centre_returns(tree):
    centre, construction = tree["agencies"]["13"], tree["agencies"]["06"]
    commune = tree["agencies"]["my_tho"].parent
    desk_officer = factories.make_officer(centre, "motcua.tinh", Role.ONE_STOP_OFFICER)
    specialist = factories.make_officer(construction, "chuyenvien.sxd", Role.SPECIALIST)
    leader = factories.make_officer(construction, "lanhdao.sxd", Role.LEADER)
    consulted = factories.make_officer(commune, "chuyenvien.mytho", Role.SPECIALIST)
    citizen = factories.make_citizen()
    permit = Procedure.objects.current().get(code="1.013236")
    dossier = Submitter().submit(citizen, permit, centre, "28261")
    assert dossier.code is None  # issued on reception, by the receiving centre
    # A specialist of the centre's province cannot be chosen: the handler is the department's.
    with pytest.raises(ValidationError):
        accept_dossier(desk_officer, dossier, assignee=consulted)
    with pytest.raises(PermissionDenied):
        accept_dossier(specialist, dossier, assignee=specialist)
    accept_dossier(desk_officer, dossier, assignee=specialist)
    assert dossier.code.startswith("H20.13-")
    flow = DossierFlow.objects.get(dossier=dossier)
    assert flow.current_agency == construction and flow.assignee == specialist
    assert not available_actions(desk_officer, dossier)
    perform_action(specialist, dossier, "tham_dinh")
    perform_action(specialist, dossier, "xin_y_kien", agency=commune)
    perform_action(consulted, dossier, "gui_y_kien")
    # The opinion goes back to the department, not to the centre that received the dossier.
    assert DossierFlow.objects.get(dossier=dossier).current_agency == construction
    perform_action(specialist, dossier, "trinh_ky")
    record_cash_payment(desk_officer, dossier)
    perform_action(leader, dossier, "ky")
    assert DossierFlow.objects.get(dossier=dossier).current_agency == centre
    perform_action(desk_officer, dossier, "tra_ket_qua")
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED


def test_the_centre_pages_offer_the_department_officers(client, tree):
    """Reception online and at the counter of the centre: the officers to hand the dossier to are
    the department's, where the engine sends it."""
    centre, police = tree["agencies"]["13"], tree["agencies"]["14"]
    desk_officer = factories.make_officer(centre, "motcua.tinh", Role.ONE_STOP_OFFICER)
    specialist = factories.make_officer(police, "chuyenvien.ca", Role.SPECIALIST)
    factories.make_officer(tree["agencies"]["my_tho"].parent, "chuyenvien.mytho", Role.SPECIALIST)
    citizen = factories.make_citizen()
    dossier = Submitter().submit(citizen, Procedure.objects.current().get(code="DT-004"), centre, "28261")
    signed_in(client, desk_officer)
    page = client.get(reverse("motcua:action", args=[dossier.pk, "tiep_nhan"]))
    assert list(page.context["form"].fields["assignee"].queryset) == [specialist]
    counter = client.get(reverse("motcua:counter"))
    assert list(counter.context["form"].fields["assignee"].queryset) == [specialist]
    response = client.post(
        reverse("motcua:action", args=[dossier.pk, "tiep_nhan"]),
        {"assignee": specialist.pk, "version": dossier.version, "note": ""},
    )
    assert response.status_code == 302
    # Criminal-record certificates: the provincial police handle them since 1/3/2025.
    assert DossierFlow.objects.get(dossier=dossier).current_agency == police


@pytest.fixture
def approved_permit(tree):
    """A building permit received at the provincial centre, handled and approved by the
    Department of Construction, with the centre, the department and the police holding
    certificates."""
    centre, construction = tree["agencies"]["13"], tree["agencies"]["06"]
    for agency in (centre, construction, tree["agencies"]["14"]):
        signing_actions.issue_agency_certificate(None, agency)
    desk_officer = factories.make_officer(centre, "motcua.tinh", Role.ONE_STOP_OFFICER)
    specialist = factories.make_officer(construction, "chuyenvien.sxd", Role.SPECIALIST)
    leader = factories.make_officer(construction, "lanhdao.sxd", Role.LEADER)
    dossier = Submitter().submit(
        factories.make_citizen(), Procedure.objects.current().get(code="1.013236"), centre, "28261"
    )
    accept_dossier(desk_officer, dossier, assignee=specialist)
    perform_action(specialist, dossier, "tham_dinh")
    perform_action(specialist, dossier, "trinh_ky")
    record_cash_payment(desk_officer, dossier)
    perform_action(leader, dossier, "ky")
    dossier.refresh_from_db()
    return {"dossier": dossier, "desk_officer": desk_officer, "leader": leader}


def test_the_department_leader_signs_with_the_department_certificate(
    tree, approved_permit, settings, tmp_path
):
    """Decree 118/2025 Art. 14: the competent agency decides and issues the result; the centre
    that received the dossier returns it."""
    settings.MEDIA_ROOT = tmp_path
    dossier, leader = approved_permit["dossier"], approved_permit["leader"]
    construction = tree["agencies"]["06"]
    assert "sign" in [action.key for action in allowed_actions(leader, dossier)]

    document = issue_signed_result(leader, dossier, factories.minimal_pdf(), "Giấy phép xây dựng")

    assert document.agency == construction
    assert document.certificate.agency == construction
    with default_storage.open(document.file.name, "rb") as handle:
        result = verify_pdf(handle.read())
    assert result.valid
    assert result.agency == construction
    assert result.signer == leader.full_name
    # The signing department and the centre that returns the result both open it.
    assert can(leader, "signing.download", document)
    assert can(approved_permit["desk_officer"], "signing.download", document)
    perform_action(approved_permit["desk_officer"], dossier, "tra_ket_qua")
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED


@pytest.mark.parametrize("who", ["centre_officer", "centre_leader", "police_leader"])
def test_the_centre_and_other_departments_cannot_sign(tree, approved_permit, who, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    dossier = approved_permit["dossier"]
    actor = {
        "centre_officer": lambda: approved_permit["desk_officer"],
        "centre_leader": lambda: factories.make_officer(
            tree["agencies"]["13"], "lanhdao.ttpvhcc", Role.LEADER
        ),
        "police_leader": lambda: factories.make_officer(tree["agencies"]["14"], "lanhdao.ca", Role.LEADER),
    }[who]()

    assert "sign" not in [action.key for action in allowed_actions(actor, dossier)]
    with pytest.raises(PermissionDenied):
        issue_signed_result(actor, dossier, factories.minimal_pdf(), "Giấy phép xây dựng")
    assert not SignedDocument.objects.exists()
