"""The Decision 766 satisfaction indicator, from the applicants' ratings in scope and period."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from tinhso import testing as factories
from tinhso.dossiers import actions as dossier_actions
from tinhso.dossiers.models import DossierRating
from tinhso.dossiers.status import Status
from tinhso.procedures.models import Field
from tinhso.statistics.report import one_stop_report
from tinhso.statistics.tests.conftest import finish, walk_in

pytestmark = pytest.mark.django_db


def rated(officer, desk, procedure, applicant, stars, name):
    """A walk-in dossier of ``applicant``, finished, returned and rated ``stars``."""
    dossier = walk_in(officer, desk, procedure, name)
    type(dossier).objects.filter(pk=dossier.pk).update(applicant=applicant)
    dossier.refresh_from_db()
    finished = finish(dossier)
    with transaction.atomic():
        locked = dossier_actions.lock_dossier(finished)
        dossier_actions.apply_status_change(locked, Status.RETURNED)
    return dossier_actions.rate_dossier(applicant, locked, stars, "Cán bộ hướng dẫn nhiệt tình.")


def test_share_of_four_and_five_stars_and_average(officer, other_officer, desk, other_desk, procedure):
    citizens = [
        factories.make_citizen(cccd=f"08709500{n:04d}", phone=f"091234{n:04d}", email=f"dan{n}@example.vn")
        for n in range(1, 6)
    ]
    rated(officer, desk, procedure, citizens[0], 5, "Lê Văn Tám")
    rated(officer, desk, procedure, citizens[1], 4, "Võ Thị Sáu")
    rated(officer, desk, procedure, citizens[2], 2, "Ngô Quyền")
    rated(other_officer, other_desk, procedure, citizens[3], 1, "Trần Hưng Đạo")
    old = rated(other_officer, other_desk, procedure, citizens[4], 5, "Lý Thường Kiệt")
    DossierRating.objects.filter(pk=old.pk).update(rated_at=timezone.now() - datetime.timedelta(days=400))
    today = timezone.localdate()
    period = {"date_from": today - datetime.timedelta(days=30), "date_to": today}

    mine = one_stop_report(agency=desk, include_children=False, **period)
    assert mine["satisfaction"] == {"ratings": 3, "satisfied": 66.7, "average_stars": 3.67}
    assert mine["indicators_766"]["satisfaction"] == 66.7
    province = one_stop_report(**period)
    assert province["satisfaction"] == {"ratings": 4, "satisfied": 50.0, "average_stars": 3.0}
    other_field = one_stop_report(field=Field.objects.create(code="dat-dai", name="Đất đai"), **period)
    assert other_field["satisfaction"] == {"ratings": 0, "satisfied": None, "average_stars": None}
    assert other_field["indicators_766"]["satisfaction"] is None
    last_year = one_stop_report(date_from=today - datetime.timedelta(days=500), date_to=today)
    assert last_year["satisfaction"]["ratings"] == 5


def test_the_report_page_and_export_show_it(client, leader, desk, officer, procedure):
    from tinhso.statistics.tests.test_pages_api import period
    from tinhso.testing import signed_in

    rated(officer, desk, procedure, factories.make_citizen(), 5, "Phan Văn Trị")
    signed_in(client, leader)
    response = client.get("/thong-ke/", {"agency": desk.parent.pk, "include_children": "on", **period()})
    text = response.content.decode()
    assert "Quyết định 766 — mức độ hài lòng (%)" in text
    assert response.context["report"]["indicators_766"]["satisfaction"] == 100.0
    assert "tỷ lệ đánh giá 4 hoặc 5 sao" in text
