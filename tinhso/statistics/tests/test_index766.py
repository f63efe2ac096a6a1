"""The Decision 766 index against an independent computation in plain Python over a generated
province: two one-stop desks, a spring 2026 period, dossiers early, on time, late, stopped, in
progress and not yet due, supplements (answered, twice, late, pending), extensions, payments
online and in cash, electronic results and ratings; plus the scoring and the "no data" rows."""

import datetime
import random
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tinhso import testing as factories
from tinhso.dossiers.models import (
    Attachment,
    Dossier,
    DossierEvent,
    DossierRating,
    DossierStatusChange,
    DueTimeChange,
    SupplementRequest,
)
from tinhso.dossiers.status import Status
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.procedures.models import Fee, FeeKind, OnlineLevel
from tinhso.signing.actions import issue_agency_certificate
from tinhso.signing.models import SignedDocument
from tinhso.statistics.index766 import INDICATORS, index_766, index_rows, score
from tinhso.statistics.models import IndexRow
from tinhso.statistics.rollup import rebuild

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
PERIOD = (datetime.date(2026, 3, 1), datetime.date(2026, 5, 31))


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def make_procedures():
    paying = factories.make_procedure("2.001610", documents=False)
    Fee.objects.create(procedure=paying, position=1, name="Lệ phí", amount=50000, kind=FeeKind.FIXED)
    free = factories.make_procedure("1.004873", documents=False)
    free.online_level = OnlineLevel.PARTIAL
    free.save()
    optional = factories.make_procedure("2.000635", documents=False)
    Fee.objects.create(procedure=optional, position=1, name="Phí bưu chính", amount=0, kind=FeeKind.BY_OPTION)
    return [paying, free, optional]


def generate(province, count=160, seed=766):
    """Dossiers with real dates around the period, written as the actions leave them."""
    rng = random.Random(seed)
    desks = [province["agencies"]["my_tho"], province["agencies"]["cao_lanh"]]
    certificates = {desk.pk: issue_agency_certificate(None, desk) for desk in desks}
    procedures = make_procedures()
    citizen = factories.make_citizen()
    for number in range(count):
        desk, procedure = rng.choice(desks), rng.choice(procedures)
        received = at(datetime.date(2026, 1, 5) + rng.randrange(175) * DAY, rng.randrange(8, 17))
        due = received + rng.randrange(3, 15) * DAY
        dossier = Dossier.objects.create(
            code=f"{desk.code}-{number:04d}",
            procedure=procedure,
            applicant=citizen,
            applicant_name="Nguyễn Thị Thu Hà",
            receiving_agency=desk,
            channel=rng.choice(["online", "online", "direct", "postal"]),
            status=Status.PROCESSING,
            is_draft=False,
            submitted_at=received - datetime.timedelta(hours=2),
            received_at=received,
            due_at=due,
        )
        DueTimeChange.objects.create(
            dossier=dossier, kind="acceptance", old_due_at=None, new_due_at=due, at=received
        )
        if rng.random() < 0.15:  # a supplement asked at reception, before the dossier was received
            SupplementRequest.objects.create(
                dossier=dossier,
                requested_at=received - DAY,
                answered_at=received - 2 * HOUR,
                from_status=Status.NEW,
            )
        supplements = rng.choice([0, 0, 0, 1, 1, 2, 1])
        moment = received
        for index in range(supplements):
            moment = moment + rng.randrange(1, 4) * DAY
            pending = index == supplements - 1 and rng.random() < 0.25
            answered = None if pending else moment + rng.randrange(1, 6) * DAY
            SupplementRequest.objects.create(
                dossier=dossier,
                requested_at=moment,
                answered_at=answered,
                from_status=Status.PROCESSING,
                is_late=rng.random() < 0.2,
            )
            DueTimeChange.objects.create(
                dossier=dossier, kind="supplement", old_due_at=dossier.due_at, new_due_at=None, at=moment
            )
            dossier.due_at = None
            if pending:
                dossier.status = Status.SUPPLEMENT
                break
            restarted = answered + (due - received)
            DueTimeChange.objects.create(
                dossier=dossier, kind="supplemented", old_due_at=None, new_due_at=restarted, at=answered
            )
            dossier.due_at, moment = restarted, answered
        if dossier.status != Status.SUPPLEMENT and rng.random() < 0.2:
            extended = dossier.due_at + 2 * DAY
            DueTimeChange.objects.create(
                dossier=dossier,
                kind="extension",
                old_due_at=dossier.due_at,
                new_due_at=extended,
                at=dossier.due_at - DAY,
            )
            dossier.due_at = extended
        outcome = rng.random()
        if dossier.status == Status.SUPPLEMENT:
            pass
        elif outcome < 0.6:
            dossier.finished_at = dossier.due_at + rng.randrange(-5, 4) * DAY + rng.randrange(-3, 3) * HOUR
            dossier.finished_at = max(dossier.finished_at, moment + datetime.timedelta(hours=1))
            dossier.status = rng.choice([Status.FINISHED, Status.RETURNED])
        elif outcome < 0.7:
            stopped = moment + 2 * DAY
            DossierStatusChange.objects.create(
                dossier=dossier, from_status=Status.PROCESSING, to_status=Status.STOPPED, at=stopped
            )
            DueTimeChange.objects.create(
                dossier=dossier, kind="stop", old_due_at=dossier.due_at, new_due_at=None, at=stopped
            )
            dossier.status, dossier.due_at = Status.STOPPED, None
        if procedure.code != "1.004873" and rng.random() < 0.7:
            dossier.paid_at = received + datetime.timedelta(hours=3)
            if rng.random() < 0.6:
                Payment.objects.create(
                    dossier=dossier,
                    payer=citizen,
                    amount=50000,
                    txn_ref=f"766{number:08d}",
                    order_info=dossier.code,
                    status=PaymentStatus.PAID,
                    paid_at=dossier.paid_at,
                    expires_at=dossier.paid_at,
                )
            elif rng.random() < 0.3:
                Payment.objects.create(
                    dossier=dossier,
                    payer=citizen,
                    amount=50000,
                    txn_ref=f"766{number:08d}",
                    order_info=dossier.code,
                    status=PaymentStatus.FAILED,
                    expires_at=dossier.paid_at,
                )
        dossier.save()
        if rng.random() < 0.7:
            Attachment.objects.create(
                dossier=dossier,
                original_name="to-khai.pdf",
                file="x.pdf",
                content_type="application/pdf",
                size=100,
                sha256="0" * 64,
            )
        if dossier.finished_at is not None and rng.random() < 0.6:
            SignedDocument.objects.create(
                title="Kết quả",
                agency=desk,
                dossier=dossier,
                certificate=certificates[desk.pk],
                file="r.pdf",
                size=100,
                sha256="1" * 64,
                signed_at=dossier.finished_at,
                signer_name="Phạm Thị Hồng",
            )
        if dossier.finished_at is not None and rng.random() < 0.5:
            DossierRating.objects.create(
                dossier=dossier,
                stars=rng.randrange(1, 6),
                rated_at=dossier.finished_at + rng.randrange(0, 40) * DAY,
            )


def expected(date_from, date_to, now):
    """Every indicator's (numerator, denominator) per desk and in total, walking each dossier."""
    start, end = at(date_from, 0), at(date_to + DAY, 0)
    bound = min(end, now)
    tally = {}
    fee_procedures = {}
    for dossier in Dossier.objects.order_by("pk"):
        requests = list(dossier.supplement_requests.exclude(from_status=Status.NEW).order_by("requested_at"))
        changes = list(dossier.due_time_changes.order_by("at", "pk"))
        stopped = None
        if dossier.status == Status.STOPPED:
            stopped = dossier.status_changes.filter(to_status=Status.STOPPED).latest("at").at
        closed = dossier.finished_at or stopped
        if dossier.received_at >= end or (closed is not None and closed < start):
            continue
        finish = closed if closed is not None and closed < end else bound
        made = [r for r in requests if r.requested_at < finish]
        late = len(made) > 1 or any(r.is_late for r in made)
        open_requests = [r for r in made if r.answered_at is None or r.answered_at >= finish]
        if open_requests:
            finish = open_requests[0].requested_at
        paused = datetime.timedelta(0)
        for request in made:
            if request.answered_at is not None and request.answered_at < finish:
                paused += request.answered_at - request.requested_at
        first_supplement = next((c for c in changes if c.kind == "supplement"), None)
        if first_supplement is not None:
            due = first_supplement.old_due_at
            for change in changes:
                if change.kind in ("extension", "paid") and change.at > first_supplement.at:
                    due += change.new_due_at - change.old_due_at
        elif stopped is not None:
            due = next(c for c in changes if c.kind == "stop").old_due_at
        else:
            due = dossier.due_at
        on_time = not late and (due is None or finish - paused <= due)
        e_result = dossier.signed_documents.exists()
        rating = DossierRating.objects.filter(dossier=dossier).first()
        paid_online = dossier.payments.filter(status="paid").exists()
        fees = list(dossier.procedure.fees.all())
        for key in (dossier.receiving_agency_id, None):
            t = tally.setdefault(
                key, {code: [0, 0] for code in ("2.1", "3.3", "3.6", "4.1", "4.2", "dislike")}
            )
            t["2.1"][0] += on_time
            t["2.1"][1] += 1
            t["dislike"][0] += rating is not None and rating.stars <= 2 and rating.rated_at < end
            if dossier.finished_at is not None and start <= dossier.finished_at < end:
                t["4.1"][1] += 1
                t["4.1"][0] += e_result
            if dossier.received_at < start:
                continue
            t["4.2"][1] += 1
            t["4.2"][0] += dossier.attachments.exists() and (dossier.finished_at is None or e_result)
            if dossier.procedure.online_level == OnlineLevel.FULL:
                t["3.3"][1] += 1
                t["3.3"][0] += dossier.channel == "online" and (dossier.finished_at is None or e_result)
            if dossier.paid_at is not None or any(f.amount > 0 and f.kind != FeeKind.BY_OPTION for f in fees):
                t["3.6"][1] += 1
                t["3.6"][0] += paid_online
            if any(f.amount > 0 or f.kind == FeeKind.BY_OPTION for f in fees):
                procedures = fee_procedures.setdefault(key, {})
                procedures[dossier.procedure_id] = procedures.get(dossier.procedure_id, False) or paid_online
    for key, procedures in fee_procedures.items():
        tally[key]["3.5b"] = [sum(procedures.values()), len(procedures)]
    return tally


def rows_of(card):
    return {row["code"]: row for group in card["groups"] for row in group["indicators"]}


def check(card, t):
    rows = rows_of(card)
    for code in ("2.1", "3.3", "3.5b", "3.6", "4.1", "4.2"):
        part, whole = t.get(code, [0, 0])
        assert (rows[code]["numerator"], rows[code]["denominator"]) == (part, whole), code
        rate = round(100 * part / whole, 2) if whole else None
        assert rows[code]["rate"] == rate, code
        indicator = next(i for i in INDICATORS if i.code == code)
        threshold = indicator.threshold or 100
        points = None if rate is None else round(indicator.points * min(rate, threshold) / threshold, 2)
        assert rows[code]["points"] == points, code
    handled = t["2.1"][1]
    satisfaction = 100 - 100 * (handled - t["2.1"][0]) / handled - 100 * t["dislike"][0] / handled
    assert rows["5.4"]["rate"] == round(max(0.0, satisfaction), 2)
    measured = [row for row in rows.values() if row["points"] is not None]
    assert card["points"] == pytest.approx(sum(row["points"] for row in measured), abs=0.02)
    assert card["measured_max"] == sum(row["max_points"] for row in measured)


@pytest.mark.parametrize("today", [datetime.date(2026, 12, 3), datetime.date(2026, 4, 15)])
def test_every_indicator_matches_an_independent_computation(province, today, monkeypatch):
    generate(province)
    now = at(today, 10)
    monkeypatch.setattr(timezone, "now", lambda: now)
    rebuild()
    date_from, date_to = PERIOD[0], min(PERIOD[1], today)
    result = index_766(date_from=date_from, date_to=date_to)
    tally = expected(date_from, date_to, now)
    desks = [province["agencies"]["my_tho"], province["agencies"]["cao_lanh"]]
    assert tally[None]["2.1"][1] > 50, "the data set is large enough to mean something"
    assert 0 < tally[None]["2.1"][0] < tally[None]["2.1"][1]
    check(result["total"], tally[None])
    assert {card["agency_id"] for card in result["agencies"]} == {desk.pk for desk in desks}
    for card in result["agencies"]:
        check(card, tally[card["agency_id"]])
    shares = [card["share"] for card in result["agencies"]]
    assert shares == sorted(shares, reverse=True) and [c["rank"] for c in result["agencies"]] == [1, 2]
    one = index_766(agency=desks[0], date_from=date_from, date_to=date_to)
    check(one["total"], tally[desks[0].pk])


def test_the_set_based_rebuild_writes_the_rows_index_rows_computes(province):
    """The rebuild's SQL (dossiers without a supplement during processing) and ``index_rows``
    (the others, and every drained dossier) give each dossier the same ``IndexRow``."""
    generate(province)
    rebuild()
    fields = [field.attname for field in IndexRow._meta.fields]
    stored = {row.pk: [getattr(row, name) for name in fields] for row in IndexRow.objects.all()}
    fresh = {
        row.dossier_id: [getattr(row, name) for name in fields]
        for row in index_rows(list(Dossier.objects.values_list("pk", flat=True)))
    }
    assert len(stored) == Dossier.objects.filter(received_at__isnull=False).count() == 160
    assert stored == fresh


def test_the_rules_of_2_1_on_chosen_dossiers(province):
    """In progress and not yet due: on time; a second supplement request: late; the time waiting
    for the applicant is not counted."""
    desk = province["agencies"]["my_tho"]
    procedure = factories.make_procedure(documents=False)
    received = at(datetime.date(2026, 3, 2), 9)

    def dossier(code, **fields):
        fields.setdefault("due_at", received + 5 * DAY)
        return Dossier.objects.create(
            code=code,
            procedure=procedure,
            applicant_name="Lê Văn Tám",
            receiving_agency=desk,
            status=fields.pop("status", Status.PROCESSING),
            is_draft=False,
            submitted_at=received,
            received_at=received,
            **fields,
        )

    dossier("not-yet-due", due_at=at(datetime.date(2026, 4, 30), 17))
    twice = dossier("twice", finished_at=received + DAY, status=Status.FINISHED)
    paused = dossier(
        "paused", finished_at=received + 8 * DAY, status=Status.FINISHED, due_at=received + 12 * DAY
    )
    for request in (received + 2 * HOUR, received + 3 * HOUR):
        SupplementRequest.objects.create(
            dossier=twice,
            requested_at=request,
            answered_at=request + HOUR,
            from_status=Status.PROCESSING,
        )
    SupplementRequest.objects.create(
        dossier=paused,
        requested_at=received + DAY,
        answered_at=received + 4 * DAY,
        from_status=Status.PROCESSING,
    )
    DueTimeChange.objects.create(
        dossier=paused, kind="supplement", old_due_at=received + 5 * DAY, new_due_at=None, at=received + DAY
    )
    # Still open and overdue when March ended, stopped in April: late at the end of March.
    stopped_later = dossier("stopped-later", status=Status.STOPPED, due_at=None)
    stopped_at = at(datetime.date(2026, 4, 10), 9)
    DossierStatusChange.objects.create(
        dossier=stopped_later, from_status=Status.PROCESSING, to_status=Status.STOPPED, at=stopped_at
    )
    DueTimeChange.objects.create(
        dossier=stopped_later, kind="stop", old_due_at=received + 5 * DAY, new_due_at=None, at=stopped_at
    )
    rebuild()
    result = index_766(date_from=datetime.date(2026, 3, 1), date_to=datetime.date(2026, 3, 31))
    row = rows_of(result["total"])["2.1"]
    # not-yet-due on time; twice late; paused: 8 days − 3 waiting = 5 ≤ 5 days before the
    # request; stopped-later late
    assert (row["numerator"], row["denominator"]) == (2, 4)
    assert row["rate"] == 50.0 and row["points"] == 10.0


def test_scoring_against_thresholds_and_no_data():
    by_code = {i.code: i for i in INDICATORS}
    assert score(85.0, by_code["4.2"]) == 4 and score(40.0, by_code["4.2"]) == 2.0
    assert score(50.0, by_code["3.3"]) == 12 and score(25.0, by_code["3.3"]) == 6.0
    assert score(90.0, by_code["5.4"]) == 6 and score(45.0, by_code["5.4"]) == 3.0
    assert score(97.5, by_code["2.1"]) == 19.5
    assert score(None, by_code["2.1"]) is None
    groups = {}
    for indicator in INDICATORS:
        groups[indicator.group] = groups.get(indicator.group, 0) + indicator.points
    assert groups == {1: 18, 2: 20, 3: 22, 4: 22, 5: 18}


def test_an_empty_period_has_no_rates_and_says_why_data_is_missing(province):
    result = index_766(date_from=datetime.date(2026, 3, 1), date_to=datetime.date(2026, 3, 31))
    card = result["total"]
    rows = rows_of(card)
    assert rows["2.1"]["rate"] is None and rows["2.1"]["points"] is None
    assert rows["5.2"]["no_data"] and rows["1.4"]["no_data"] and rows["4.3"]["no_data"]
    assert card["points"] == 0 and card["measured_max"] == 0 and card["share"] is None
    assert card["max_points"] == 100 and result["agencies"] == []


def test_1_4_counts_the_dossiers_whose_changes_the_national_portal_confirmed(province, settings):
    """Measured once a national portal is configured: of the dossiers received in the period,
    those whose every status change before its end the portal had confirmed by then."""
    procedure = factories.make_procedure(documents=False)
    desk = province["agencies"]["my_tho"]
    period = {"date_from": datetime.date(2026, 1, 1), "date_to": datetime.date(2026, 1, 31)}
    end = at(datetime.date(2026, 2, 1), 0)
    dossiers = [
        Dossier.objects.create(
            code=f"H20.201.01-260105-000{number}",
            procedure=procedure,
            receiving_agency=desk,
            applicant_name="Nguyễn Văn An",
            status=Status.ACCEPTED,
            is_draft=False,
            received_at=at(datetime.date(2026, 1, 5), 9),
            submitted_at=at(datetime.date(2026, 1, 5), 8),
        )
        for number in range(4)
    ]
    # (status, changed, confirmed by the portal) per dossier.
    changes = [
        [(1, 5, 5), (2, 5, 6)],  # every change confirmed in the period
        [(1, 5, 5), (2, 5, None)],  # the second one never confirmed
        [(1, 5, 5), (2, 5, 40)],  # confirmed only after the period
        [(1, 5, 5), (4, 40, None)],  # a change after the period does not count
    ]
    for dossier, rows in zip(dossiers, changes, strict=True):
        for status, changed, confirmed in rows:
            DossierEvent.objects.create(
                dossier=dossier,
                code=dossier.code,
                status=status,
                agency_code=desk.code,
                occurred_at=at(datetime.date(2026, 1, 1) + (changed - 1) * DAY, 9),
                published_at=None
                if confirmed is None
                else at(datetime.date(2026, 1, 1) + (confirmed - 1) * DAY, 10),
            )
    assert at(datetime.date(2026, 1, 1) + 39 * DAY, 10) > end
    rebuild()
    assert rows_of(index_766(**period)["total"])["1.4"]["no_data"]
    settings.NATIONAL_PORTAL_URL = "https://dichvucong.gov.vn/lien-thong"
    row = rows_of(index_766(**period)["total"])["1.4"]
    assert row["no_data"] is None
    assert (row["numerator"], row["denominator"], row["rate"]) == (2, 4, 50.0)
    assert row["points"] == 3.0
