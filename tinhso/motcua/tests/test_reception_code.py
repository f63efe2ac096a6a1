"""The dossier code is issued on reception (Decree 118/2025/NĐ-CP Art. 17(3) as amended by Decree
309/2026/NĐ-CP Art. 8(3): "Mỗi hồ sơ thủ tục hành chính sau khi được tiếp nhận sẽ được cấp 01 Mã
số hồ sơ được ghi trong Giấy tiếp nhận hồ sơ và hẹn trả kết quả"). An online submission has a
random submission reference until then; a submission refused or sent back before reception takes
no number, so the codes stay gap-free."""

import datetime
import importlib
import re
import threading

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connections
from django.urls import reverse

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.dossiers import actions as dossier_actions
from tinhso.dossiers.models import Channel, Dossier, DossierBookCounter, DossierCodeCounter, DossierEvent
from tinhso.dossiers.notifications import send_pending
from tinhso.dossiers.status import Status
from tinhso.motcua import actions
from tinhso.motcua.inbox import search
from tinhso.motcua.tests.fixtures import submit
from tinhso.official_forms.rendering import available_forms, form_html
from tinhso.workflows.actions import perform_action
from tinhso.workflows.models import DossierFlow

pytestmark = pytest.mark.django_db
TZ = datetime.timezone(datetime.timedelta(hours=7))
REFERENCE = re.compile(r"^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$")
# Submitted online on Friday 04/12/2026 at 16:40, received on Monday 07/12/2026 at 08:15.
SUBMITTED_AT = datetime.datetime(2026, 12, 4, 16, 40, tzinfo=TZ)
RECEIVED_AT = datetime.datetime(2026, 12, 7, 8, 15, tzinfo=TZ)


def submitted_on_friday(citizen, procedure, desk) -> Dossier:
    dossier = submit(citizen, procedure, desk)
    Dossier.objects.filter(pk=dossier.pk).update(submitted_at=SUBMITTED_AT)
    dossier.refresh_from_db()
    return dossier


def receive(officer, specialist, dossier, at=RECEIVED_AT) -> Dossier:
    perform_action(officer, dossier, "tiep_nhan", assignee=specialist, at=at)
    dossier.refresh_from_db()
    return dossier


def test_an_online_submission_has_a_reference_and_no_code(citizen, procedure, desk):
    dossier = submitted_on_friday(citizen, procedure, desk)
    assert dossier.status == Status.NEW and dossier.code is None
    assert REFERENCE.match(dossier.submission_reference)
    assert dossier.display_code == dossier.submission_reference
    assert not DossierCodeCounter.objects.exists()
    # The outbox names the dossier by its reference until it has a code.
    assert list(DossierEvent.objects.filter(dossier=dossier).values_list("code", flat=True)) == [
        dossier.submission_reference
    ]
    # Two submissions never share a reference, and one says nothing of the other.
    other = submit(citizen, procedure, desk)
    assert other.submission_reference != dossier.submission_reference


def test_reception_issues_the_code_of_the_reception_day(
    citizen, procedure, desk, officer, specialist, mailoutbox
):
    dossier = submitted_on_friday(citizen, procedure, desk)
    reference = dossier.submission_reference
    send_pending()
    mailoutbox.clear()
    dossier = receive(officer, specialist, dossier)
    # The date part is the reception day (07/12/2026), not the submission day (04/12/2026).
    assert dossier.code == "H20.201.01-261207-0001"
    assert dossier.submission_reference == reference and dossier.received_at == RECEIVED_AT
    assert DossierEvent.objects.get(dossier=dossier, status=Status.ACCEPTED).code == dossier.code
    # The receipt (Form 01) carries the code; the reception notification tells it.
    assert available_forms(dossier)[0] == 1
    receipt = form_html(1, dossier)
    assert "Mã hồ sơ: <strong>H20.201.01-261207-0001</strong>" in receipt
    assert "07 tháng 12 năm 2026" in receipt
    send_pending()
    [message] = mailoutbox
    assert message.subject == "Hồ sơ H20.201.01-261207-0001 đã được tiếp nhận"
    assert f"mã nộp hồ sơ {reference}" in message.body and "Mã hồ sơ: H20.201.01-261207-0001" in message.body


def test_a_refused_or_returned_submission_consumes_no_code(citizen, procedure, desk, officer, specialist):
    refused = submitted_on_friday(citizen, procedure, desk)
    actions.refuse_dossier(officer, refused, "Hồ sơ không thuộc thẩm quyền giải quyết của phường.")
    incomplete = submitted_on_friday(citizen, procedure, desk)
    actions.ask_for_supplement(officer, incomplete, ["Bản sao Giấy chứng sinh có chứng thực"])
    first = receive(officer, specialist, submitted_on_friday(citizen, procedure, desk))
    second = receive(
        officer,
        specialist,
        submitted_on_friday(citizen, procedure, desk),
        RECEIVED_AT + datetime.timedelta(hours=1),
    )
    refused.refresh_from_db()
    incomplete.refresh_from_db()
    assert (refused.status, refused.code) == (Status.REFUSED, None)
    assert (incomplete.status, incomplete.code) == (Status.SUPPLEMENT, None)
    assert [first.code, second.code] == ["H20.201.01-261207-0001", "H20.201.01-261207-0002"]
    assert DossierCodeCounter.objects.get(agency=desk).value == 2
    assert [first.book_number, second.book_number, refused.book_number] == [1, 2, None]
    # The refusal (Form 03) names the submission by its reference; there is no receipt.
    assert available_forms(refused) == [3]
    assert f"Mã nộp hồ sơ: <strong>{refused.submission_reference}</strong>" in form_html(3, refused)
    with pytest.raises(ValidationError) as caught:
        form_html(1, refused)
    assert caught.value.code == "not_received"


def test_a_walk_in_is_received_and_coded_at_once(procedure, officer, specialist, desk):
    dossier = actions.receive_at_counter(
        officer,
        desk,
        procedure,
        {"name": "Trần Thị Bích Ngọc", "phone": "0912345678"},
        [],
        assignee=specialist,
    )
    assert dossier.status == Status.ACCEPTED and dossier.channel == Channel.DIRECT
    assert re.fullmatch(r"H20\.201\.01-\d{6}-0001", dossier.code) and dossier.submission_reference is None
    assert dossier.display_code == dossier.code
    assert set(DossierEvent.objects.filter(dossier=dossier).values_list("code", flat=True)) == {dossier.code}


def test_tracking_by_reference_then_by_code(client, citizen, procedure, desk, officer, specialist):
    dossier = submitted_on_friday(citizen, procedure, desk)
    reference = dossier.submission_reference
    typed = reference.replace("-", " ").lower()  # as a citizen may type it
    before = client.post(reverse("dossiers:track"), {"code": typed, "factor": "0912345678"})
    page = before.content.decode()
    assert before.status_code == 200 and f"Hồ sơ {reference}" in page
    assert "Được cấp khi cơ quan tiếp nhận hồ sơ" in page
    dossier = receive(officer, specialist, dossier)
    for code in (dossier.code, reference):
        after = client.post(reverse("dossiers:track"), {"code": code, "factor": "0912345678"})
        page = after.content.decode()
        assert after.status_code == 200 and f"Hồ sơ {dossier.code}" in page and reference in page
    wrong = client.post(reverse("dossiers:track"), {"code": reference, "factor": "0987654321"})
    unknown = client.post(reverse("dossiers:track"), {"code": "ZZZZ-ZZZZ-ZZZZ", "factor": "0912345678"})
    assert wrong.status_code == unknown.status_code == 404


def test_my_dossiers_and_the_officer_search_name_the_dossier_by_either(
    client, citizen, procedure, desk, officer, specialist
):
    dossier = submitted_on_friday(citizen, procedure, desk)
    reference = dossier.submission_reference
    client.force_login(citizen)
    mine = client.get(reverse("dossiers:mine")).content.decode()
    assert reverse("dossiers:detail", args=[reference]) in mine and "Được cấp khi cơ quan" in mine
    dossier = receive(officer, specialist, dossier)
    mine = client.get(reverse("dossiers:mine")).content.decode()
    assert reverse("dossiers:detail", args=[dossier.code]) in mine and reference in mine
    # An old link by the reference still opens the dossier.
    assert client.get(reverse("dossiers:detail", args=[reference])).status_code == 200
    for text in (reference, reference.replace("-", "").lower(), dossier.code, "261207-0001"):
        assert [flow.dossier for flow in search(DossierFlow.objects.all(), text)] == [dossier]


def test_the_migration_gives_a_reference_to_every_submitted_dossier(
    citizen, procedure, desk, officer, specialist
):
    online = receive(officer, specialist, submitted_on_friday(citizen, procedure, desk))
    walk_in = actions.receive_at_counter(
        officer, desk, procedure, {"name": "Lê Văn Tám"}, [], assignee=specialist
    )
    draft = dossier_actions.start_draft(citizen, procedure, desk)
    Dossier.objects.filter(pk=online.pk).update(submission_reference=None)  # as stored before 0009
    migration = importlib.import_module("tinhso.dossiers.migrations.0009_submission_reference")
    migration.backfill_references(apps, None)
    online.refresh_from_db()
    walk_in.refresh_from_db()
    draft.refresh_from_db()
    assert REFERENCE.match(online.submission_reference) and online.code == "H20.201.01-261207-0001"
    assert walk_in.submission_reference is None and draft.submission_reference is None


def test_the_migration_numbers_the_dossiers_already_received_in_their_books(
    citizen, procedure, desk, officer, specialist
):
    later = receive(officer, specialist, submitted_on_friday(citizen, procedure, desk))
    earlier = receive(
        officer,
        specialist,
        submitted_on_friday(citizen, procedure, desk),
        RECEIVED_AT - datetime.timedelta(days=1),
    )
    walk_in = actions.receive_at_counter(
        officer, desk, procedure, {"name": "Lê Văn Tám"}, [], assignee=specialist
    )
    new = submit(citizen, procedure, desk)
    Dossier.objects.filter(pk=walk_in.pk).update(received_at=RECEIVED_AT + datetime.timedelta(hours=2))
    Dossier.objects.update(book_number=None)  # as stored before 0013
    DossierBookCounter.objects.all().delete()
    migration = importlib.import_module("tinhso.dossiers.migrations.0013_book_numbers")
    migration.number_received_dossiers(apps, None)
    numbers = dict(Dossier.objects.values_list("pk", "book_number"))
    assert [numbers[earlier.pk], numbers[later.pk], numbers[walk_in.pk]] == [1, 2, 3]
    assert numbers[new.pk] is None
    assert DossierBookCounter.objects.get(agency=desk, year=RECEIVED_AT.year).value == 3


def _receive_many(officer_pk, specialist_pk, dossier_pks, codes, errors):
    from tinhso.accounts.models import User

    try:
        officer, specialist = User.objects.get(pk=officer_pk), User.objects.get(pk=specialist_pk)
        for pk in dossier_pks:
            dossier = actions.accept_dossier(officer, Dossier.objects.get(pk=pk), assignee=specialist)
            codes.append(dossier.code)
    except Exception as exc:
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_officers_receiving_at_once_get_consecutive_unique_codes():
    """Six officers of one desk receive 60 online dossiers at the same time (PostgreSQL): one
    code each, consecutive from 0001, none shared, and the refused submissions took none."""
    province = factories.make_province()
    desk = province["agencies"]["my_tho"]
    factories.make_procedure(code="1.000001", eform={}, documents=False)
    citizen = factories.make_citizen()
    officers = [factories.make_officer(desk, f"motcua.mytho{number}") for number in range(6)]
    specialist = factories.make_officer(desk.parent, "chuyenvien.mytho", Role.SPECIALIST)
    dossiers = [
        dossier_actions.create_dossier(
            citizen,
            procedure_code="1.000001",
            agency_code=desk.code,
            applicant={"phone": "0912345678", "address": {"commune": "28261", "detail": "12 Ấp Bắc"}},
            form_data={},
            attachments=[],
        )[0]
        for _ in range(64)
    ]
    for dossier in dossiers[60:]:
        actions.refuse_dossier(officers[0], dossier, "Nộp nhầm thủ tục.")
    codes, errors = [], []
    threads = [
        threading.Thread(
            target=_receive_many,
            args=(officer.pk, specialist.pk, [d.pk for d in dossiers[index:60:6]], codes, errors),
        )
        for index, officer in enumerate(officers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(codes) == 60 and len(set(codes)) == 60
    assert sorted(int(code[-4:]) for code in codes) == list(range(1, 61))
    assert all(re.fullmatch(r"H20\.201\.01-\d{6}-\d{4}", code) for code in codes)
    assert Dossier.objects.filter(code__isnull=True).count() == 4
    assert DossierCodeCounter.objects.get(agency=desk).value == 60
    # The same for the numbers in the tracking book of the procedure's field and year.
    numbers = Dossier.objects.filter(code__isnull=False).values_list("book_number", flat=True)
    assert sorted(numbers) == list(range(1, 61))
    assert DossierBookCounter.objects.get(agency=desk).value == 60
    assert not Dossier.objects.filter(code__isnull=True, book_number__isnull=False).exists()
