"""Every number of the statistics page opens the dossiers behind it (issue 20): for each figure of
the report and each dossier count of the Decision 766 index, on a generated year of dossiers, the
number equals the length of its list, for the province, an agency and a procedure, over the
current period and a past one; the list pages keep the page's permission."""

import datetime

import pytest
from django.utils import timezone

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.dossiers import actions as dossier_actions
from tinhso.dossiers.models import Dossier
from tinhso.motcua import actions as motcua
from tinhso.statistics.figures import FIGURES, figure_dossiers
from tinhso.statistics.index766 import DOSSIER_COUNTS, index_766, index_dossier_ids
from tinhso.statistics.report import one_stop_report
from tinhso.statistics.rollup import drain
from tinhso.statistics.tests.conftest import accept, finish, walk_in
from tinhso.statistics.tests.test_rollups import _shift_back
from tinhso.testing import signed_in
from tinhso.workflows.tests.conftest import submit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def report_figures(report: dict) -> dict:
    """The report's numbers by figure."""
    received, resolved, progress = report["received"], report["resolved"], report["in_progress"]
    return {
        "carried_over": report["carried_over"],
        "received": received["total"],
        "received_online": received["online"],
        "received_direct": received["direct"],
        "received_postal": received["postal"],
        "to_process": report["to_process"],
        "resolved": resolved["total"],
        "resolved_early": resolved["early"],
        "resolved_on_time": resolved["on_time"],
        "resolved_late": resolved["late"],
        "in_progress": progress["total"],
        "not_yet_due": progress["not_yet_due"],
        "overdue": progress["overdue"],
        "withdrawn": report["withdrawn"],
        "stopped": report["stopped"],
        "refused": report["refused"],
        "returned": report["returned"],
        **report["counts"],
    }


@pytest.fixture
def year(citizen, officer, other_officer, leader, desk, other_desk, procedure):
    """Dossiers of every kind, some moved weeks or months back: received at the counter and
    online, finished early, on time and late, stopped, withdrawn, refused, paid, overdue."""
    old = [
        _shift_back(walk_in(officer, desk, procedure, f"Người nộp {n}"), days)
        for n, days in enumerate((90, 75, 60, 45))
    ]
    finish(old[0], old[0].due_at - datetime.timedelta(days=2))  # early
    finish(old[1], old[1].due_at + datetime.timedelta(days=3))  # late, closed after its due day
    motcua.stop_dossier(leader, old[2], "Người nộp đề nghị dừng do đã chuyển nơi cư trú")
    # old[3] stays open past its due time: overdue.
    recent = [walk_in(officer, desk, procedure, f"Người nộp mới {n}") for n in range(5)]
    now = timezone.now()
    finish(recent[0], now)  # early: due in some days
    Dossier.objects.filter(pk=recent[1].pk).update(due_at=now + datetime.timedelta(minutes=5))
    finish(Dossier.objects.get(pk=recent[1].pk), now)  # on time, on its due day
    Dossier.objects.filter(pk=recent[2].pk).update(due_at=now - datetime.timedelta(hours=1))
    finish(Dossier.objects.get(pk=recent[2].pk), now)  # late
    Dossier.objects.filter(pk=recent[3].pk).update(due_at=now - datetime.timedelta(hours=2))  # overdue
    walk_in(other_officer, other_desk, procedure, "Người nộp Cao Lãnh")
    online = accept(officer, submit(citizen, procedure, desk))
    dossier_actions.mark_paid(None, online)
    withdrawn = accept(officer, submit(citizen, procedure, desk))
    dossier_actions.withdraw_dossier(citizen, withdrawn, "Tôi nộp nhầm thủ tục")
    motcua.grant_withdrawal(officer, withdrawn)
    motcua.refuse_dossier(officer, submit(citizen, procedure, desk), "Hồ sơ không thuộc thẩm quyền")
    submit(citizen, procedure, desk)  # submitted, not received: in no figure
    drain()
    return old


def scopes(desk, procedure):
    return [
        {},
        {"agency": desk.parent},
        {"agency": desk, "include_children": False},
        {"procedure": procedure},
    ]


def periods(old):
    due_day = timezone.localdate(old[1].due_at)
    return [
        (
            TODAY().replace(month=1, day=1) if TODAY().month > 4 else TODAY() - datetime.timedelta(days=120),
            TODAY(),
        ),
        (TODAY() - datetime.timedelta(days=30), TODAY()),
        (due_day - datetime.timedelta(days=20), due_day + datetime.timedelta(days=1)),  # a past period
    ]


def test_every_report_figure_equals_the_length_of_its_list(year, desk, procedure):
    checked = 0
    for scope in scopes(desk, procedure):
        for date_from, date_to in periods(year):
            numbers = report_figures(one_stop_report(**scope, date_from=date_from, date_to=date_to))
            assert set(numbers) == set(FIGURES)
            for figure, number in numbers.items():
                listed = figure_dossiers(figure, **scope, date_from=date_from, date_to=date_to)
                assert listed.count() == number, (figure, scope, date_from, date_to)
                checked += number
    assert checked > 100  # the data set gives the figures something to count


def test_every_dossier_count_of_the_766_index_equals_the_length_of_its_list(year, desk, settings):
    settings.NATIONAL_PORTAL_URL = "https://dichvucong.gov.vn/lien-thong"  # 1.4 is measured
    for agency in (None, desk.parent):
        for date_from, date_to in periods(year):
            index = index_766(agency, True, date_from=date_from, date_to=date_to)
            cards = [(None, index["total"])] + [(card["agency_id"], card) for card in index["agencies"]]
            for agency_id, card in cards:
                rows = {row["code"]: row for group in card["groups"] for row in group["indicators"]}
                for code, (numerator, denominator) in DOSSIER_COUNTS.items():
                    for flag, number in (
                        (numerator, rows[code]["numerator"]),
                        (denominator, rows[code]["denominator"]),
                    ):
                        ids = index_dossier_ids(
                            flag,
                            agency,
                            True,
                            date_from=date_from,
                            date_to=date_to,
                            receiving_agency_id=agency_id,
                        )
                        assert len(ids) == (number or 0), (code, flag, agency_id, date_from)


def test_the_page_links_every_number_to_its_list(client, year, leader, desk):
    signed_in(client, leader)
    query = {"agency": desk.parent.pk, "include_children": "on"}
    query |= {"date_from": (TODAY() - datetime.timedelta(days=120)).strftime("%d/%m/%Y")}
    query |= {"date_to": TODAY().strftime("%d/%m/%Y")}
    page = client.get("/thong-ke/", query)
    rows = page.context["rows"]
    linked = [(label, value, url) for label, value, url, _parts in rows if url]
    assert len(linked) == 17
    for label, value, url in linked:
        listing = client.get(url)
        assert listing.status_code == 200, label
        assert listing.context["page"].paginator.count == value, label
    rate_parts = [part for _label, _value, _url, parts in rows for part in parts]
    assert rate_parts and all(
        client.get(url).context["page"].paginator.count == n for n, url, _t in rate_parts
    )
    glance = page.context["glance"]
    for bar in glance["months"]["bars"]:
        assert client.get(bar["url"]).context["page"].paginator.count == bar["value"], bar["month"]
    for bar in glance["agencies"]["bars"]:
        assert client.get(bar["url"]).status_code == 200
    index_rows = [row for group in page.context["index"]["total"]["groups"] for row in group["indicators"]]
    for row in (row for row in index_rows if row.get("numerator_url")):
        assert client.get(row["numerator_url"]).context["page"].paginator.count == row["numerator"]
        assert client.get(row["denominator_url"]).context["page"].paginator.count == row["denominator"]
    html = page.content.decode()
    assert "/thong-ke/ho-so/received/?" in html and "/thong-ke/chi-so-766/on_time/?" in html


def test_an_agency_viewer_cannot_list_another_agencys_dossiers(client, year, desk, other_desk):
    signed_in(client, factories.make_officer(other_desk.parent, "lanhdao.caolanh", Role.LEADER))
    query = {"agency": desk.parent.pk, "date_from": "01/01/2026", "date_to": TODAY().strftime("%d/%m/%Y")}
    for url in ("/thong-ke/ho-so/received/", "/thong-ke/qua-han/", "/thong-ke/chi-so-766/handled/"):
        refused = client.get(url, query)
        assert refused.status_code == 302 and "page" not in (refused.context or {}), url
    # Within their own agency, another agency's dossier cannot be asked for either.
    own = {**query, "agency": other_desk.parent.pk, "include_children": "on", "receiving_agency": desk.pk}
    listing = client.get("/thong-ke/chi-so-766/handled/", own)
    assert listing.status_code == 200 and listing.context["page"].paginator.count == 0
    assert client.get("/thong-ke/ho-so/khong-co/", query).status_code == 404
