"""The per-process copies (``tinhso.core.reference``, the one mechanism): the procedure in force
with its documents and receiving agencies, the communes, the flow version and actions, the
working-time calendar. Each must see every committed change, however it was written, never keep
what a rolled-back transaction wrote, and never hand two callers the same model instance."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tinhso.agencies.models import Agency
from tinhso.core.reference import ReferenceCache, install_triggers, request_finished, request_started, version
from tinhso.dossiers import actions, answers
from tinhso.procedures.models import Procedure, RequiredDocument
from tinhso.units.models import AdministrativeUnit, DivisionType, Level
from tinhso.workflows.actions import actions_out, flow_version_for
from tinhso.workflows.models import Action, Flow, FlowVersion
from tinhso.worktime.actions import save_exception
from tinhso.worktime.calendar import _load as calendar_load
from tinhso.worktime.calendar import get_calendar
from tinhso.worktime.models import CalendarException

pytestmark = pytest.mark.django_db


def commune_codes() -> set[str]:
    return set(answers.Context().communes)


def test_an_unchanged_copy_costs_one_small_query(procedure, desk):
    actions.procedure_in_force(procedure.code)
    with CaptureQueriesContext(connection) as queries:
        in_force = actions.procedure_in_force(procedure.code)
    assert [query["sql"] for query in queries.captured_queries] == [
        "SELECT name, version FROM core_referenceversion"
    ]
    assert in_force.procedure == procedure and desk.code in in_force.agencies
    assert set(in_force.documents) == set(procedure.documents.values_list("pk", flat=True))


def test_procedure_changes_are_seen(procedure, desk):
    assert actions.procedure_in_force(procedure.code).procedure.submit_online
    Procedure.objects.filter(pk=procedure.pk).update(submit_online=False)
    assert not actions.procedure_in_force(procedure.code).procedure.submit_online
    added = RequiredDocument.objects.create(procedure=procedure, position=9, name="Giấy ủy quyền")
    assert added.pk in actions.procedure_in_force(procedure.code).documents
    Agency.objects.filter(pk=desk.pk).update(valid_to=datetime.date(2025, 12, 31))
    assert desk.code not in actions.procedure_in_force(procedure.code).agencies
    Procedure.objects.filter(pk=procedure.pk).update(is_active=False)
    assert actions.procedure_in_force(procedure.code) is None


def test_a_rolled_back_change_is_not_kept(procedure, desk):
    with pytest.raises(RuntimeError), transaction.atomic():
        Agency.objects.filter(pk=desk.pk).update(valid_to=datetime.date(2025, 12, 31))
        assert desk.code not in actions.procedure_in_force(procedure.code).agencies
        raise RuntimeError
    assert desk.code in actions.procedure_in_force(procedure.code).agencies


def test_communes_follow_the_units(province):
    assert commune_codes() == {"28261", "29869"}
    new = AdministrativeUnit.objects.create(
        code="28315",
        name="Phường Đạo Thạnh",
        level=Level.COMMUNE,
        division_type=DivisionType.WARD,
        parent=province["province"],
        valid_from=datetime.date(2025, 7, 1),
    )
    assert commune_codes() == {"28261", "29869", "28315"}
    with pytest.raises(RuntimeError), transaction.atomic():
        AdministrativeUnit.objects.filter(pk=new.pk).update(valid_to=datetime.date(2025, 12, 31))
        assert "28315" not in commune_codes()
        raise RuntimeError
    assert "28315" in commune_codes()


def test_flow_version_follows_publication(procedure):
    generic = flow_version_for(procedure)
    assert flow_version_for(procedure) == generic
    own = Flow.objects.create(procedure=procedure, key="khai-sinh-rieng", name="Quy trình khai sinh riêng")
    draft = FlowVersion.objects.create(flow=own, number=1)
    assert flow_version_for(procedure) == generic
    FlowVersion.objects.filter(pk=draft.pk).update(is_published=True)
    assert flow_version_for(procedure) == draft


def test_a_generic_flow_created_in_a_rolled_back_transaction_is_not_kept(procedure):
    with pytest.raises(RuntimeError), transaction.atomic():
        created = flow_version_for(procedure)
        raise RuntimeError
    assert not FlowVersion.objects.filter(pk=created.pk).exists()
    again = flow_version_for(procedure)
    assert FlowVersion.objects.filter(pk=again.pk, is_published=True).exists()


def test_a_copy_is_rebuilt_on_a_new_day(db, monkeypatch):
    days = []
    cache = ReferenceCache("units", lambda day: days.append(day) or len(days))
    assert cache.get() == cache.get() == 1
    monkeypatch.setattr("tinhso.core.reference.today", lambda: datetime.date(2030, 1, 1))
    assert cache.get() == 2 and days[-1] == datetime.date(2030, 1, 1)


def test_versions_change_on_every_kind_of_write(procedure):
    before = version("catalogue")
    RequiredDocument.objects.filter(procedure=procedure).delete()
    assert version("catalogue") != before


def test_trigger_names_are_identifiers(db):
    with pytest.raises(ValueError), connection.schema_editor() as editor:
        install_triggers(editor, "units'); DROP TABLE x; --", ["units_administrativeunit"])


@pytest.mark.django_db(transaction=True)
def test_all_versions_are_read_once_per_request_until_it_writes(procedure, desk, citizen):
    actions.procedure_in_force(procedure.code), commune_codes(), get_calendar()
    request_started()
    try:
        with CaptureQueriesContext(connection) as queries:
            actions.procedure_in_force(procedure.code), commune_codes(), get_calendar()
            actions.procedure_in_force(procedure.code), commune_codes(), get_calendar()
        assert [query["sql"] for query in queries.captured_queries] == [
            "SELECT name, version FROM core_referenceversion"
        ]
        Procedure.objects.filter(pk=procedure.pk).update(submit_online=False)
        assert not actions.procedure_in_force(procedure.code).procedure.submit_online
        with pytest.raises(RuntimeError), transaction.atomic():
            Procedure.objects.filter(pk=procedure.pk).update(submit_online=True)
            assert actions.procedure_in_force(procedure.code).procedure.submit_online
            raise RuntimeError
        assert not actions.procedure_in_force(procedure.code).procedure.submit_online
    finally:
        request_finished()


def test_a_change_through_an_action_is_seen_at_once_by_another_process(admin_user):
    """Another process: its own copy (a new cache), the same database."""
    other_process = ReferenceCache("calendar", calendar_load)
    day = datetime.date(2025, 12, 11)
    assert get_calendar().periods(day) and other_process.get().periods(day)
    save_exception(admin_user, CalendarException(date=day, kind="day_off", name="Nghỉ"))
    assert not get_calendar().periods(day)
    assert not other_process.get().periods(day)


def test_a_queryset_update_leaves_no_stale_copy(procedure, desk, citizen):
    day = datetime.date(2026, 1, 10)  # a make-up working day the migration ships
    assert get_calendar().periods(day)
    CalendarException.objects.filter(date=day).update(kind="day_off")
    assert not get_calendar().periods(day)
    version = flow_version_for(procedure)
    start = version.states.get(is_start=True)
    assert set(actions_out(start.pk, version)) == {"tiep_nhan"}
    Action.objects.filter(from_state=start).update(name="Tiếp nhận hồ sơ")
    assert actions_out(start.pk, version)["tiep_nhan"].name == "Tiếp nhận hồ sơ"


def test_no_model_instance_is_shared_between_callers(procedure, desk):
    first, second = (actions.procedure_in_force(procedure.code) for _ in range(2))
    assert first.procedure is not second.procedure
    assert first.agencies[desk.code] is not second.agencies[desk.code]
    assert not {id(document) for document in first.documents.values()} & {
        id(document) for document in second.documents.values()
    }
    first.procedure.name = "changed by one request"
    first.procedure.eform["pages"].clear()
    third = actions.procedure_in_force(procedure.code)
    assert third.procedure.name == procedure.name and third.procedure.eform["pages"]
    version = flow_version_for(procedure)
    assert flow_version_for(procedure) is not version
    start = version.states.get(is_start=True)
    one, other = actions_out(start.pk, version)["tiep_nhan"], actions_out(start.pk, version)["tiep_nhan"]
    assert one is not other and one.to_state is not other.to_state
    one.roles.append("changed")
    assert "changed" not in actions_out(start.pk, version)["tiep_nhan"].roles
