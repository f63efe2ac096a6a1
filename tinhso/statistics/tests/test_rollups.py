"""Counters after real back-office actions, periods, rebuild and parallel draining."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from tinhso.dossiers import actions as dossier_actions
from tinhso.dossiers.models import Dossier, DossierEvent, DueTimeChange
from tinhso.motcua import actions as motcua
from tinhso.statistics.index766 import DOSSIER_COUNTS, index_766, index_dossier_ids
from tinhso.statistics.models import DailyRollup, IndexRow, MonthlyRollup, ProcessedEvent, RollupCursor
from tinhso.statistics.report import one_stop_report
from tinhso.statistics.rollup import advance_cursor, apply_pending_events, drain, rebuild
from tinhso.statistics.tests.conftest import accept, finish, walk_in
from tinhso.workflows.tests.conftest import submit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def report(**kwargs):
    kwargs.setdefault("date_from", TODAY() - datetime.timedelta(days=1))
    kwargs.setdefault("date_to", TODAY() + datetime.timedelta(days=60))
    return one_stop_report(**kwargs)


def rollup_rows(model):
    return sorted(
        model.objects.values_list(
            "day", "agency_id", "procedure_id", "channel", *[f.name for f in model._meta.fields][5:]
        )
    )


def test_online_submission_counts_only_once_accepted(citizen, procedure, desk, officer):
    dossier = submit(citizen, procedure, desk)
    drain()
    assert report()["received"]["total"] == 0
    accept(officer, dossier)
    drain()
    result = report()
    assert result["received"] == {"total": 1, "online": 1, "direct": 0, "postal": 0}
    assert result["in_progress"] == {"total": 1, "not_yet_due": 1, "overdue": 0}
    assert result["rates"]["online"] == 100.0
    assert result["rates"]["full_process_online"] == 100.0
    assert result["indicators_766"]["digitisation"] == 100.0
    assert result["indicators_766"]["satisfaction"] is None
    assert drain() == 0, "an event is never counted twice"


def test_early_on_time_and_late(officer, desk, procedure):
    early, on_time, late = (
        walk_in(officer, desk, procedure, name) for name in ("Lê Văn Tám", "Võ Thị Sáu", "Ngô Quyền")
    )
    finish(early, early.received_at + datetime.timedelta(minutes=5))
    finish(on_time, on_time.due_at)
    finish(late, late.due_at + datetime.timedelta(hours=1))
    drain()
    result = report()
    assert result["resolved"] == {"total": 3, "early": 1, "on_time": 1, "late": 1}
    assert result["rates"]["on_time"] == pytest.approx(66.7)
    assert result["received"]["direct"] == 3
    assert result["in_progress"]["total"] == 0
    assert result["rates"]["full_process_online"] == 0.0


def test_carried_over_between_periods(officer, desk, procedure):
    dossier = walk_in(officer, desk, procedure)
    finish(dossier, dossier.received_at + datetime.timedelta(days=40))
    drain()
    today = TODAY()
    first = one_stop_report(date_from=today, date_to=today)
    assert first["received"]["total"] == 1 and first["carried_over"] == 0
    assert first["in_progress"]["total"] == 1
    later = one_stop_report(
        date_from=today + datetime.timedelta(days=1), date_to=today + datetime.timedelta(days=70)
    )
    assert later["carried_over"] == 1 and later["received"]["total"] == 0
    assert later["resolved"] == {"total": 1, "early": 0, "on_time": 0, "late": 1}
    assert later["in_progress"]["total"] == 0


def _shift_back(dossier, days):
    """Move a dossier's history ``days`` back, as if it had been received then."""
    delta = datetime.timedelta(days=days)
    for field in ("submitted_at", "received_at", "due_at"):
        value = getattr(dossier, field)
        Dossier.objects.filter(pk=dossier.pk).update(**{field: value - delta})
    for event in DossierEvent.objects.filter(dossier=dossier):
        DossierEvent.objects.filter(pk=event.pk).update(occurred_at=event.occurred_at - delta)
    for change in DueTimeChange.objects.filter(dossier=dossier):
        DueTimeChange.objects.filter(pk=change.pk).update(
            new_due_at=change.new_due_at - delta, at=change.at - delta
        )
    dossier.refresh_from_db()
    return dossier


def test_overdue_at_the_end_of_a_past_period(officer, desk, procedure):
    closed_late = _shift_back(walk_in(officer, desk, procedure, "Đinh Bộ Lĩnh"), 60)
    still_open = _shift_back(walk_in(officer, desk, procedure, "Lý Thường Kiệt"), 60)
    finish(closed_late)
    drain()
    due_day = timezone.localdate(closed_late.due_at)
    past = one_stop_report(
        date_from=due_day - datetime.timedelta(days=10), date_to=due_day + datetime.timedelta(days=1)
    )
    assert past["received"]["total"] == 2
    assert past["in_progress"] == {"total": 2, "not_yet_due": 0, "overdue": 2}
    before_due = one_stop_report(
        date_from=due_day - datetime.timedelta(days=10), date_to=due_day - datetime.timedelta(days=1)
    )
    assert before_due["in_progress"] == {"total": 2, "not_yet_due": 2, "overdue": 0}
    now = report(date_from=due_day + datetime.timedelta(days=2))
    assert now["carried_over"] == 2
    assert now["resolved"]["late"] == 1
    assert now["in_progress"] == {"total": 1, "not_yet_due": 0, "overdue": 1}
    assert still_open.status == 2


def test_withdrawn_stopped_and_refused(citizen, procedure, desk, officer, leader):
    withdrawn = accept(officer, submit(citizen, procedure, desk))
    dossier_actions.withdraw_dossier(citizen, withdrawn, "Tôi nộp nhầm thủ tục")
    motcua.grant_withdrawal(officer, withdrawn)
    stopped = walk_in(officer, desk, procedure)
    motcua.stop_dossier(leader, stopped, "Người nộp đề nghị dừng do đã chuyển nơi cư trú")
    motcua.refuse_dossier(officer, submit(citizen, procedure, desk), "Hồ sơ không thuộc thẩm quyền")
    motcua.grant_withdrawal(
        officer, dossier_actions.withdraw_dossier(citizen, submit(citizen, procedure, desk), "Không cần nữa")
    )
    drain()
    result = report()
    assert result["received"]["total"] == 2
    assert (result["withdrawn"], result["stopped"], result["refused"]) == (1, 1, 1)
    assert result["in_progress"]["total"] == 0


def test_include_children(officer, other_officer, desk, other_desk, procedure, province):
    walk_in(officer, desk, procedure)
    walk_in(other_officer, other_desk, procedure)
    drain()
    committee = desk.parent
    assert report(agency=committee)["received"]["total"] == 1
    assert report(agency=committee, include_children=False)["received"]["total"] == 0
    assert report(agency=desk, include_children=False)["received"]["total"] == 1
    assert report()["received"]["total"] == 2
    assert report(agency=province["agencies"]["province"])["received"]["total"] == 2
    assert report(field=procedure.field)["received"]["total"] == 2
    assert report(procedure=procedure, agency=other_desk)["received"]["total"] == 1


def test_monthly_and_daily_rollups_agree(officer, desk, procedure):
    walk_in(officer, desk, procedure)
    drain()
    month = TODAY().replace(day=1)
    assert MonthlyRollup.objects.get(day=month).received == 1
    assert DailyRollup.objects.get(day=TODAY()).received == 1
    start = (month - datetime.timedelta(days=1)).replace(day=1)
    assert one_stop_report(date_from=start, date_to=TODAY())["received"]["total"] == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_rebuild_equals_incremental(citizen, officer, leader, desk, other_desk, other_officer, procedure):
    a, b, c = (walk_in(officer, desk, procedure, name) for name in ("Hồ Xuân Hương", "Nguyễn Du", "Bà Triệu"))
    finish(_shift_back(a, 30))
    finish(b, b.due_at - datetime.timedelta(hours=1))
    motcua.stop_dossier(leader, _shift_back(c, 20), "Dừng theo đề nghị của người nộp")
    walk_in(other_officer, other_desk, procedure)
    online = accept(officer, submit(citizen, procedure, desk))
    dossier_actions.withdraw_dossier(citizen, online, "Đã giải quyết ở nơi khác")
    motcua.refuse_dossier(officer, submit(citizen, procedure, desk), "Sai thẩm quyền")
    drain()
    incremental = (rollup_rows(DailyRollup), rollup_rows(MonthlyRollup))
    assert DailyRollup.objects.filter(overdue_from=1).count() == 2
    rebuild()
    assert (rollup_rows(DailyRollup), rollup_rows(MonthlyRollup)) == incremental
    assert drain() == 0


def test_the_drained_index_counts_the_dossiers_of_its_lists(
    citizen, officer, leader, desk, other_desk, other_officer, procedure, settings
):
    """Each 766 number read from the drained rollups is the length of the list it opens (a scan
    of the dossiers), for the province and per agency; a later event corrects the dossier's row."""
    a, b, c = (walk_in(officer, desk, procedure, name) for name in ("Hồ Xuân Hương", "Nguyễn Du", "Bà Triệu"))
    finish(b, b.due_at - datetime.timedelta(hours=1))
    drain()
    assert IndexRow.objects.get(pk=b.pk).finished_day == timezone.localdate(
        b.due_at - datetime.timedelta(hours=1)
    )
    finish(_shift_back(a, 30))
    motcua.stop_dossier(leader, _shift_back(c, 20), "Dừng theo đề nghị của người nộp")
    walk_in(other_officer, other_desk, procedure)
    online = accept(officer, submit(citizen, procedure, desk))
    dossier_actions.withdraw_dossier(citizen, online, "Đã giải quyết ở nơi khác")
    drain()
    settings.NATIONAL_PORTAL_URL = "https://dichvucong.gov.vn/lien-thong"  # 1.4 is measured too
    first = TODAY() - datetime.timedelta(days=45)
    result = index_766(date_from=first, date_to=TODAY())
    cards = [(None, result["total"]), *((card["agency_id"], card) for card in result["agencies"])]
    assert len(cards) == 3
    for agency_id, card in cards:
        rows = {row["code"]: row for group in card["groups"] for row in group["indicators"]}
        for code, (part, whole) in DOSSIER_COUNTS.items():
            lists = [
                len(index_dossier_ids(flag, date_from=first, date_to=TODAY(), receiving_agency_id=agency_id))
                for flag in (part, whole)
            ]
            assert [rows[code]["numerator"] or 0, rows[code]["denominator"] or 0] == lists, code
    assert rows_of_total(result)["2.1"]["denominator"] == 5


def rows_of_total(result):
    return {row["code"]: row for group in result["total"]["groups"] for row in group["indicators"]}


def test_cursor_moves_over_counted_events_only(officer, desk, procedure):
    walk_in(officer, desk, procedure)
    drain()
    assert advance_cursor() == 0, "recent events keep their rows for an hour"
    last = DossierEvent.objects.order_by("-pk").first().pk
    assert advance_cursor(lag=datetime.timedelta(0)) == last
    assert not ProcessedEvent.objects.exists()
    walk_in(officer, desk, procedure)
    assert apply_pending_events() == 2
    assert RollupCursor.objects.get().low_water == last
    assert report()["received"]["total"] == 2


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_first_uncounted_event_is_found_by_an_anti_join_however_far_behind(officer, desk, procedure):
    """``NOT IN (counted ids)`` becomes a comparison of every event with every counted id once the
    ids outgrow ``work_mem``: a rollup drain and every operations-centre page took hours on a
    database 260,000 events behind. The drain and the centre's "data as of" must plan an anti-join."""
    from django.test.utils import CaptureQueriesContext

    from tinhso.ioc.indicators import data_as_of

    walk_in(officer, desk, procedure)
    with connection.cursor() as cursor:
        # Counted ids beyond the outbox's own (as after an import), and statistics to plan with.
        cursor.execute(
            f"INSERT INTO {ProcessedEvent._meta.db_table} (event_id, processed_at) "
            "SELECT 1000000 + n, now() FROM generate_series(1, 50000) n"
        )
        cursor.execute(f"ANALYZE {ProcessedEvent._meta.db_table}")
        cursor.execute("SET LOCAL work_mem = '64kB'")
        with CaptureQueriesContext(connection) as queries:
            advance_cursor()
            data_as_of(timezone.now())
        searches = [query["sql"] for query in queries if DossierEvent._meta.db_table in query["sql"]]
        assert len(searches) == 2
        for search in searches:
            cursor.execute("EXPLAIN " + search)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "SubPlan" not in plan and "Anti Join" in plan, plan


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_parallel_workers_count_each_event_once(officer, desk, procedure):
    for number in range(12):
        walk_in(officer, desk, procedure, f"Người nộp số {number + 1}")
    events = DossierEvent.objects.count()
    counted = []
    barrier = threading.Barrier(4)

    def worker():
        try:
            barrier.wait()
            while count := apply_pending_events(batch=3):
                counted.append(count)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counted) == events
    assert ProcessedEvent.objects.count() == events
    assert report()["received"]["total"] == 12


def test_rebuild_counts_dossiers_that_never_had_a_due_time(officer, desk, procedure):
    """A dossier closed without a due time (e.g. loaded from an older system) is neither late
    nor on time; the rebuild must not choke on the missing due time."""
    dossier = walk_in(officer, desk, procedure)
    Dossier.objects.filter(pk=dossier.pk).update(due_at=None)
    dossier.refresh_from_db()
    finish(dossier, timezone.now() + datetime.timedelta(days=2))  # closed on another day than received
    rebuild()
    totals = report()["resolved"]
    assert totals["late"] == 0
    assert totals["total"] == 1
