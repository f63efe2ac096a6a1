"""The rollups by agency (no procedure) and of the province (no agency either) agree with the
rollups they summarise, and give the same reports."""

import datetime
import random
from collections import defaultdict

import pytest
from django.db import connection  # noqa: F401 (the skipif condition)

from tinhso import testing as factories
from tinhso.dossiers import actions as dossier_actions
from tinhso.dossiers.models import Channel
from tinhso.motcua import actions as motcua
from tinhso.statistics.models import (
    COUNTERS,
    AgencyDailyRollup,
    AgencyMonthlyRollup,
    DailyRollup,
    MonthlyRollup,
    ProvinceDailyRollup,
    ProvinceMonthlyRollup,
)
from tinhso.statistics.report import one_stop_report
from tinhso.statistics.rollup import _upsert, drain, rebuild
from tinhso.statistics.tests.conftest import accept, finish, walk_in
from tinhso.workflows.tests.conftest import submit

pytestmark = pytest.mark.django_db
COARSE = (AgencyDailyRollup, AgencyMonthlyRollup, ProvinceDailyRollup, ProvinceMonthlyRollup)


def rows(model) -> dict:
    return {
        tuple(row[: -len(COUNTERS)]): row[-len(COUNTERS) :]
        for row in model.objects.values_list(
            "day",
            *([] if model in (ProvinceDailyRollup, ProvinceMonthlyRollup) else ["agency_id"]),
            *(["procedure_id"] if model in (DailyRollup, MonthlyRollup) else []),
            "channel",
            *COUNTERS,
        )
    }


def without_procedure(fine: dict) -> dict:
    totals: dict = defaultdict(lambda: [0] * len(COUNTERS))
    for (day, agency, _procedure, channel), counts in fine.items():
        for position, count in enumerate(counts):
            totals[(day, agency, channel)][position] += count
    return {key: tuple(counts) for key, counts in totals.items()}


def without_agency(coarse: dict) -> dict:
    totals: dict = defaultdict(lambda: [0] * len(COUNTERS))
    for (day, _agency, channel), counts in coarse.items():
        for position, count in enumerate(counts):
            totals[(day, channel)][position] += count
    return {key: tuple(counts) for key, counts in totals.items()}


def generate(agencies, procedures, seed=118) -> None:
    """Random counters over two and a half years, written in batches as the outbox drain does."""
    rng = random.Random(seed)
    start = datetime.date(2024, 6, 1)
    for _batch in range(4):
        deltas: dict = defaultdict(lambda: defaultdict(int))
        for _row in range(150):
            day = start + datetime.timedelta(days=rng.randrange(900))
            key = (day, rng.choice(agencies).pk, rng.choice(procedures).pk, rng.choice(Channel.values))
            for name in rng.sample(COUNTERS, 4):
                deltas[key][name] += rng.randint(1, 9)
        _upsert(deltas)


def test_agency_rollups_sum_the_procedure_rollups_and_give_the_same_report(province):
    agencies = list(province["agencies"].values())
    procedures = [factories.make_procedure(code) for code in ("1.001193", "1.000894", "2.000635")]
    generate(agencies, procedures)
    assert rows(AgencyDailyRollup) == without_procedure(rows(DailyRollup))
    assert rows(AgencyMonthlyRollup) == without_procedure(rows(MonthlyRollup))
    assert rows(ProvinceDailyRollup) == without_agency(rows(AgencyDailyRollup))
    assert rows(ProvinceMonthlyRollup) == without_agency(rows(AgencyMonthlyRollup))

    field = procedures[0].field  # all three procedures are in it: the report by field reads the fine rollups
    rng = random.Random(766)
    periods = [
        (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)),
        (datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)),
    ]
    for _period in range(6):
        first = datetime.date(2024, 5, 1) + datetime.timedelta(days=rng.randrange(950))
        periods.append((first, first + datetime.timedelta(days=rng.randrange(400))))
    scopes = [
        {},
        {"agency": province["agencies"]["province"]},
        *({"agency": agency, "include_children": False} for agency in agencies),
    ]
    checked = 0
    for date_from, date_to in periods:
        for scope in scopes:
            coarse = one_stop_report(date_from=date_from, date_to=date_to, **scope)
            fine = one_stop_report(date_from=date_from, date_to=date_to, field=field, **scope)
            assert {**fine, "field": None} == coarse
            checked += coarse["received"]["total"] > 0 and coarse["carried_over"] != 0
    assert checked > 10


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_rebuild_equals_incremental_for_agency_rollups(
    citizen, officer, leader, desk, other_desk, other_officer, procedure
):
    early = walk_in(officer, desk, procedure, "Hồ Xuân Hương")
    finish(early, early.due_at - datetime.timedelta(hours=1))
    walk_in(other_officer, other_desk, procedure, "Nguyễn Du")
    online = accept(officer, submit(citizen, procedure, desk))
    dossier_actions.withdraw_dossier(citizen, online, "Đã giải quyết ở nơi khác")
    motcua.refuse_dossier(officer, submit(citizen, procedure, desk), "Sai thẩm quyền")
    drain()
    incremental = tuple(rows(model) for model in COARSE)
    assert sum(counts[COUNTERS.index("received")] for counts in incremental[0].values()) == 3
    assert {key[1:] for key in incremental[0]} == {
        (desk.pk, "direct"),
        (other_desk.pk, "direct"),
        (desk.pk, "online"),
    }
    rebuild()
    assert tuple(rows(model) for model in COARSE) == incremental
