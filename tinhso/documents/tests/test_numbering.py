"""Numbers and symbols of outgoing documents and arrival numbers (Decree 30/2020 Art. 15, 22)."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections

from tinhso.documents import actions, doctypes
from tinhso.documents.models import OutgoingDocument, RegisterSettings, Secrecy, SeriesMode
from tinhso.documents.tests.conftest import make_agencies, make_staff

# 23:30 on 31/12/2026 in Vietnam is 16:30 UTC; 00:30 on 1/1/2027 is 17:30 UTC.
NEW_YEARS_EVE = datetime.datetime(2026, 12, 31, 16, 30, tzinfo=datetime.UTC)
NEW_YEAR = datetime.datetime(2026, 12, 31, 17, 30, tzinfo=datetime.UTC)


def draft(user, agency, type_code="quyet_dinh", **fields):
    return actions.create_draft(user, agency, type_code=type_code, subject="Về việc thử nghiệm", **fields)


def test_the_types_of_article_7_with_the_abbreviations_of_appendix_iii():
    types = [doc_type for doc_type in doctypes.DOCUMENT_TYPES if not doc_type.is_copy]
    assert len(types) == 29
    assert {doc_type.abbreviation for doc_type in doctypes.DOCUMENT_TYPES if doc_type.is_copy} == {
        "SY",
        "TrS",
        "SL",
    }
    assert doctypes.BY_CODE["quy_dinh"].abbreviation == "QyĐ"
    assert doctypes.BY_CODE["to_trinh"].abbreviation == "TTr"
    assert doctypes.BY_CODE[doctypes.CONG_VAN].abbreviation == ""
    assert len({doc_type.abbreviation for doc_type in types if doc_type.abbreviation}) == 27
    assert doctypes.by_name("quyết định") is doctypes.BY_CODE["quyet_dinh"]


def test_number_and_symbol_from_01_with_the_agency_abbreviation(agencies, pc_staff):
    clerk = pc_staff["clerk"]
    first = actions.issue_document(clerk, draft(clerk, agencies["pc"]))
    assert (first.number, first.symbol, first.reference) == (1, "QĐ-UBND", "01/QĐ-UBND")
    letter = actions.issue_document(clerk, draft(clerk, agencies["pc"], "cong_van", unit_symbol="vp"))
    assert letter.reference == "02/UBND-VP"
    notice = actions.issue_document(clerk, draft(clerk, agencies["pc"], "thong_bao"))
    assert notice.reference == "03/TB-UBND"
    assert first.document_id.startswith("H20,") and first.document_id.endswith(",01/QĐ-UBND")


def test_ten_and_above_have_no_leading_zero(agencies, pc_staff):
    clerk = pc_staff["clerk"]
    references = [actions.issue_document(clerk, draft(clerk, agencies["pc"])).reference for _ in range(10)]
    assert references[8] == "09/QĐ-UBND" and references[9] == "10/QĐ-UBND"


def test_each_agency_has_its_own_series(agencies, pc_staff, dept_staff):
    actions.issue_document(pc_staff["clerk"], draft(pc_staff["clerk"], agencies["pc"]))
    other = actions.issue_document(dept_staff["clerk"], draft(dept_staff["clerk"], agencies["dept"]))
    assert other.reference == "01/QĐ-SNV"


def test_per_type_series_when_the_agency_chose_it(agencies, pc_staff):
    RegisterSettings.objects.create(agency=agencies["pc"], series_mode=SeriesMode.PER_TYPE)
    clerk = pc_staff["clerk"]
    assert actions.issue_document(clerk, draft(clerk, agencies["pc"])).reference == "01/QĐ-UBND"
    assert actions.issue_document(clerk, draft(clerk, agencies["pc"], "thong_bao")).reference == "01/TB-UBND"
    assert actions.issue_document(clerk, draft(clerk, agencies["pc"])).reference == "02/QĐ-UBND"


def test_secret_documents_have_a_separate_series(agencies, pc_staff):
    clerk = pc_staff["clerk"]
    actions.issue_document(clerk, draft(clerk, agencies["pc"]))
    secret = actions.issue_document(clerk, draft(clerk, agencies["pc"], secrecy=Secrecy.CONFIDENTIAL))
    assert (secret.series, secret.number) == ("secret", 1)
    assert actions.issue_document(clerk, draft(clerk, agencies["pc"])).number == 2


def test_the_year_rolls_over_at_midnight_vietnam_time(agencies, pc_staff):
    clerk = pc_staff["clerk"]
    late = actions.issue_document(clerk, draft(clerk, agencies["pc"]), at=NEW_YEARS_EVE)
    actions.issue_document(clerk, draft(clerk, agencies["pc"]), at=NEW_YEARS_EVE)
    new = actions.issue_document(clerk, draft(clerk, agencies["pc"]), at=NEW_YEAR)
    assert (late.year, late.number) == (2026, 1)
    assert (new.year, new.number) == (2027, 1)
    assert ",2027/01/01," in new.document_id


def test_a_document_is_numbered_once(agencies, pc_staff):
    clerk = pc_staff["clerk"]
    document = actions.issue_document(clerk, draft(clerk, agencies["pc"]))
    with pytest.raises(ValidationError) as error:
        actions.issue_document(clerk, document)
    assert error.value.code == "already_issued"
    assert OutgoingDocument.objects.get(pk=document.pk).number == 1


def test_only_the_clerk_of_the_agency_numbers(agencies, pc_staff, dept_staff):
    document = draft(pc_staff["specialist"], agencies["pc"])
    for user in (pc_staff["specialist"], pc_staff["leader"], dept_staff["clerk"]):
        with pytest.raises(PermissionDenied):
            actions.issue_document(user, document)
    assert OutgoingDocument.objects.get(pk=document.pk).state == "draft"


def test_drafting_refusals(agencies, pc_staff, dept_staff):
    clerk = pc_staff["clerk"]
    with pytest.raises(ValidationError) as error:
        draft(clerk, agencies["pc"], "cong_van")
    assert error.value.code == "unit_symbol"
    with pytest.raises(ValidationError):
        draft(clerk, agencies["pc"], "cong_van", unit_symbol="V P")
    with pytest.raises(ValidationError):
        draft(clerk, agencies["pc"], "not_a_type")
    with pytest.raises(ValidationError):
        actions.create_draft(clerk, agencies["pc"], type_code="quyet_dinh", subject="  ")
    with pytest.raises(ValidationError):
        draft(clerk, agencies["pc"], urgency=9)
    with pytest.raises(PermissionDenied):
        draft(dept_staff["specialist"], agencies["pc"])
    assert not OutgoingDocument.objects.exists()


def _issue_many(clerk_pk, document_pks, references, errors, barrier):
    from tinhso.accounts.models import User

    try:
        clerk = User.objects.get(pk=clerk_pk)
        barrier.wait()
        for pk in document_pks:
            try:
                references.append(
                    actions.issue_document(clerk, OutgoingDocument.objects.get(pk=pk)).reference
                )
            except ValidationError as exc:
                errors.append(exc.code)
    except Exception as exc:
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_parallel_clerks_get_gap_free_unique_numbers():
    agencies = make_agencies()
    clerk = make_staff(agencies["pc"], "pc")["clerk"]
    pks = [draft(clerk, agencies["pc"]).pk for _ in range(60)]
    references, errors = [], []
    barrier = threading.Barrier(6)
    threads = [
        threading.Thread(target=_issue_many, args=(clerk.pk, pks[index::6], references, errors, barrier))
        for index in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(references) == 60 and len(set(references)) == 60
    assert sorted(int(reference.split("/")[0]) for reference in references) == list(range(1, 61))


@pytest.mark.django_db(transaction=True)
def test_numbering_the_same_draft_at_once_gives_one_number():
    agencies = make_agencies()
    clerk = make_staff(agencies["pc"], "pc")["clerk"]
    pks = [draft(clerk, agencies["pc"]).pk for _ in range(5)]
    references, errors = [], []
    barrier = threading.Barrier(4)
    threads = [
        threading.Thread(target=_issue_many, args=(clerk.pk, pks, references, errors, barrier))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(references) == [f"0{n}/QĐ-UBND" for n in range(1, 6)]
    assert errors == ["already_issued"] * 15
    assert sorted(OutgoingDocument.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5]


def _register_many(clerk_pk, agency_pk, count, numbers, errors, barrier):
    from tinhso.accounts.models import User
    from tinhso.agencies.models import Agency

    try:
        clerk, agency = User.objects.get(pk=clerk_pk), Agency.objects.get(pk=agency_pk)
        barrier.wait()
        for index in range(count):
            document = actions.register_paper(
                clerk, agency, sender_name=f"Cơ quan {clerk_pk}-{index}", subject="Văn bản giấy"
            )
            numbers.append(document.arrival_number)
    except Exception as exc:
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_parallel_registrations_get_gap_free_unique_arrival_numbers():
    agencies = make_agencies()
    clerks = [make_staff(agencies["pc"], f"pc{index}")["clerk"] for index in range(4)]
    numbers, errors = [], []
    barrier = threading.Barrier(4)
    threads = [
        threading.Thread(
            target=_register_many, args=(clerk.pk, agencies["pc"].pk, 10, numbers, errors, barrier)
        )
        for clerk in clerks
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 41))
