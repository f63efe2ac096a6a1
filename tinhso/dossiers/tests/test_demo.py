import pytest
from django.core.management import call_command

from tinhso.agencies.models import Agency
from tinhso.audit.services import history_for
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.status import Status
from tinhso.worktime.calendar import is_provisional


@pytest.mark.django_db
def test_the_demo_dossiers_load_once(capsys):
    call_command("load_demo", verbosity=0)
    call_command("load_procedures", verbosity=0)
    call_command("load_dossier_demo")
    statuses = sorted(Dossier.objects.values_list("status", flat=True))
    assert statuses == [Status.NEW, Status.PROCESSING, Status.SUPPLEMENT, Status.WITHDRAWN, Status.RETURNED]
    assert all(d.status_changes.exists() for d in Dossier.objects.all())
    # Criminal-record certificates: received by the provincial service centre for the police,
    # which the province administrator added through the agencies' action.
    assert Dossier.objects.get(procedure__code="DT-004").code.startswith("H20.13-")
    police = Agency.objects.get(code="H20.14")
    assert history_for(police).get().action == "agencies.create"
    # The demo administrator confirmed the days off of 2025 and 2026; 2027 is still provisional.
    assert [is_provisional(year) for year in (2025, 2026, 2027)] == [False, False, True]
    call_command("load_dossier_demo")
    assert Dossier.objects.count() == 5
    assert "đã có" in capsys.readouterr().out


@pytest.mark.django_db
def test_without_the_demo_province_nothing_is_created(capsys):
    call_command("load_dossier_demo")
    assert not Dossier.objects.exists()
