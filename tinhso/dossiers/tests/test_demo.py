import pytest
from django.core.management import call_command

from tinhso.dossiers.models import Dossier
from tinhso.dossiers.status import Status


@pytest.mark.django_db
def test_the_demo_dossiers_load_once(capsys):
    call_command("load_demo", verbosity=0)
    call_command("load_procedures", verbosity=0)
    call_command("load_dossier_demo")
    statuses = sorted(Dossier.objects.values_list("status", flat=True))
    assert statuses == [Status.NEW, Status.PROCESSING, Status.SUPPLEMENT, Status.WITHDRAWN, Status.RETURNED]
    assert all(d.status_changes.exists() for d in Dossier.objects.all())
    assert Dossier.objects.get(procedure__code="DT-004").code.startswith("H20.04-")
    call_command("load_dossier_demo")
    assert Dossier.objects.count() == 5
    assert "đã có" in capsys.readouterr().out


@pytest.mark.django_db
def test_without_the_demo_province_nothing_is_created(capsys):
    call_command("load_dossier_demo")
    assert not Dossier.objects.exists()
