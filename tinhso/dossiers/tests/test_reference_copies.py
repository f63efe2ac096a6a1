"""The per-process copies an online submission reads (``tinhso.core.reference``): the procedure
in force with its documents and receiving agencies, the communes, the flow version. Each must
see every committed change and never keep what a rolled-back transaction wrote."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tinhso.agencies.models import Agency
from tinhso.core.reference import ReferenceCache, install_triggers, version
from tinhso.dossiers import actions, answers
from tinhso.procedures.models import Procedure, RequiredDocument
from tinhso.units.models import AdministrativeUnit, DivisionType, Level
from tinhso.workflows.actions import flow_version_for
from tinhso.workflows.models import Flow, FlowVersion

pytestmark = pytest.mark.django_db


def commune_codes() -> set[str]:
    return set(answers.Context().communes)


def test_an_unchanged_copy_costs_one_small_query(procedure, desk):
    actions.procedure_in_force(procedure.code)
    with CaptureQueriesContext(connection) as queries:
        in_force = actions.procedure_in_force(procedure.code)
    assert [query["sql"] for query in queries.captured_queries] == [
        "SELECT version FROM core_referenceversion WHERE name = 'catalogue'"
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
