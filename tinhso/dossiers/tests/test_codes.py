"""Dossier codes: format, daily sequence, and correctness under parallel submissions."""

import datetime
import multiprocessing
import re
import threading

import pytest
from django.db import connections, transaction

from tinhso import testing as factories
from tinhso.dossiers import actions
from tinhso.dossiers.codes import format_code, issue_code, lookup_form, new_submission_reference
from tinhso.dossiers.models import Dossier, DossierCodeCounter

REFERENCE = re.compile(r"^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$")


def test_format_follows_circular_01_2018():
    assert format_code("H20.04", datetime.date(2026, 11, 22), 1) == "H20.04-261122-0001"
    assert format_code("H15.50.05.13", datetime.date(2026, 10, 8), 975) == "H15.50.05.13-261008-0975"


@pytest.mark.django_db
def test_sequence_is_per_agency_and_local_day(desk, province):
    other = province["agencies"]["cao_lanh"]
    # 23:30 on 21/11 in Hà Nội time is still 21/11; 17:30 UTC on 21/11 is 00:30 on 22/11 local.
    evening = datetime.datetime(2026, 11, 21, 16, 30, tzinfo=datetime.UTC)
    after_midnight = datetime.datetime(2026, 11, 21, 17, 30, tzinfo=datetime.UTC)
    with transaction.atomic():
        assert issue_code(desk, evening) == "H20.201.01-261121-0001"
        assert issue_code(desk, evening) == "H20.201.01-261121-0002"
        assert issue_code(other, evening) == "H20.202.01-261121-0001"
        assert issue_code(desk, after_midnight) == "H20.201.01-261122-0001"


@pytest.mark.django_db
def test_a_rolled_back_submission_gives_its_number_back(desk):
    with pytest.raises(RuntimeError), transaction.atomic():
        issue_code(desk)
        raise RuntimeError
    with transaction.atomic():
        assert issue_code(desk).endswith("-0001")


def _submit_many(user_pk, count, codes, errors):
    from tinhso.accounts.models import User

    try:
        user = User.objects.get(pk=user_pk)
        for _ in range(count):
            dossier, _created = actions.create_dossier(
                user,
                procedure_code="1.000001",
                agency_code="H20.201.01",
                applicant={"phone": "0912345678", "address": {"commune": "28261", "detail": "12 Ấp Bắc"}},
                form_data={},
                attachments=[],
            )
            codes.append((dossier.code, dossier.submission_reference))
    except Exception as exc:
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_two_hundred_parallel_submissions_get_two_hundred_references_and_no_code(settings, tmp_path):
    """The code is issued on reception (Decree 118/2025/NĐ-CP Art. 17(3) as amended by Decree
    309/2026/NĐ-CP Art. 8(3); concurrency of reception: ``motcua/tests/test_reception_code.py``)."""
    factories.make_province()
    factories.make_procedure(code="1.000001", eform={}, documents=False)
    citizen = factories.make_citizen()
    codes, errors = [], []
    threads = [threading.Thread(target=_submit_many, args=(citizen.pk, 25, codes, errors)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(codes) == 200 and {code for code, _reference in codes} == {None}
    references = {reference for _code, reference in codes}
    assert len(references) == 200 and all(REFERENCE.match(reference) for reference in references)
    assert Dossier.objects.filter(is_draft=False).count() == 200
    assert not DossierCodeCounter.objects.exists()


def _issue_in_process(agency_pk, count, queue):
    from tinhso.agencies.models import Agency

    connections.close_all()  # never share the parent's connection
    agency = Agency.objects.get(pk=agency_pk)
    issued = []
    for _ in range(count):
        with transaction.atomic():
            issued.append(issue_code(agency))
    connections.close_all()
    queue.put(issued)


@pytest.mark.django_db(transaction=True)
def test_several_processes_with_their_own_connections_never_share_a_number():
    desk = factories.make_province()["agencies"]["my_tho"]
    connections.close_all()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [context.Process(target=_issue_in_process, args=(desk.pk, 25, queue)) for _ in range(4)]
    for process in processes:
        process.start()
    codes = [code for _ in processes for code in queue.get(timeout=120)]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert sorted(int(code[-4:]) for code in codes) == list(range(1, 101))
    assert DossierCodeCounter.objects.get(agency=desk).value == 100


def test_a_submission_reference_is_random_and_typed_back_in_any_way():
    references = {new_submission_reference() for _ in range(2000)}
    assert len(references) == 2000 and all(REFERENCE.match(reference) for reference in references)
    assert lookup_form(" 7kq4 m2xd 9tba ") == lookup_form("7KQ4M2XD9TBA") == "7KQ4-M2XD-9TBA"
    assert lookup_form("h20.04-261122-0001") == "H20.04-261122-0001"
