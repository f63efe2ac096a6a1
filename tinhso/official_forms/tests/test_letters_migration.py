"""Migration 0003 moves the letters numbered by their own counter into the documents' series: each
letter gets the series its type has in its agency, and each series counter is raised past the
letters' numbers so that no number given afterwards repeats one a letter has."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tinhso import testing as factories
from tinhso.documents.models import RegisterSettings, SeriesCounter, SeriesMode
from tinhso.official_forms.models import Letter

BEFORE = [("official_forms", "0002_issued_forms")]
AFTER = [("official_forms", "0003_letters_in_documents_series")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_the_latest(transactional_db):
    """The schema as the latest migrations leave it afterwards: the tests after this one on the
    worker need the migrations that came after 0003."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_letters_get_their_series_and_the_counters_pass_their_numbers(back_to_the_latest):
    agencies = factories.make_province()["agencies"]
    common, per_type = agencies["my_tho"], agencies["cao_lanh"]
    RegisterSettings.objects.create(agency=per_type, series_mode=SeriesMode.PER_TYPE)
    SeriesCounter.objects.create(agency=common, year=2026, series="common", value=3)
    SeriesCounter.objects.create(agency=common, year=2026, series="type:thong_bao", value=9)
    dossier = factories.make_dossier(factories.make_procedure(eform={}), common)
    old = migrate(BEFORE).get_model("official_forms", "Letter")
    at = datetime.datetime(2026, 3, 2, 3, 0, tzinfo=datetime.UTC)
    for agency, form, number in ((common, 4, 6), (common, 5, 7), (per_type, 4, 1), (per_type, 5, 2)):
        old.objects.create(
            dossier_id=dossier.pk,
            form_number=form,
            agency_id=agency.pk,
            year=2026,
            number=number,
            reference=f"{number:02d}/X",
            issued_at=at,
        )
    migrate(AFTER)
    series = {(letter.agency_id, letter.number): letter.series for letter in Letter.objects.order_by("pk")}
    assert series == {
        (common.pk, 6): "common",
        (common.pk, 7): "common",
        (per_type.pk, 1): "type:cong_van",
        (per_type.pk, 2): "type:thong_bao",
    }
    counters = {
        (counter.agency_id, counter.series): counter.value
        for counter in SeriesCounter.objects.filter(year=2026)
    }
    assert counters == {
        (common.pk, "common"): 7,
        (common.pk, "type:thong_bao"): 9,
        (per_type.pk, "type:cong_van"): 1,
        (per_type.pk, "type:thong_bao"): 2,
    }
