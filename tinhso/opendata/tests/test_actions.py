"""The catalogue's writes: who may create, describe, refresh and publish; what a refresh keeps;
the refusals, which change nothing."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from tinhso import testing as factories
from tinhso.audit.models import AuditEntry
from tinhso.opendata import actions
from tinhso.opendata.models import Activity, Dataset, Version
from tinhso.opendata.tests.conftest import TODAY
from tinhso.procedures.models import Procedure
from tinhso.statistics.models import AgencyMonthlyRollup

pytestmark = pytest.mark.django_db


def create(actor, organization, **fields):
    return actions.create_dataset(
        actor,
        organization=organization,
        source=fields.pop("source", "dossiers_monthly"),
        name=fields.pop("name", "ho-so-theo-thang"),
        title=fields.pop("title", "Hồ sơ theo tháng"),
        **fields,
    )


def test_an_agency_administrator_creates_a_dataset_of_their_agency_and_nobody_else_can(people, province):
    agencies = province["agencies"]
    dataset = create(people["ward_admin"], agencies["my_tho"], tags=["hồ sơ", " hồ sơ ", "thống kê"])
    assert (dataset.organization, dataset.is_published, dataset.tags) == (
        agencies["my_tho"],
        False,
        ["hồ sơ", "thống kê"],
    )
    assert dataset.resources.count() == 1
    assert AuditEntry.objects.filter(action="opendata.dataset_create", object_id=str(dataset.pk)).exists()
    assert list(Activity.objects.filter(dataset=dataset).values_list("kind", flat=True)) == ["created"]
    for actor, organization in (
        (people["ward_admin"], agencies["province"]),
        (people["ward_admin"], agencies["cao_lanh"]),
        (people["ward_officer"], agencies["my_tho"]),
        (people["citizen"], agencies["my_tho"]),
    ):
        with pytest.raises(PermissionDenied):
            create(actor, organization, name="khac")
    assert Dataset.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "Hồ-sơ"}, "name"),
        ({"name": "a"}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "ho-so\x00"}, "name"),
        ({"source": "dossiers; drop table"}, "source"),
        ({"title": "   "}, "title"),
        ({"title": "T" * 256}, "title"),
        ({"notes": "n" * 10_001}, "notes"),
        ({"license_id": "proprietary"}, "license_id"),
        ({"frequency": "HOURLY"}, "frequency"),
        ({"tags": "hồ sơ"}, "tags"),
        ({"tags": [f"t{n}" for n in range(21)]}, "tags"),
        ({"tags": ["t" * 51]}, "tags"),
    ],
)
def test_bad_metadata_is_refused_by_field_and_nothing_is_written(people, province, fields, field):
    with pytest.raises(ValidationError) as refused:
        create(people["admin"], province["agencies"]["province"], **fields)
    assert field in refused.value.message_dict
    assert (
        not Dataset.objects.exists()
        and not AuditEntry.objects.filter(action__startswith="opendata.").exists()
    )


def test_an_address_is_never_given_twice(people, province):
    create(people["admin"], province["agencies"]["province"])
    with pytest.raises(ValidationError) as refused:
        create(people["admin"], province["agencies"]["my_tho"])
    assert "name" in refused.value.message_dict


def test_a_refresh_keeps_a_version_only_when_the_data_changed_and_the_earlier_one_stays(
    people, province, rollups
):
    dataset = create(people["admin"], province["agencies"]["province"])
    first = actions.refresh_dataset(people["admin"], dataset, TODAY)
    assert [version.number for version in first] == [1]
    # November only: December is not finished on TODAY; the two channels of Mỹ Tho in one row.
    assert first[0].records == [
        [
            "2026-11",
            "H20.201.01",
            "Trung tâm Phục vụ hành chính công phường Mỹ Tho",
            17,
            12,
            0,
            13,
            0,
            0,
            0,
            0,
        ],
        [
            "2026-11",
            "H20.202.01",
            "Trung tâm Phục vụ hành chính công phường Cao Lãnh",
            7,
            0,
            0,
            7,
            0,
            0,
            0,
            0,
        ],
    ]
    assert actions.refresh_dataset(None, dataset, TODAY) == []
    assert actions.refresh_dataset(None, dataset, datetime.date(2027, 1, 2))[0].number == 2
    versions = {version.number: version for version in Version.objects.filter(resource__dataset=dataset)}
    assert versions[1].row_count == 2 and versions[2].row_count == 3
    assert versions[1].records == first[0].records
    kinds = list(Activity.objects.filter(dataset=dataset).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["created", "new_version", "new_version"]


def test_a_ward_publishes_only_its_own_figures(people, province, rollups):
    dataset = create(people["ward_admin"], province["agencies"]["my_tho"])
    [version] = actions.refresh_dataset(people["ward_admin"], dataset, TODAY)
    assert [row[1] for row in version.records] == ["H20.201.01"]


def test_the_procedure_catalogue_and_the_directory_hold_public_facts_only(people, province, procedure):
    agencies = province["agencies"]
    catalogue = create(people["admin"], agencies["province"], source="procedures", name="thu-tuc")
    [version] = actions.refresh_dataset(people["admin"], catalogue, TODAY)
    [row] = version.records
    assert row[:3] == ["1.001193", "Thủ tục đăng ký khai sinh", "Hộ tịch"]
    assert (row[4], row[7], row[8]) == (3, True, False)
    # A commune procedure listing no agency is carried out by every commune.
    everywhere = factories.make_procedure(code="1.000656")
    [with_commune] = actions.refresh_dataset(people["admin"], catalogue, TODAY)
    assert [row[0] for row in with_commune.records] == ["1.000656", "1.001193"]
    desk_only = create(people["ward_admin"], agencies["my_tho"], source="procedures", name="thu-tuc-my-tho")
    [at_the_desk] = actions.refresh_dataset(people["ward_admin"], desk_only, TODAY)
    assert [row[0] for row in at_the_desk.records] == ["1.001193"]  # no commune committee under it
    Procedure.objects.filter(pk__in=[procedure.pk, everywhere.pk]).update(is_active=False)
    [second] = actions.refresh_dataset(people["admin"], catalogue, TODAY)
    assert second.records == []
    directory = create(people["admin"], agencies["province"], source="agencies", name="danh-ba")
    [rows] = actions.refresh_dataset(people["admin"], directory, TODAY)
    assert sorted((row[0], row[3]) for row in rows.records) == [
        ("H20", ""),
        ("H20.201", "H20"),
        ("H20.201.01", "H20.201"),
        ("H20.202", "H20"),
        ("H20.202.01", "H20.202"),
    ]


def test_publishing_needs_data_and_a_withdrawn_dataset_keeps_its_versions(people, province, rollups):
    dataset = create(people["admin"], province["agencies"]["province"])
    with pytest.raises(ValidationError):
        actions.set_published(people["admin"], dataset, True)
    assert not Dataset.objects.get(pk=dataset.pk).is_published
    actions.refresh_dataset(people["admin"], dataset, TODAY)
    with pytest.raises(PermissionDenied):
        actions.set_published(people["ward_admin"], dataset, True)
    assert actions.set_published(people["admin"], dataset, True).is_published
    assert not actions.set_published(people["admin"], dataset, False).is_published
    assert Version.objects.filter(resource__dataset=dataset).count() == 1
    assert AuditEntry.objects.filter(action="opendata.dataset_withdraw").count() == 1


def test_a_description_change_is_audited_with_what_changed_and_refusals_change_nothing(people, province):
    dataset = create(people["admin"], province["agencies"]["province"])
    actions.update_dataset(
        people["admin"], dataset, title="Hồ sơ thủ tục hành chính theo tháng", notes="Số liệu"
    )
    entry = AuditEntry.objects.filter(action="opendata.dataset_update").get()
    assert entry.data["title"] == ["Hồ sơ theo tháng", "Hồ sơ thủ tục hành chính theo tháng"]
    with pytest.raises(ValidationError):
        actions.update_dataset(people["admin"], dataset, title="", notes="Khác")
    with pytest.raises(PermissionDenied):
        actions.update_dataset(people["ward_admin"], dataset, title="Khác")
    dataset.refresh_from_db()
    assert (dataset.title, dataset.notes) == ("Hồ sơ thủ tục hành chính theo tháng", "Số liệu")


@pytest.mark.django_db(transaction=True)
def test_refreshes_at_once_number_one_version(people, province, rollups):
    dataset = create(people["admin"], province["agencies"]["province"])
    AgencyMonthlyRollup.objects.filter(day__month=11).update(refused=1)
    barrier, errors = threading.Barrier(4), []

    def refresh():
        try:
            barrier.wait()
            actions.refresh_dataset(None, dataset, TODAY)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert list(Version.objects.filter(resource__dataset=dataset).values_list("number", flat=True)) == [1]
