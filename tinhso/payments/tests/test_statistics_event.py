"""A payment is its own outbox event: the one-stop report counts it on the day it is made,
before the dossier is resolved, in the incremental rollups and in a rebuild alike."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from tinhso.dossiers.actions import mark_paid
from tinhso.dossiers.models import DossierEvent, DossierEventKind, Status
from tinhso.payments.tests.conftest import gateway_result, make_dossier
from tinhso.payments.tests.test_ipn import started
from tinhso.statistics.models import AgencyDailyRollup, DailyRollup, ProvinceMonthlyRollup
from tinhso.statistics.report import one_stop_report
from tinhso.statistics.rollup import drain, rebuild

pytestmark = pytest.mark.django_db


def online_payment(agency):
    today = timezone.localdate()
    report = one_stop_report(agency=agency, date_from=today - datetime.timedelta(days=1), date_to=today)
    return report["indicators_766"]["online_payment"]


def rows():
    return [
        sorted(model.objects.values_list("day", "channel", "fee_paid", "paid_online"))
        for model in (DailyRollup, AgencyDailyRollup, ProvinceMonthlyRollup)
    ]


def test_an_online_payment_counts_before_the_dossier_is_resolved(dossier, citizen, agency):
    drain()
    assert online_payment(agency) is None, "nothing paid yet"
    payment = started(dossier, citizen)
    Client().get("/thanh-toan/vnpay/ipn", gateway_result(payment))
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING and dossier.finished_at is None
    event = DossierEvent.objects.get(dossier=dossier, kind=DossierEventKind.PAID)
    assert event.status == Status.PROCESSING and event.code == dossier.code

    drain()
    assert online_payment(agency) == 100.0
    assert drain() == 0, "the payment is counted once"
    assert online_payment(agency) == 100.0


def test_cash_and_online_payments_in_incremental_and_rebuilt_rollups(dossier, citizen, agency, leader):
    payment = started(dossier, citizen)
    Client().get("/thanh-toan/vnpay/ipn", gateway_result(payment))
    cash = make_dossier(dossier.procedure, agency, citizen, code="H22.50-260305-0002")
    mark_paid(leader, cash, note="Nộp tiền mặt tại quầy")
    mark_paid(leader, cash, note="again")  # already paid: no second event
    assert DossierEvent.objects.filter(kind=DossierEventKind.PAID).count() == 2

    drain()
    incremental = rows()
    assert online_payment(agency) == 50.0
    today = timezone.localdate()
    assert incremental[1] == [(today, "online", 2, 1)]

    rebuild()
    assert rows() == incremental
    assert online_payment(agency) == 50.0


def test_a_failed_payment_is_no_event(dossier, citizen, agency):
    payment = started(dossier, citizen)
    Client().get("/thanh-toan/vnpay/ipn", gateway_result(payment, response_code="51"))
    assert not DossierEvent.objects.filter(kind=DossierEventKind.PAID).exists()
    drain()
    assert online_payment(agency) is None
