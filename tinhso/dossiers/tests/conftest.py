import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso import testing as factories
from tinhso.dossiers import actions


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def province(db):
    return factories.make_province()


@pytest.fixture
def procedure(province):
    return factories.make_procedure()


@pytest.fixture
def citizen(db):
    return factories.make_citizen()


@pytest.fixture
def other_citizen(db):
    return factories.make_citizen(
        cccd="082190004567", name="Trần Thị Bích Ngọc", born="1990-11-02", phone="0387654321"
    )


@pytest.fixture
def desk(province):
    return province["agencies"]["my_tho"]


def pdf_upload(name="giay-chung-sinh.pdf"):
    return SimpleUploadedFile(name, factories.minimal_pdf(), content_type="application/pdf")


@pytest.fixture
def ready_draft(citizen, procedure, desk):
    """A draft with every answer and the required document: ready to submit."""
    draft = actions.start_draft(citizen, procedure, desk)
    actions.save_applicant(
        citizen,
        draft,
        {"phone": "+84912345678", "email": "an@example.vn", "address": factories.ANSWERS["noi_sinh"]},
    )
    fields = [field for page in procedure.eform["pages"] for field in page["fields"]]
    actions.save_answers(citizen, draft, factories.ANSWERS, fields)
    actions.add_attachment(citizen, draft, pdf_upload(), procedure.documents.get(position=1))
    draft.refresh_from_db()
    return draft


@pytest.fixture
def submitted(citizen, ready_draft):
    return actions.submit_dossier(citizen, ready_draft)
