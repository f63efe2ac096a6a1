"""Two officers move the same report at the same moment on PostgreSQL: exactly one wins."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tinhso.feedback import actions
from tinhso.feedback.models import Answer, Report, StateChange

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        try:
            barrier.wait()
            call()
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_two_officers_answer_at_once(place, submit):
    report = submit()
    actions.assign_report(place["router"], report, place["pc_my_tho"])
    outcomes = race(
        lambda: actions.answer_report(
            place["officer"], Report.objects.get(pk=report.pk), "Trả lời của chị Ngân."
        ),
        lambda: actions.answer_report(
            place["officer2"], Report.objects.get(pk=report.pk), "Trả lời của anh Tâm."
        ),
    )
    assert outcomes == ["ok", "refused"]
    assert Answer.objects.filter(report=report).count() == 1


def test_two_routers_assign_at_once(place, submit):
    from tinhso.accounts.models import Membership, Role

    Membership.objects.create(user=place["officer2"], agency=place["centre"], role=Role.SPECIALIST)
    report = submit()
    outcomes = race(
        lambda: actions.assign_report(place["router"], Report.objects.get(pk=report.pk), place["pc_my_tho"]),
        lambda: actions.assign_report(
            place["officer2"], Report.objects.get(pk=report.pk), place["construction"]
        ),
    )
    assert outcomes == ["ok", "refused"]
    assert StateChange.objects.filter(report=report, to_state="assigned").count() == 1
