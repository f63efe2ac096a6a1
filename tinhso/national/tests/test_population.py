"""The population-database lookup: through the gateway's headers to the local population
database, filling the officer's page and the citizen's e-form, logged with the dossier."""

import pytest
from django.core.exceptions import PermissionDenied

from tinhso import testing as factories
from tinhso.audit.models import AuditEntry
from tinhso.audit.services import PERSONAL_DATA_READ
from tinhso.dossiers import actions as dossier_actions
from tinhso.motcua.tests.fixtures import submit
from tinhso.national import actions, protocol

from .conftest import XROAD_CLIENT

pytestmark = pytest.mark.django_db

LOOKUP = "/ket-noi-quoc-gia/dan-cu/ho-so/{}/"


def reads(person):
    return AuditEntry.objects.filter(action=PERSONAL_DATA_READ, object_id=str(person.pk))


def test_the_officer_fills_the_dossier_page_and_the_read_is_logged(
    population, citizen, procedure, desk, officer, signed_in
):
    dossier = submit(citizen, procedure, desk)
    client = signed_in(officer)
    page = client.get(f"/mot-cua/ho-so/{dossier.pk}/").content.decode()
    assert "Tra cứu người nộp" in page
    before = reads(citizen).count()  # opening the page is a read too
    response = client.post(LOOKUP.format(dossier.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nguyễn Văn An" in body and "14/03/1995" in body and "Khu phố 3, phường Mỹ Tho" in body
    [call] = population.calls
    assert call == {
        "client": XROAD_CLIENT,
        "userId": "VNmotcua.mytho",
        "issue": dossier.submission_reference,
        "number": "087095001234",
    }
    assert reads(citizen).count() == before + 1
    entry = reads(citizen).latest("pk")
    assert entry.data["reference"] == dossier.submission_reference
    assert "date_of_birth" in entry.data["fields"] and "Nguyễn Văn An" not in str(entry.data)
    assert AuditEntry.objects.filter(action="national.population_lookup", object_id=str(dossier.pk)).exists()


def test_an_unknown_citizen_is_said_and_nothing_is_logged_as_read(
    population, procedure, desk, officer, signed_in
):
    stranger = factories.make_citizen(cccd="087095009999", name="Nguyễn Văn Lạ")
    dossier = submit(stranger, procedure, desk)
    response = signed_in(officer).post(LOOKUP.format(dossier.pk))
    assert response.status_code == 404
    assert "không có công dân mang số này" in response.content.decode()
    assert not reads(stranger).exists()


def test_another_agency_cannot_look_up_and_no_call_goes_out(
    population, citizen, procedure, desk, other_officer, signed_in
):
    dossier = submit(citizen, procedure, desk)
    assert signed_in(other_officer).post(LOOKUP.format(dossier.pk)).status_code == 403
    assert (
        "Tra cứu người nộp"
        not in signed_in(other_officer).get(f"/mot-cua/ho-so/{dossier.pk}/").content.decode()
    )
    assert population.calls == [] and not reads(citizen).exists()


def test_the_database_down_garbage_or_unconfigured_is_a_clear_error(
    population, settings, citizen, procedure, desk, officer, signed_in
):
    dossier = submit(citizen, procedure, desk)
    settings.POPULATION_XROAD_CLIENT = "VN/GOV/H20/KHAC"  # no access at the database
    response = signed_in(officer).post(LOOKUP.format(dossier.pk))
    assert response.status_code == 502 and "AccessDenied" in response.content.decode()
    settings.POPULATION_DB_URL = "http://127.0.0.1:9"
    assert signed_in(officer).post(LOOKUP.format(dossier.pk)).status_code == 502
    settings.POPULATION_DB_URL = ""
    with pytest.raises(protocol.NotConfigured):
        actions.lookup_population(officer, dossier)
    assert not reads(citizen).exists()


EFORM = {
    "version": 1,
    "pages": [
        {
            "title": "Người yêu cầu",
            "fields": [
                {
                    "name": "nguoi_yeu_cau",
                    "label": "Người yêu cầu",
                    "type": "group",
                    "from_account": True,
                    "fields": [
                        {"name": "ho_ten", "label": "Họ tên", "type": "text", "required": True},
                        {"name": "ngay_sinh", "label": "Ngày sinh", "type": "date", "required": True},
                        {"name": "quoc_tich", "label": "Quốc tịch", "type": "text"},
                        {"name": "quan_he", "label": "Quan hệ", "type": "text"},
                        {"name": "dien_thoai", "label": "Số điện thoại", "type": "text"},
                    ],
                }
            ],
        }
    ],
}


def test_the_citizen_fills_their_e_form_from_the_database(population, province, citizen, desk):
    eform = EFORM
    procedure = factories.make_procedure(eform=eform)
    draft = dossier_actions.start_draft(citizen, procedure, desk)
    dossier_actions.save_answers(
        citizen, draft, {"nguoi_yeu_cau": {"quan_he": "cha"}}, eform["pages"][0]["fields"]
    )
    actions.fill_draft_from_population(citizen, draft)
    draft.refresh_from_db()
    assert draft.form_data["nguoi_yeu_cau"] == {
        "ho_ten": "Nguyễn Văn An",
        "ngay_sinh": "1995-03-14",
        "quoc_tich": "Việt Nam",
        "quan_he": "cha",
    }
    assert (
        population.calls[0]["userId"] == "VN087095001234"
        and population.calls[0]["issue"] == f"draft-{draft.pk}"
    )
    other = factories.make_citizen(
        cccd="087303008910", name="Lê Hoàng Minh Thư", born="2003-07-21", phone="0911111111"
    )
    with pytest.raises(PermissionDenied):
        actions.fill_draft_from_population(other, draft)
    assert len(population.calls) == 1


def test_the_e_form_fill_page_refuses_a_submitted_dossier(population, citizen, procedure, desk, client):
    dossier = submit(citizen, procedure, desk)
    client.force_login(citizen)
    assert client.post(f"/ket-noi-quoc-gia/dan-cu/ho-so-nhap/{dossier.pk}/").status_code == 403
    draft = dossier_actions.start_draft(citizen, procedure, desk)
    response = client.post(f"/ket-noi-quoc-gia/dan-cu/ho-so-nhap/{draft.pk}/", follow=True)
    assert response.redirect_chain[0][0] == f"/ho-so/nhap/{draft.pk}/trang/1/"
    assert "Biểu mẫu này không hỏi thông tin nào" in response.content.decode()
    assert population.calls == []


@pytest.fixture
def draft(province, citizen, desk):
    return dossier_actions.start_draft(citizen, factories.make_procedure(eform=EFORM), desk)


def test_the_e_form_says_what_is_fetched_and_why_and_fills_only_the_accounts_own_record(
    population, citizen, draft, client
):
    client.force_login(citizen)
    page = client.get(f"/ho-so/nhap/{draft.pk}/trang/1/").content.decode()
    assert "Điền từ Cơ sở dữ liệu quốc gia về dân cư" in page
    assert "kết thúc bằng 1234" in page and "Điều 9" in page  # whose record, and why
    assert "<li>Họ tên</li>" in page and "<li>Quan hệ</li>" not in page  # what is fetched
    # a number typed on the dossier or sent with the button is never the one asked about
    type(draft).objects.filter(pk=draft.pk).update(
        applicant_cccd="082190004567", applicant_phone="+84912345678"
    )
    response = client.post(
        f"/ket-noi-quoc-gia/dan-cu/ho-so-nhap/{draft.pk}/", {"page": "1", "number": "082190004567"}
    )
    assert response.status_code == 302 and response["Location"] == f"/ho-so/nhap/{draft.pk}/trang/1/"
    assert [call["number"] for call in population.calls] == ["087095001234"]
    draft.refresh_from_db()
    assert draft.form_data["nguoi_yeu_cau"]["ho_ten"] == "Nguyễn Văn An"
    # what the account answered in advance (the phone) is kept beside what was fetched
    assert draft.form_data["nguoi_yeu_cau"]["dien_thoai"] == "+84912345678"
    assert AuditEntry.objects.filter(action="national.population_lookup", object_id=str(draft.pk)).exists()


def test_the_database_down_is_said_and_the_e_form_stays_usable(population, settings, citizen, draft, client):
    settings.POPULATION_DB_URL = "http://127.0.0.1:9"
    client.force_login(citizen)
    response = client.post(f"/ket-noi-quoc-gia/dan-cu/ho-so-nhap/{draft.pk}/", {"page": "1"}, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Không kết nối được Cơ sở dữ liệu quốc gia về dân cư" in body
    assert 'name="nguoi_yeu_cau.ho_ten"' in body and 'name="continue"' in body  # the form is there
    draft.refresh_from_db()
    assert draft.form_data == {} and not reads(citizen).exists()
    response = client.post(
        f"/ho-so/nhap/{draft.pk}/trang/1/",
        {"nguoi_yeu_cau.ho_ten": "Nguyễn Văn An", "nguoi_yeu_cau.ngay_sinh": "14/03/1995", "continue": "1"},
    )
    assert response.status_code == 302  # typed by hand instead
    draft.refresh_from_db()
    assert draft.form_data["nguoi_yeu_cau"]["ho_ten"] == "Nguyễn Văn An"


def test_no_offer_and_no_call_for_another_person_or_an_account_without_a_number(
    population, citizen, draft, client
):
    other = factories.make_citizen(
        cccd="082190004567", name="Trần Thị Bích Ngọc", born="1990-11-02", phone="0922222222"
    )
    client.force_login(other)
    assert client.get(f"/ho-so/nhap/{draft.pk}/trang/1/").status_code == 404
    assert client.post(f"/ket-noi-quoc-gia/dan-cu/ho-so-nhap/{draft.pk}/", {"page": "1"}).status_code == 403
    type(citizen).objects.filter(pk=citizen.pk).update(cccd=None)
    client.force_login(citizen)
    page = client.get(f"/ho-so/nhap/{draft.pk}/trang/1/").content.decode()
    assert "Điền từ Cơ sở dữ liệu quốc gia về dân cư" not in page
    response = client.post(f"/ket-noi-quoc-gia/dan-cu/ho-so-nhap/{draft.pk}/", {"page": "1"}, follow=True)
    assert "Tài khoản của bạn chưa có số định danh cá nhân" in response.content.decode()
    assert population.calls == []
