"""Forms 04 and 05 are agency letters: the extension and the stop register them in the issuing
agency's outgoing register, numbered per agency and year (Decree 30/2020/NĐ-CP, Appendix I, I.3),
and the PDF carries that number, Times New Roman metrics and the ward as the place name."""

import datetime
import threading
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from pypdf import PdfReader

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.agencies.codes import agency_symbol
from tinhso.audit.services import history_for
from tinhso.documents import actions as documents_actions
from tinhso.documents import doctypes
from tinhso.documents.models import RegisterSettings, SeriesMode
from tinhso.motcua import actions
from tinhso.official_forms.letters import issue_letter
from tinhso.official_forms.models import Letter
from tinhso.official_forms.rendering import render_form
from tinhso.official_forms.tests.test_forms import nfc, read

pytestmark = pytest.mark.django_db


def fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


def test_the_stop_notice_gets_the_next_number_of_the_desks_year(accepted, leader, desk):
    desk.symbol = "TTPVHCC"
    desk.save()
    actions.stop_dossier(leader, accepted, "Người nộp đề nghị dừng để bổ sung giấy tờ khác")
    letter = Letter.objects.get(dossier=accepted)
    assert (letter.form_number, letter.agency, letter.number) == (5, desk, 1)
    assert letter.reference == "01/TB-TTPVHCC"

    pdf = render_form(5, accepted)
    text = read(pdf)
    assert "Số: 01/TB-TTPVHCC" in text
    assert "……" not in text.split(nfc("THÔNG BÁO DỪNG"))[0]
    assert nfc("Mỹ Tho, ngày") in text  # the ward the centre sits in, not the province
    assert nfc("chữ ký số") in text
    assert "Liberation-Serif" in fonts(pdf), fonts(pdf)
    entry = history_for(accepted).get(action="official_forms.letter")
    assert entry.data == {"form": 5, "agency": desk.code, "letter": "01/TB-TTPVHCC"}
    assert entry.actor == leader


def test_the_extension_letter_is_numbered_in_the_late_agencys_register(accepted, leader):
    extension = actions.extend_dossier(
        leader, accepted, accepted.due_at + datetime.timedelta(days=3), "Cần xác minh thông tin"
    )
    letter = Letter.objects.get(dossier=accepted, form_number=4)
    assert letter.agency == extension.agency
    symbol = agency_symbol(extension.agency)
    assert letter.reference == f"01/{symbol}-MC"
    assert f"Số: 01/{symbol}-MC" in read(render_form(4, accepted))


def test_numbers_run_per_agency_and_year(accepted, desk, province):
    other = province["agencies"]["cao_lanh"]
    december = datetime.datetime(2026, 12, 31, 16, 30, tzinfo=datetime.UTC)  # 23:30 local, 31/12
    january = datetime.datetime(2026, 12, 31, 17, 30, tzinfo=datetime.UTC)  # 00:30 local, 1/1/2027
    with transaction.atomic():
        numbers = [
            issue_letter(accepted, 5, desk, None, december).reference,
            issue_letter(accepted, 5, desk, None, december).reference,
            issue_letter(accepted, 5, other, None, december).reference,
            issue_letter(accepted, 5, desk, None, january).reference,
        ]
    symbol, other_symbol = agency_symbol(desk), agency_symbol(other)
    assert numbers == [f"01/TB-{symbol}", f"02/TB-{symbol}", f"01/TB-{other_symbol}", f"01/TB-{symbol}"]
    assert Letter.objects.filter(year=2027).count() == 1


def clerk_of(agency):
    return factories.make_officer(agency, f"vanthu.{agency.pk}", Role.DOCUMENT_CLERK, "Nguyễn Văn Thư")


def issue(clerk, agency, type_code, **fields):
    draft = documents_actions.create_draft(
        clerk, agency, type_code=type_code, subject="Về việc thử nghiệm", **fields
    )
    return documents_actions.issue_document(clerk, draft)


def test_a_form_04_letter_and_a_cong_van_share_the_agencys_common_series(accepted, leader):
    """Decree 30/2020/NĐ-CP Art. 15(1): the agency's documents are numbered in one series of the
    year unless its head chose one per type; the extension letter is one of its letters."""
    extension = actions.extend_dossier(
        leader, accepted, accepted.due_at + datetime.timedelta(days=3), "Cần xác minh thông tin"
    )
    agency = extension.agency
    cong_van = issue(clerk_of(agency), agency, doctypes.CONG_VAN, unit_symbol="VP")
    letter = Letter.objects.get(dossier=accepted, form_number=4)
    assert (letter.series, letter.year, letter.number) == ("common", cong_van.year, 1)
    assert (cong_van.series, cong_van.number) == ("common", 2)
    assert cong_van.reference == f"02/{agency_symbol(agency)}-VP"


def test_per_type_series_a_stop_notice_is_numbered_with_the_agencys_notices(accepted, leader, desk):
    RegisterSettings.objects.create(agency=desk, series_mode=SeriesMode.PER_TYPE)
    clerk = clerk_of(desk)
    first_letter = issue(clerk, desk, doctypes.CONG_VAN, unit_symbol="VP")
    actions.stop_dossier(leader, accepted, "Người nộp đề nghị dừng để bổ sung giấy tờ khác")
    notice = issue(clerk, desk, "thong_bao")
    letter = Letter.objects.get(dossier=accepted, form_number=5)
    assert (letter.series, letter.number, letter.reference) == (
        "type:thong_bao",
        1,
        f"01/TB-{agency_symbol(desk)}",
    )
    assert (notice.series, notice.number) == ("type:thong_bao", 2)
    assert (first_letter.series, first_letter.number) == (f"type:{doctypes.CONG_VAN}", 1)


def test_a_refused_stop_takes_no_number(accepted, specialist, leader):
    with pytest.raises(PermissionDenied):
        actions.stop_dossier(specialist, accepted, "Không có quyền")
    with pytest.raises(ValidationError):
        actions.stop_dossier(leader, accepted, "  ")
    assert not Letter.objects.exists()


def test_symbol_from_the_initials_without_diacritics(desk):
    assert agency_symbol(desk) == "TTPVHCCPMT"
    desk.symbol = "ttpvhcc"
    assert agency_symbol(desk) == "TTPVHCC"


def _issue_many(dossier_pk, agency_pk, count, references, errors):
    from tinhso.agencies.models import Agency
    from tinhso.dossiers.models import Dossier

    try:
        dossier, agency = Dossier.objects.get(pk=dossier_pk), Agency.objects.get(pk=agency_pk)
        for _ in range(count):
            with transaction.atomic():
                references.append(issue_letter(dossier, 5, agency, None).number)
    except Exception as exc:
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_parallel_issues_get_consecutive_numbers(submitted, desk):
    numbers, errors = [], []
    threads = [
        threading.Thread(target=_issue_many, args=(submitted.pk, desk.pk, 20, numbers, errors))
        for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 101))
