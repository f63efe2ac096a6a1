"""Birth registration (1.001193) as real families need it (issue 20, finding 14): a father not
determined, errors that say whose field, places outside the province, the requester filled from
the account, and no upload of the declaration the e-form already is."""

import pytest
from django.core.exceptions import ValidationError
from django.utils.datastructures import MultiValueDict

from tinhso import testing as factories
from tinhso.dossiers import actions, answers
from tinhso.dossiers.models import Channel
from tinhso.procedures.eform import validate_eform
from tinhso.procedures.models import Procedure

pytestmark = pytest.mark.django_db

MOTHER = {
    "me.ho_ten": "Trần Thị Mai",
    "me.ngay_sinh": "02/05/1996",
    "me.dan_toc": "Kinh",
    "me.quoc_tich": "Việt Nam",
    "me.noi_cu_tru.commune": "28261",
    "me.noi_cu_tru.detail": "12 Ấp Bắc",
}


@pytest.fixture
def catalogue(demo_catalogue):
    return demo_catalogue


@pytest.fixture
def procedure(catalogue):
    return Procedure.objects.current().get(code="1.001193")


def page(procedure, title):
    return next(item for item in procedure.eform["pages"] if item["title"] == title)["fields"]


def parse(fields, posted: dict):
    return answers.parse_fields(fields, MultiValueDict({key: [value] for key, value in posted.items()}))


def test_the_father_is_asked_unless_not_determined_and_errors_say_whose_field(procedure):
    parents = page(procedure, "Cha, mẹ")
    _values, errors = parse(parents, {"me.ho_ten": ""})
    assert errors["me.ho_ten"] == "Hãy nhập “Họ, chữ đệm và tên (người mẹ)”."
    assert errors["cha.ho_ten"] == "Hãy nhập “Họ, chữ đệm và tên (người cha)”."
    assert errors["me.noi_cu_tru.commune"] == "Hãy chọn phường, xã cho “Nơi cư trú (người mẹ)”."

    values, errors = parse(parents, {**MOTHER, "chua_xac_dinh_cha": "co", "cha.ho_ten": "Gõ nhầm"})
    assert errors == {}
    assert values["chua_xac_dinh_cha"] == ["co"] and "cha" not in values
    assert values["me"]["ho_ten"] == "Trần Thị Mai"


def test_places_outside_the_province_are_written_in_full(procedure):
    child = page(procedure, "Người được khai sinh")
    _values, errors = parse(child, {"noi_sinh.commune": answers.OUTSIDE})
    assert errors["noi_sinh.detail"] == (
        "Hãy ghi đầy đủ địa chỉ cho “Nơi sinh”: số nhà, đường, xã/phường và tỉnh/thành phố."
    )
    written = "Bệnh viện Từ Dũ, 284 Cống Quỳnh, phường Bến Thành, Thành phố Hồ Chí Minh"
    values, errors = parse(child, {"noi_sinh.commune": answers.OUTSIDE, "noi_sinh.detail": written})
    assert "noi_sinh.commune" not in errors and "noi_sinh.detail" not in errors
    assert values["noi_sinh"] == {"outside": True, "detail": written}
    assert answers.to_source(child, values)["noi_sinh.commune"] == answers.OUTSIDE
    rows = answers.display_rows(child, values)
    assert next(row for row in rows if row["label"] == "Nơi sinh")["text"] == written
    _values, errors = parse(child, {"noi_sinh.commune": "99999", "noi_sinh.detail": "x"})
    assert errors["noi_sinh.commune"] == "Hãy chọn phường, xã cho “Nơi sinh”."


def test_the_applicant_can_live_outside_the_province(client, procedure, catalogue):
    citizen = factories.make_citizen()
    draft = actions.start_draft(citizen, procedure, catalogue["agencies"]["my_tho"])
    client.force_login(citizen)
    response = client.post(
        f"/ho-so/nhap/{draft.pk}/nguoi-nop/",
        {
            "phone": "0912345678",
            "address.commune": answers.OUTSIDE,
            "address.detail": "5 Trần Hưng Đạo, phường Ninh Kiều, TP Cần Thơ",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.applicant_unit is None
    assert draft.applicant_address == "5 Trần Hưng Đạo, phường Ninh Kiều, TP Cần Thơ"
    assert not [key for key in actions.dossier_errors(draft) if key.startswith("applicant.")]


def test_the_requester_and_the_contact_address_come_from_the_account(client, procedure, catalogue):
    citizen = factories.make_citizen()
    first = actions.start_draft(citizen, procedure, catalogue["agencies"]["my_tho"])
    actions.save_applicant(
        citizen, first, {"phone": "0912345678", "address": {"commune": "28261", "detail": "12 Ấp Bắc"}}
    )
    draft = actions.start_draft(citizen, procedure, catalogue["agencies"]["my_tho"])
    assert draft.applicant_unit.code == "28261" and draft.applicant_address == "12 Ấp Bắc"
    client.force_login(citizen)
    number = next(n for n, item in enumerate(procedure.eform["pages"], 1) if item["title"] == "Người yêu cầu")
    html = client.get(f"/ho-so/nhap/{draft.pk}/trang/{number}/").content.decode()
    assert 'value="Nguyễn Văn An"' in html and 'value="087095001234"' in html
    assert 'value="14/03/1995"' in html and 'value="+84912345678"' in html
    assert '<option value="28261" selected>' in html and 'value="12 Ấp Bắc"' in html
    # Once answered, the citizen's own answers are shown, not the account's.
    fields = page(procedure, "Người yêu cầu")
    actions.save_answers(citizen, draft, {"nguoi_yeu_cau": {"ho_ten": "Trần Thị Mai"}}, fields)
    html = client.get(f"/ho-so/nhap/{draft.pk}/trang/{number}/").content.decode()
    assert 'value="Trần Thị Mai"' in html and 'value="087095001234"' not in html


def test_the_declaration_is_not_uploaded_online_but_is_at_the_counter(client, procedure, catalogue):
    citizen = factories.make_citizen()
    draft = actions.start_draft(citizen, procedure, catalogue["agencies"]["my_tho"])
    declaration = procedure.documents.get(name="Tờ khai đăng ký khai sinh theo mẫu")
    assert declaration.is_required and declaration.replaced_by_eform
    missing = {document.name for document in actions.missing_documents(draft)}
    assert "Giấy chứng sinh" in missing and declaration.name not in missing
    client.force_login(citizen)
    html = client.get(f"/ho-so/nhap/{draft.pk}/giay-to/").content.decode()
    assert "Không cần đính kèm: thông tin bạn đã khai trên biểu mẫu này chính là tờ khai." in html
    assert f"/ho-so/nhap/{draft.pk}/giay-to/{declaration.pk}/" not in html
    draft.channel = Channel.DIRECT
    assert declaration.name in {document.name for document in actions.missing_documents(draft)}


def test_unless_must_name_an_earlier_field():
    field = {"name": "cha", "label": "Người cha", "type": "text", "unless": "chua_xac_dinh_cha"}
    with pytest.raises(ValidationError, match="“unless” phải là tên của một trường đứng trước trường này"):
        validate_eform({"version": 1, "pages": [{"title": "Cha, mẹ", "fields": [field]}]})
    checkbox = {
        "name": "chua_xac_dinh_cha",
        "label": "Cha",
        "type": "choice",
        "choices": [{"value": "co", "label": "Có"}],
    }
    validate_eform({"version": 1, "pages": [{"title": "Cha, mẹ", "fields": [checkbox, field]}]})
