import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso import testing as factories
from tinhso.accounts.actions import issue_api_token
from tinhso.accounts.models import Role
from tinhso.dossiers import actions as dossier_actions


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def province(db):
    return factories.make_province()


@pytest.fixture
def desk(province):
    return province["agencies"]["my_tho"]


@pytest.fixture
def people(province, desk):
    """A province administrator, the desk's officer and agency administrator, a citizen, and an
    integration system's account given the feed permission."""
    system = factories.make_officer(None, "he-thong.lgsp", name="Hệ thống LGSP")
    system.user_permissions.add(
        Permission.objects.get(codename="read_feed", content_type__app_label="events")
    )
    return {
        "admin": factories.make_officer(province["agencies"]["province"], "admin.tinh", Role.PROVINCE_ADMIN),
        "officer": factories.make_officer(desk, "motcua.mytho"),
        "agency_admin": factories.make_officer(desk, "quantri.mytho", Role.AGENCY_ADMIN, name="Lê Văn Bình"),
        "citizen": factories.make_citizen(),
        "system": system,
    }


@pytest.fixture
def bearer():
    def as_user(user):
        token, _ = issue_api_token(user, "kiểm thử")
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    return as_user


@pytest.fixture
def submitted(people, desk):
    """A dossier the citizen submitted online (its status 1 event is in the outbox)."""
    citizen = people["citizen"]
    procedure = factories.make_procedure()
    draft = dossier_actions.start_draft(citizen, procedure, desk)
    dossier_actions.save_applicant(
        citizen,
        draft,
        {"phone": "+84912345678", "email": "an@example.vn", "address": factories.ANSWERS["noi_sinh"]},
    )
    fields = [field for page in procedure.eform["pages"] for field in page["fields"]]
    dossier_actions.save_answers(citizen, draft, factories.ANSWERS, fields)
    upload = SimpleUploadedFile(
        "giay-chung-sinh.pdf", factories.minimal_pdf(), content_type="application/pdf"
    )
    dossier_actions.add_attachment(citizen, draft, upload, procedure.documents.get(position=1))
    draft.refresh_from_db()
    return dossier_actions.submit_dossier(citizen, draft)
