"""The demo's dossiers, loaded by the demo loader itself: made by the flow, each able to go on, the
statistics matching them, and every procedure offered online receivable by a demo officer."""

import io

import pyotp
import pytest
from django.core.management import call_command
from django.db.models import Sum

from tinhso import testing as factories
from tinhso.accounts import otp
from tinhso.accounts.models import Role, User, UserKind
from tinhso.accounts.permissions import can
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.audit.services import history_for
from tinhso.demo import clock, data
from tinhso.demo.history import Staff, Submitter, online_procedures
from tinhso.dossiers import actions
from tinhso.dossiers.models import Dossier, DossierRating, DossierStatusChange
from tinhso.dossiers.status import FINAL, Status
from tinhso.feedback.models import Report
from tinhso.feedback.models import State as ReportState
from tinhso.motcua.actions import accept_dossier
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.procedures.models import BoundaryFreeList, Level, Procedure
from tinhso.statistics.models import ProvinceMonthlyRollup
from tinhso.workflows.actions import available_actions, step_target
from tinhso.workflows.models import DossierFlow, StepRecord
from tinhso.worktime.calendar import is_provisional

IN_FLOW = {Status.NEW, Status.ACCEPTED, Status.PROCESSING, Status.FINISHED, Status.RETURNED}


def load_demo(history: int) -> None:
    call_command("load_demo", "--history", str(history), stdout=io.StringIO())


def load_demo_with_history() -> None:
    load_demo(history=60)


@pytest.fixture
@factories.keep(load_demo_with_history)
def loaded_demo(db):
    """The demo with 60 dossiers of history, loaded once for this module's tests (the root
    conftest.py runs them on one worker)."""


def next_step_possible(staff: Staff, dossier: Dossier) -> bool:
    """A demo officer may take an action now, and its assignee (if any) exists."""
    for officer in staff.users:
        if officer.is_superuser:
            continue
        for action in available_actions(officer, dossier):
            flow = DossierFlow.objects.get(dossier=dossier)
            if not action.assign_role or action.transfers_to_agency_kind:
                return True
            if staff.with_role([action.assign_role], step_target(action, flow, dossier).pk):
                return True
    return False


@pytest.mark.django_db
def test_every_demo_dossier_sits_in_its_flow_and_can_go_on(loaded_demo, capsys):
    dossiers = list(
        Dossier.objects.filter(is_draft=False).select_related("flow__state", "procedure", "receiving_agency")
    )
    assert len(dossiers) >= 60
    statuses = {dossier.status for dossier in dossiers}
    assert {Status.NEW, Status.PROCESSING, Status.SUPPLEMENT, Status.WITHDRAWN, Status.RETURNED} <= statuses
    staff = Staff()
    for dossier in dossiers:
        state = dossier.flow.state
        if dossier.status in IN_FLOW:
            assert state.status_code == dossier.status, (dossier.code, state.key, dossier.status)
        if dossier.status == Status.SUPPLEMENT:
            request = actions.open_supplement_request(dossier)
            assert request.from_status == state.status_code
            assert can(dossier.applicant, "dossiers.answer_supplement", dossier), dossier.code
        elif dossier.status == Status.PAYMENT:
            assert dossier.resume_status == state.status_code
        elif dossier.status == Status.WITHDRAWN:
            # The applicant's request waits for the desk or the leader to grant or refuse it.
            assert any(can(officer, "motcua.decide_withdrawal", dossier) for officer in staff.users)
        elif dossier.status in FINAL:
            assert not any(available_actions(officer, dossier) for officer in staff.users), dossier.code
        elif dossier.status != Status.RETURNED:
            assert next_step_possible(staff, dossier), (dossier.code, state.key)
    # Demo officers did the work, never the province administrator who may do anything.
    admin = User.objects.get(username="admin.tinh")
    assert not StepRecord.objects.filter(from_user=admin).exists()
    assert not DossierStatusChange.objects.filter(actor=admin).exists()

    # The citizens' own dossiers of today: the one being processed can be sent on by the
    # specialist; the criminal-record dossier went from the provincial centre to the police.
    processing = Dossier.objects.get(applicant__username="087095001234", status=Status.PROCESSING)
    specialist = User.objects.get(username="chuyenvien.mytho")
    assert [a.key for a in available_actions(specialist, processing)] == ["trinh_lanh_dao"]
    lltp = Dossier.objects.get(procedure__code="DT-004", applicant__username="082190004567")
    assert lltp.code.startswith("H20.13-") and lltp.flow.current_agency.code == "H20.14"

    # The statistics were rebuilt from these dossiers.
    totals = ProvinceMonthlyRollup.objects.aggregate(
        **{name: Sum(name) for name in ("received", "refused", "returned", "withdrawn")},
        resolved=Sum("resolved_early") + Sum("resolved_on_time") + Sum("resolved_late"),
        late=Sum("resolved_late"),
        fee_paid=Sum("fee_paid"),
        paid_online=Sum("paid_online"),
    )
    submitted = Dossier.objects.filter(is_draft=False)
    assert totals["received"] == submitted.filter(received_at__isnull=False).count()
    assert totals["refused"] == submitted.filter(status=Status.REFUSED).count()
    assert totals["returned"] == submitted.filter(status=Status.RETURNED).count()
    assert totals["resolved"] == submitted.filter(finished_at__isnull=False).count()
    assert totals["late"] == DossierFlow.objects.filter(timing="late").count()
    assert totals["withdrawn"] == submitted.filter(status=Status.WITHDRAWN, received_at__isnull=False).count()

    # Fees were paid online through the gateway as well as at the counter; applicants rated
    # results they got back (the operations centre's online-payment and satisfaction numbers).
    paid_online = Payment.objects.filter(status=PaymentStatus.PAID, ipn_received_at__isnull=False)
    assert paid_online.exists() and not paid_online.filter(dossier__paid_at__isnull=True).exists()
    assert totals["paid_online"] == paid_online.count() < totals["fee_paid"]
    ratings = DossierRating.objects.all()
    assert ratings.exists() and not ratings.exclude(dossier__status=Status.RETURNED).exists()

    # The year's feedback reports went through their steps too.
    reports = Report.objects.all()
    assert reports.count() >= 20
    assert not reports.filter(history__isnull=True).exists()
    published = reports.filter(state=ReportState.ANSWERED)
    assert published.exists() and not published.filter(answers__isnull=True).exists()
    rated = reports.filter(answers__rating__isnull=False)
    assert rated.exists() and not rated.exclude(state=ReportState.CLOSED).exists()

    call_command("load_dossier_demo")
    assert Dossier.objects.filter(is_draft=False).count() == len(dossiers)
    # Criminal-record certificates: received by the provincial service centre for the police,
    # which the province administrator added through the agencies' action.
    police = Agency.objects.get(code="H20.14")
    assert history_for(police).get().action == "agencies.create"
    # Every account and agency was made through its action, so each has its audit entry
    # (issue 15, finding 1).
    made_by = {
        "accounts.create_administrator": UserKind.OFFICER,
        "accounts.create_officer": UserKind.OFFICER,
        "accounts.register_citizen": UserKind.CITIZEN,
        "accounts.register_business": UserKind.BUSINESS,
    }
    for user in User.objects.all():
        first = history_for(user).first()
        assert first.action in made_by and made_by[first.action] == user.kind, user.username
    admin = User.objects.get(username="admin.tinh")
    assert admin.is_superuser and history_for(admin).first().actor is not None
    assert set(User.objects.filter(is_staff=True).values_list("username", flat=True)) == {
        username for username, _n, _a, role, _g in data.OFFICERS if role in {"province_admin", "agency_admin"}
    }
    for agency in Agency.objects.all():
        creation = history_for(agency).first()
        assert (creation.action, creation.actor) == ("agencies.create", admin), agency.code
    # The demo administrator confirmed the days off of 2025 and 2026; 2027 is still provisional.
    assert [is_provisional(year) for year in (2025, 2026, 2027)] == [False, False, True]
    assert "đã có" in capsys.readouterr().out


@pytest.mark.django_db
def test_every_online_procedure_reaches_an_officer_who_receives_it(loaded_demo):
    """On the demo's own province and catalogue: each procedure offered online can be started and
    submitted at each place offered that has demo officers, lands in that place's inbox and is
    accepted by its one-stop officer with a handling officer of the competent agency."""
    staff, submitter = Staff(), Submitter()
    citizen = User.objects.get(username="087095001234")
    procedures = list(online_procedures())
    assert len(procedures) >= 20
    tried = 0
    for procedure in procedures:
        places = list(actions.receiving_agencies(procedure))
        staffed = [agency for agency in places if staff.with_role([Role.ONE_STOP_OFFICER], agency.pk)]
        assert staffed, procedure.code
        if procedure.level == Level.PROVINCE:
            assert [agency.kind for agency in places] == [AgencyKind.SERVICE_CENTRE], procedure.code
        for agency in staffed:
            draft = actions.start_draft(citizen, procedure, agency)
            actions.delete_draft(citizen, draft)
            commune = agency.unit.code if agency.kind == AgencyKind.ONE_STOP_DESK else "28261"
            dossier = submitter.submit(citizen, procedure, agency, commune)
            officer = staff.with_role([Role.ONE_STOP_OFFICER], agency.pk)
            (reception,) = available_actions(officer, dossier)
            flow = DossierFlow.objects.get(dossier=dossier)
            handler = staff.with_role([reception.assign_role], step_target(reception, flow, dossier).pk)
            assert handler is not None, (procedure.code, agency.code)
            accept_dossier(officer, dossier, assignee=handler)
            dossier.refresh_from_db()
            assert dossier.status == Status.ACCEPTED
            tried += 1
    assert tried >= len(procedures)

    # The demo's list of procedures received regardless of boundary, published through the
    # action: the commune procedures every commune implements. A Mỹ Tho resident's dossier
    # received at Cao Lãnh goes to Mỹ Tho.
    (listed,) = BoundaryFreeList.objects.all()
    assert history_for(listed).get().action == "procedures.publish_boundary_free_list"
    every_commune = Procedure.objects.current().filter(level=Level.COMMUNE, agencies__isnull=True)
    assert {procedure.code for procedure in listed.procedures.all()} == set(
        every_commune.values_list("code", flat=True)
    )
    cao_lanh = Agency.objects.get(kind=AgencyKind.ONE_STOP_DESK, unit__name="Phường Cao Lãnh")
    procedure = every_commune.filter(submit_online=True).order_by("code").first()
    dossier = submitter.submit(citizen, procedure, cao_lanh, "28261")
    assert actions.competent_agency(dossier).unit.code == "28261"


@pytest.mark.django_db
def test_without_the_demo_province_nothing_is_created(capsys):
    call_command("load_dossier_demo")
    assert not Dossier.objects.exists()
    assert "load_demo" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_demo_officers_can_sign_in_with_the_code_their_app_shows_right_after_the_load(loaded_demo):
    usernames = [username for username, *_rest in data.OFFICERS + data.POLICE_OFFICERS]
    officers = list(User.objects.filter(username__in=usernames))
    assert len(officers) == len(usernames)
    authenticator = pyotp.TOTP(data.DEMO_TOTP_SECRET)
    for officer in officers:
        at_the_load = officer.totp_confirmed_at
        shown = authenticator.timecode(at_the_load)
        assert officer.totp_last_step == shown - 1, officer.username
        with clock.at(at_the_load):
            step = otp.matching_step(data.DEMO_TOTP_SECRET, authenticator.at(at_the_load))
        assert step == shown
        assert otp.consume_step(officer, step)
        assert not otp.consume_step(officer, step)  # then refused as a replay
