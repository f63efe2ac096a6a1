"""Fixtures shared by the back-office tests (workflows and motcua): a demo-like province, a
commune desk, officers of each role, and a submitted online dossier."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.dossiers import actions
from tinhso.motcua.actions import accept_dossier


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
def procedure(province):
    return factories.make_procedure()


@pytest.fixture
def citizen(db):
    return factories.make_citizen()


@pytest.fixture
def officer(desk):
    user = factories.make_officer(desk, "motcua.mytho", Role.ONE_STOP_OFFICER)
    user.email = "tam.motcua@mytho.dongthap.gov.vn"
    user.save()
    return user


@pytest.fixture
def specialist(desk):
    user = factories.make_officer(desk.parent, "chuyenvien.mytho", Role.SPECIALIST)
    user.full_name, user.email = "Lê Minh Khoa", "khoa.cv@mytho.dongthap.gov.vn"
    user.save()
    return user


@pytest.fixture
def leader(desk):
    user = factories.make_officer(desk.parent, "lanhdao.mytho", Role.LEADER)
    user.full_name, user.email = "Phạm Thị Hồng", "hong.ld@mytho.dongthap.gov.vn"
    user.save()
    return user


@pytest.fixture
def other_officer(province):
    return factories.make_officer(province["agencies"]["cao_lanh"], "motcua.caolanh", Role.ONE_STOP_OFFICER)


def submit(citizen, procedure, desk):
    draft = actions.start_draft(citizen, procedure, desk)
    actions.save_applicant(
        citizen,
        draft,
        {"phone": "+84912345678", "email": "an@example.vn", "address": factories.ANSWERS["noi_sinh"]},
    )
    fields = [field for page in procedure.eform["pages"] for field in page["fields"]]
    actions.save_answers(citizen, draft, factories.ANSWERS, fields)
    upload = SimpleUploadedFile(
        "giay-chung-sinh.pdf", factories.minimal_pdf(), content_type="application/pdf"
    )
    actions.add_attachment(citizen, draft, upload, procedure.documents.get(position=1))
    draft.refresh_from_db()
    return actions.submit_dossier(citizen, draft)


@pytest.fixture
def submitted(citizen, procedure, desk):
    return submit(citizen, procedure, desk)


@pytest.fixture
def accepted(submitted, officer, specialist):
    return accept_dossier(officer, submitted, assignee=specialist)


@pytest.fixture
def signed_in(client):
    """Sign ``user`` in on the test client, second factor passed."""

    return lambda user: factories.signed_in(client, user)
