"""The province's list of procedures received regardless of administrative boundary is data
(``BoundaryFreeList``), kept by a province administrator through an action: a listed procedure
is received at every commune centre (and the provincial centre when the list says so), the
dossier goes to the applicant's commune, and its processing time starts when that commune
receives it (Decree 118/2025/NĐ-CP Art. 14; Art. 17(3) second paragraph as amended by Decree
309/2026/NĐ-CP Art. 8(3); Art. 18(2) as amended by Art. 9)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.audit.models import AuditEntry
from tinhso.core.reference import as_one_request
from tinhso.dossiers.models import Channel, Dossier, DueTimeChangeKind
from tinhso.dossiers.status import Status
from tinhso.motcua.tests.fixtures import *  # noqa: F403
from tinhso.motcua.tests.fixtures import submit
from tinhso.procedures.actions import save_boundary_free_list
from tinhso.procedures.models import BoundaryFreeList, Procedure, ReceptionScope
from tinhso.testing import make_dossier
from tinhso.workflows.actions import perform_action
from tinhso.workflows.models import DossierFlow
from tinhso.worktime.calendar import add_working_days

from tinhso.dossiers import actions  # isort: skip  (after the fixtures' star import)

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=7))


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def admin_user(province):
    """A province administrator (role on the provincial People's Committee)."""
    return factories.make_officer(province["agencies"]["province"], "quantri.tinh", Role.PROVINCE_ADMIN)


@pytest.fixture
def cao_lanh(province):
    return province["agencies"]["cao_lanh"]


def publish(actor, procedures, **values):
    defaults = {
        "scope": ReceptionScope.PROVINCE,
        "number": "2150/QĐ-UBND",
        "signed_on": datetime.date(2026, 9, 1),
        "issuer": "Ủy ban nhân dân tỉnh Đồng Tháp",
        "valid_from": datetime.date(2026, 9, 15),
    }
    return save_boundary_free_list(actor, BoundaryFreeList(**{**defaults, **values}), procedures)


def check_received_procedures() -> int:
    """Every valid agency's ``received_procedures`` are exactly the procedures in force whose
    ``receiving_agencies`` name it; returns how many (agency, procedure) pairs there are."""
    receive: dict[int, set[int]] = {}
    for procedure in Procedure.objects.current():
        for agency in actions.receiving_agencies(procedure):
            receive.setdefault(agency.pk, set()).add(procedure.pk)
    for agency in Agency.objects.valid_on():
        found = set(actions.received_procedures([agency]).values_list("pk", flat=True))
        assert found == receive.get(agency.pk, set()), agency.code
    return sum(len(procedures) for procedures in receive.values())


def test_only_a_province_administrator_publishes_and_it_is_audited(admin_user, procedure, officer):
    with pytest.raises(PermissionDenied):
        publish(officer, [procedure])
    assert not BoundaryFreeList.objects.exists()
    listed = publish(admin_user, [procedure])
    entry = AuditEntry.objects.get(action="procedures.publish_boundary_free_list")
    assert entry.data["procedures"] == ["1.001193"] and entry.data["number"] == "2150/QĐ-UBND"
    assert list(listed.procedures.all()) == [procedure]


def test_an_incomplete_list_is_refused_and_nothing_is_saved(admin_user, procedure):
    with pytest.raises(ValidationError) as refusal:
        publish(admin_user, [procedure], number=" ", issuer="")
    assert set(refusal.value.message_dict) == {"number", "issuer"}
    with pytest.raises(ValidationError) as refusal:
        publish(admin_user, [procedure], valid_to=datetime.date(2026, 9, 1))
    assert "valid_to" in refusal.value.message_dict
    with pytest.raises(ValidationError) as refusal:
        publish(admin_user, [])
    assert "procedures" in refusal.value.message_dict
    assert not BoundaryFreeList.objects.exists()
    assert not AuditEntry.objects.filter(action__contains="boundary_free").exists()


def test_a_listed_procedure_is_received_at_every_commune_centre_and_the_provincial_one_if_listed_so(
    admin_user, province
):
    department = Agency.objects.create(
        code="H20.10",
        name="Sở Tư pháp",
        kind=AgencyKind.DEPARTMENT,
        parent=province["agencies"]["province"],
        unit=province["agencies"]["province"].unit,
        valid_from=datetime.date(2025, 7, 1),
    )
    centre = Agency.objects.create(
        code="H20.13",
        name="Trung tâm Phục vụ hành chính công tỉnh",
        kind=AgencyKind.SERVICE_CENTRE,
        parent=province["agencies"]["province"],
        unit=province["agencies"]["province"].unit,
        valid_from=datetime.date(2025, 7, 1),
    )
    linked = factories.make_procedure(code="1.000656")
    linked.agencies.set([province["agencies"]["my_tho"]])
    codes = {agency.code for agency in actions.receiving_agencies(linked)}
    assert codes == {province["agencies"]["my_tho"].code}  # unlisted: its implementing agency only
    assert check_received_procedures()

    listed = publish(admin_user, [linked], valid_from=datetime.date(2026, 1, 1))
    codes = {agency.code for agency in actions.receiving_agencies(linked)}
    assert codes == {province["agencies"]["my_tho"].code, province["agencies"]["cao_lanh"].code}
    assert check_received_procedures()

    listed.at_provincial_centre = True
    save_boundary_free_list(admin_user, listed, [linked])
    assert centre in actions.receiving_agencies(linked) and department not in actions.receiving_agencies(
        linked
    )

    # A listed province procedure received at a commune centre goes to its department.
    provincial = factories.make_procedure(code="2.000635")
    provincial.level = "province"
    provincial.save()
    provincial.agencies.set([department])
    assert [agency.code for agency in actions.receiving_agencies(provincial)] == [centre.code]
    publish(admin_user, [provincial], number="2151/QĐ-UBND")
    assert province["agencies"]["my_tho"] in actions.receiving_agencies(provincial)
    assert check_received_procedures()
    # A nationwide list is received at the provincial centre too.
    nationwide = factories.make_procedure(code="1.000894")
    nationwide.agencies.set([department])
    publish(
        admin_user,
        [nationwide],
        number="1234/QĐ-TTg",
        issuer="Thủ tướng Chính phủ",
        scope=ReceptionScope.NATIONWIDE,
    )
    assert actions.received_procedures([centre]).filter(pk=nationwide.pk).exists()
    assert check_received_procedures()
    dossier = make_dossier(provincial, province["agencies"]["my_tho"])
    assert actions.competent_agency(dossier) == department


def test_a_list_not_yet_in_force_or_ended_changes_nothing(admin_user, province):
    linked = factories.make_procedure(code="1.000656")
    linked.agencies.set([province["agencies"]["my_tho"]])
    publish(admin_user, [linked], signed_on=datetime.date(2099, 1, 1), valid_from=datetime.date(2099, 1, 1))
    publish(
        admin_user,
        [linked],
        number="10/QĐ-UBND",
        signed_on=datetime.date(2025, 1, 1),
        valid_from=datetime.date(2025, 1, 1),
        valid_to=datetime.date(2025, 12, 31),
    )
    assert [agency.code for agency in actions.receiving_agencies(linked)] == [
        province["agencies"]["my_tho"].code
    ]


def test_each_process_copy_of_the_reception_rules_follows_a_list_published_or_ended(
    admin_user, province, procedure, desk, cao_lanh, django_assert_num_queries
):
    """The procedures in force and the reception rules are kept by each server process
    (``procedures.boundary``); publishing or ending a list changes the catalogue version, so the
    next answer follows it without a restart."""
    linked = factories.make_procedure(code="1.000656")
    linked.agencies.set([desk])
    applicant = Dossier(procedure=procedure, receiving_agency=cao_lanh, applicant_unit_id=desk.unit_id)
    assert actions.boundary_errors(procedure, cao_lanh, desk.unit_id)  # refused at another commune
    assert set(actions.procedure_in_force(linked.code).agencies) == {desk.code}
    assert actions.competent_agency(applicant) == cao_lanh
    with django_assert_num_queries(1):  # the versions; the rules come from the copy
        assert actions.boundary_errors(procedure, cao_lanh, desk.unit_id)

    listed = publish(admin_user, [procedure, linked])
    assert actions.boundary_errors(procedure, cao_lanh, desk.unit_id) == {}
    assert set(actions.procedure_in_force(linked.code).agencies) == {desk.code, cao_lanh.code}
    assert actions.competent_agency(applicant) == desk

    listed.valid_to = datetime.date(2026, 9, 30)
    save_boundary_free_list(admin_user, listed, [procedure, linked])
    assert actions.boundary_errors(procedure, cao_lanh, desk.unit_id)
    assert set(actions.procedure_in_force(linked.code).agencies) == {desk.code}
    assert actions.competent_agency(applicant) == cao_lanh


def test_an_unlisted_procedure_is_not_received_for_another_commune(citizen, procedure, cao_lanh):
    with pytest.raises(ValidationError) as refusal:
        submit(citizen, procedure, cao_lanh)
    assert "receiving_agency" in refusal.value.message_dict
    assert not Dossier.objects.filter(is_draft=False).exists()


def test_a_listed_dossier_received_at_another_commune_goes_to_the_applicants_commune(
    admin_user, citizen, procedure, cao_lanh, desk, specialist
):
    publish(admin_user, [procedure])
    dossier = submit(citizen, procedure, cao_lanh)
    assert dossier.receiving_agency == cao_lanh
    assert actions.competent_agency(dossier) == desk
    assert actions.received_across_boundary(dossier)
    clerk = factories.make_officer(cao_lanh, "motcua.caolanh", Role.ONE_STOP_OFFICER)
    # Online: handed to Mỹ Tho electronically at acceptance, the time counted from then.
    accepted_at = local(2026, 12, 4, 16, 0)  # Friday, after 15:00
    flow = DossierFlow.objects.select_related("state", "version").get(dossier=dossier)
    action = next(
        a for a in flow.version.actions.filter(from_state=flow.state) if a.to_state.status_code == 2
    )
    perform_action(clerk, dossier, action.key, assignee=specialist, at=accepted_at)
    dossier.refresh_from_db()
    flow.refresh_from_db()
    assert flow.current_agency == desk
    assert dossier.received_at == accepted_at
    assert dossier.due_at == add_working_days(accepted_at, 3)


def test_the_agency_processing_a_dossier_received_elsewhere_reads_its_documents(
    admin_user, citizen, procedure, cao_lanh, desk, specialist, signed_in
):
    """Received at Cao Lãnh for an applicant of Mỹ Tho, the dossier is processed in Mỹ Tho: its
    specialist opens the citizen's documents (the read is logged), the citizen's own page too."""
    publish(admin_user, [procedure])
    dossier = submit(citizen, procedure, cao_lanh)
    clerk = factories.make_officer(cao_lanh, "motcua.caolanh", Role.ONE_STOP_OFFICER)
    perform_action(clerk, dossier, "tiep_nhan", assignee=specialist)
    client = signed_in(specialist)
    item = dossier.attachments.get()
    before = AuditEntry.objects.filter(action="personal_data.read").count()
    response = client.get(reverse("dossiers:attachment", args=[item.pk]))
    assert response.status_code == 200 and "attachment;" in response["Content-Disposition"]
    assert AuditEntry.objects.filter(action="personal_data.read").count() == before + 1
    elsewhere = factories.make_agency(
        "H20.203",
        "Ủy ban nhân dân phường An Bình",
        AgencyKind.COMMUNE_PC,
        cao_lanh.unit,
        Agency.objects.get(code="H20"),
    )
    stranger = factories.make_officer(elsewhere, "chuyenvien.anbinh", Role.SPECIALIST)
    assert signed_in(stranger).get(reverse("dossiers:attachment", args=[item.pk])).status_code == 404


def test_the_reception_page_says_why_nobody_can_be_chosen_when_the_applicants_commune_has_no_specialist(
    admin_user, citizen, procedure, cao_lanh, desk, signed_in
):
    """A commune not yet staffed on the platform: the officer is told why the list is empty and
    who can fix it, and a forced post changes nothing."""
    publish(admin_user, [procedure])
    dossier = submit(citizen, procedure, cao_lanh)
    clerk = factories.make_officer(cao_lanh, "motcua.caolanh", Role.ONE_STOP_OFFICER)
    client = signed_in(clerk)
    url = reverse("motcua:action", args=[dossier.pk, "tiep_nhan"])
    page = client.get(url).content.decode()
    assert f"chưa có cán bộ nào giữ vai trò “Chuyên viên” tại {desk.name} hoặc cơ quan cấp trên" in page
    assert 'name="assignee"' not in page and 'type="submit"' not in page.split("<main")[-1]
    refused = client.post(url, {"note": "", "version": dossier.version})
    assert refused.status_code == 200
    dossier.refresh_from_db()
    assert dossier.status == Status.NEW and dossier.received_at is None
    # Once the commune's specialist is on the platform, the same page offers them.
    specialist = factories.make_officer(desk.parent, "chuyenvien.mytho", Role.SPECIALIST)
    page = client.get(url).content.decode()
    assert 'name="assignee"' in page and f'value="{specialist.pk}"' in page
    assert "chưa có cán bộ" not in page


def test_the_leader_who_approves_a_dossier_received_elsewhere_lands_on_the_inbox_told_where_it_went(
    admin_user, citizen, procedure, cao_lanh, desk, specialist, leader, signed_in
):
    """Approved, the dossier goes back to the commune that received it for the return: it has
    left the approving leader's agencies, so the page takes them to their inbox and says where it
    is; they may still read it among the dossiers they handled."""
    publish(admin_user, [procedure])
    dossier = submit(citizen, procedure, cao_lanh)
    clerk = factories.make_officer(cao_lanh, "motcua.caolanh", Role.ONE_STOP_OFFICER)
    perform_action(clerk, dossier, "tiep_nhan", assignee=specialist)
    for key in ("xu_ly", "trinh_lanh_dao"):
        perform_action(specialist, dossier, key)
    dossier.refresh_from_db()
    client = signed_in(leader)
    done = client.post(
        reverse("motcua:action", args=[dossier.pk, "phe_duyet"]), {"note": "", "version": dossier.version}
    )
    assert done.status_code == 302 and done.url == reverse("motcua:inbox")
    page = client.get(done.url).content.decode()
    assert "Đã thực hiện: Phê duyệt kết quả." in page
    assert (
        f"Hồ sơ {dossier.display_code} đã chuyển khỏi cơ quan của bạn: hồ sơ hiện ở {cao_lanh.name}." in page
    )
    # What they decided stays in their sight, to read only; not in their colleagues'.
    page = client.get(reverse("motcua:dossier", args=[dossier.pk])).content.decode()
    assert "/thao-tac/" not in page  # no step of the flow is theirs now
    handled = client.get(reverse("motcua:handled")).content.decode()
    assert reverse("motcua:dossier", args=[dossier.pk]) in handled
    attachment = reverse("dossiers:attachment", args=[dossier.attachments.first().pk])
    assert client.get(attachment).status_code == 200
    colleague = factories.make_officer(leader.memberships.first().agency, "lanhdao2", Role.LEADER)
    other = signed_in(colleague)
    assert other.get(reverse("motcua:dossier", args=[dossier.pk])).status_code == 404
    assert other.get(attachment).status_code == 404
    assert (
        reverse("motcua:dossier", args=[dossier.pk])
        not in other.get(reverse("motcua:handled")).content.decode()
    )
    # The officer who stays in charge goes back to the dossier, as before.
    dossier.refresh_from_db()
    client = signed_in(clerk)
    done = client.post(
        reverse("motcua:action", args=[dossier.pk, "tra_ket_qua"]), {"note": "", "version": dossier.version}
    )
    assert done.url == reverse("motcua:dossier", args=[dossier.pk])
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED


def test_the_competent_agency_comes_from_the_process_copy_and_follows_the_applicants_commune(
    admin_user, citizen, procedure, cao_lanh, desk, django_assert_num_queries
):
    publish(admin_user, [procedure])
    dossier = submit(citizen, procedure, cao_lanh)
    assert actions.competent_agency(dossier) == desk
    with as_one_request(), django_assert_num_queries(1):  # the versions, once per request
        assert actions.received_across_boundary(dossier)
        assert actions.competent_agency(dossier) == desk
    # An applicant living in the receiving commune: no transfer, found again.
    dossier.applicant_unit_id = cao_lanh.unit_id
    assert actions.competent_agency(dossier) == cao_lanh
    assert not actions.received_across_boundary(dossier)


def test_a_paper_dossier_received_at_another_commune_after_15h_counts_from_the_next_morning(
    admin_user, citizen, procedure, cao_lanh, desk, specialist
):
    publish(admin_user, [procedure])
    dossier = submit(citizen, procedure, cao_lanh)
    Dossier.objects.filter(pk=dossier.pk).update(channel=Channel.DIRECT)
    clerk = factories.make_officer(cao_lanh, "motcua.caolanh", Role.ONE_STOP_OFFICER)
    flow = DossierFlow.objects.select_related("state", "version").get(dossier=dossier)
    action = next(
        a for a in flow.version.actions.filter(from_state=flow.state) if a.to_state.status_code == 2
    )
    perform_action(clerk, dossier, action.key, assignee=specialist, at=local(2026, 12, 4, 16, 0))
    dossier.refresh_from_db()
    change = dossier.due_time_changes.get(kind=DueTimeChangeKind.ACCEPTANCE)
    # Transferred at the start of Monday 7/12/2026, the next working day: 3 working days from then.
    transfer = local(2026, 12, 7, 7, 30)
    assert dossier.due_at == add_working_days(transfer, 3)
    assert dossier.due_at.astimezone(TZ).date() == datetime.date(2026, 12, 10)
    assert desk.name in change.reason


def test_an_ordinary_paper_dossier_counts_from_its_acceptance(citizen, procedure, desk, officer, specialist):
    dossier = submit(citizen, procedure, desk)
    Dossier.objects.filter(pk=dossier.pk).update(channel=Channel.DIRECT)
    flow = DossierFlow.objects.select_related("state", "version").get(dossier=dossier)
    action = next(
        a for a in flow.version.actions.filter(from_state=flow.state) if a.to_state.status_code == 2
    )
    perform_action(officer, dossier, action.key, assignee=specialist, at=local(2026, 12, 4, 16, 0))
    dossier.refresh_from_db()
    assert dossier.due_at == add_working_days(local(2026, 12, 4, 16, 0), 3)
    assert not actions.received_across_boundary(dossier)


def test_the_public_page_shows_the_lists_and_that_no_nationwide_list_is_published(
    client, admin_user, procedure
):
    page = client.get(reverse("procedures:boundary_free"))
    assert page.status_code == 200
    assert "Art. 14(4)" in page.content.decode() or "khoản 4 Điều 14" in page.content.decode()
    publish(admin_user, [procedure])
    page = client.get(reverse("procedures:boundary_free")).content.decode()
    assert "2150/QĐ-UBND" in page and procedure.name in page
