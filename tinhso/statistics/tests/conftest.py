import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from tinhso import testing as factories
from tinhso.accounts.models import ApiToken, Role, User, hash_token
from tinhso.dossiers.actions import apply_status_change, lock_dossier
from tinhso.dossiers.status import Status
from tinhso.motcua import actions as motcua
from tinhso.statistics.rollup import drain


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def province(db):
    return factories.make_province()


@pytest.fixture
def desk(province):
    return province["agencies"]["my_tho"]


@pytest.fixture
def other_desk(province):
    return province["agencies"]["cao_lanh"]


@pytest.fixture
def procedure(province):
    return factories.make_procedure()


@pytest.fixture
def officer(desk):
    return factories.make_officer(desk, "motcua.mytho", Role.ONE_STOP_OFFICER)


@pytest.fixture
def other_officer(other_desk):
    return factories.make_officer(other_desk, "motcua.caolanh", Role.ONE_STOP_OFFICER)


@pytest.fixture
def leader(desk):
    user = factories.make_officer(desk.parent, "lanhdao.mytho", Role.LEADER)
    user.full_name = "Phạm Thị Hồng"
    user.save()
    return user


@pytest.fixture
def citizen(db):
    return factories.make_citizen()


def specialist_of(agency):
    """The specialist of the committee above the one-stop desk ``agency`` (made once)."""
    username = f"chuyenvien.{agency.code}"
    user = User.objects.filter(username=username).first()
    return user or factories.make_officer(agency.parent, username, Role.SPECIALIST)


def walk_in(officer, agency, procedure, name="Trần Thị Bích Ngọc"):
    """A dossier received at the counter (created and accepted at once)."""
    return motcua.receive_at_counter(
        officer, agency, procedure, {"name": name}, [], assignee=specialist_of(agency)
    )


def accept(officer, dossier):
    return motcua.accept_dossier(officer, dossier, assignee=specialist_of(dossier.receiving_agency))


def finish(dossier, at: datetime.datetime | None = None):
    """Move a received dossier to status 9 at ``at`` (as the workflow's last step does)."""
    at = at or timezone.now()
    with transaction.atomic():
        locked = lock_dossier(dossier)
        if locked.status == Status.ACCEPTED:
            apply_status_change(locked, Status.PROCESSING, at=at)
        apply_status_change(locked, Status.FINISHED, at=at)
        locked.finished_at = at
        locked.save(update_fields=["finished_at"])
    return locked


def token_for(user):
    token = f"thong-ke-{'x' * 30}-{user.pk}"
    ApiToken.objects.create(
        user=user, token_hash=hash_token(token), expires_at=timezone.now() + datetime.timedelta(hours=1)
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def drained():
    return drain
