"""Reception: accept (due time in working time across Tết 2026), supplements, refusal, counter."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction

from tinhso import testing as factories
from tinhso.audit.models import AuditEntry
from tinhso.dossiers.models import DueTimeChange, SupplementRequest
from tinhso.dossiers.status import Status
from tinhso.motcua import actions
from tinhso.motcua.actions import GivenDocument
from tinhso.motcua.models import CopyForm
from tinhso.workflows.actions import perform_action
from tinhso.workflows.models import DossierFlow

pytestmark = pytest.mark.django_db
TZ = datetime.timezone(datetime.timedelta(hours=7))


def test_accepting_sets_the_due_time_from_acceptance(submitted, officer, specialist):
    actions.accept_dossier(officer, submitted, assignee=specialist)
    submitted.refresh_from_db()
    assert submitted.status == Status.ACCEPTED
    change = DueTimeChange.objects.get(dossier=submitted)
    assert change.kind == "acceptance" and change.new_due_at == submitted.due_at
    assert submitted.events.filter(status=Status.ACCEPTED).exists()


def test_due_time_crosses_the_weekend_and_tet_2026(submitted, officer, specialist):
    # Friday 13/02/2026 10:00 + 3 working days: weekend, Tết (16–20/02), weekend → Wed 25/02 10:00.
    accepted_at = datetime.datetime(2026, 2, 13, 10, 0, tzinfo=TZ)
    perform_action(officer, submitted, "tiep_nhan", assignee=specialist, at=accepted_at)
    submitted.refresh_from_db()
    assert submitted.due_at == datetime.datetime(2026, 2, 25, 10, 0, tzinfo=TZ)
    flow = DossierFlow.objects.get(dossier=submitted)
    # The step lasts 4 working hours: 10:00 Friday → 16:00 Friday (lunch 11:30–13:30).
    assert flow.step_due_at == datetime.datetime(2026, 2, 13, 16, 0, tzinfo=TZ)


def test_supplement_request_lists_what_is_missing(submitted, officer):
    actions.ask_for_supplement(
        officer, submitted, ["Bản sao Giấy chứng sinh có chứng thực", ""], "Ảnh chụp mờ"
    )
    submitted.refresh_from_db()
    assert submitted.status == Status.SUPPLEMENT
    assert SupplementRequest.objects.get(dossier=submitted).missing == [
        "Bản sao Giấy chứng sinh có chứng thực"
    ]
    with pytest.raises(ValidationError):
        actions.accept_dossier(officer, submitted)


def test_refusal_needs_a_reason_and_closes_the_dossier(submitted, officer, specialist):
    with pytest.raises(ValidationError) as caught:
        actions.refuse_dossier(officer, submitted, "  ")
    assert caught.value.message_dict["reason"] == ["Nêu lý do từ chối tiếp nhận hồ sơ."]
    actions.refuse_dossier(officer, submitted, "Thủ tục không thuộc thẩm quyền của Ủy ban nhân dân phường")
    submitted.refresh_from_db()
    assert submitted.status == Status.REFUSED
    assert DossierFlow.objects.get(dossier=submitted).waiting_roles == ""
    with pytest.raises(ValidationError):
        actions.refuse_dossier(officer, submitted, "Lần hai")


def test_only_the_receiving_agency_receives(submitted, other_officer, specialist):
    with pytest.raises(PermissionDenied):
        actions.refuse_dossier(specialist, submitted, "Không đủ điều kiện")
    with pytest.raises(PermissionDenied):
        actions.accept_dossier(other_officer, submitted)
    submitted.refresh_from_db()
    assert submitted.status == Status.NEW
    assert AuditEntry.objects.filter(action__in=["motcua.refused", "workflows.refused"]).count() == 2


def test_a_walk_in_dossier_is_created_coded_and_accepted(procedure, officer, specialist, desk):
    upload = SimpleUploadedFile(
        "giay-chung-sinh.pdf", factories.minimal_pdf(), content_type="application/pdf"
    )
    dossier = actions.receive_at_counter(
        officer,
        desk,
        procedure,
        {"name": "Trần Thị Bích Ngọc", "cccd": "082190004567", "phone": "0387654321", "address": "Ấp Mỹ Phú"},
        [GivenDocument(CopyForm.ORIGINAL, procedure.documents.get(position=1), file=upload)],
        assignee=specialist,
    )
    assert dossier.code.startswith("H20.201.01-") and dossier.channel == "direct"
    assert dossier.applicant_phone == "+84387654321"
    assert dossier.status == Status.ACCEPTED and dossier.due_at is not None
    assert dossier.attachments.count() == 1
    actions.record_cash_payment(officer, dossier)
    dossier.refresh_from_db()
    assert dossier.paid_at is not None


def test_a_walk_in_paid_in_cash_is_received_and_paid_at_once(procedure, officer, specialist, desk):
    dossier = actions.receive_at_counter(
        officer, desk, procedure, {"name": "Trần Thị Bích Ngọc"}, [], assignee=specialist, paid=True
    )
    assert dossier.status == Status.ACCEPTED and dossier.paid_at is not None
    assert AuditEntry.objects.filter(action="dossiers.mark_paid", object_id=str(dossier.pk)).exists()


@pytest.fixture
def failing_payment():
    """The database refuses the cash payment's audit entry, as a failing disk or a lost
    connection would fail the payment step after the dossier was written."""
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION fail_payment() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'payment step failed'; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER fail_payment BEFORE INSERT ON {table} FOR EACH ROW "
            "WHEN (NEW.action = 'dossiers.mark_paid') EXECUTE FUNCTION fail_payment()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER fail_payment ON {table}")
        cursor.execute("DROP FUNCTION fail_payment()")


def test_a_walk_in_whose_payment_fails_leaves_nothing(
    procedure, officer, specialist, desk, tmp_path, failing_payment
):
    """Reception and cash payment are one transaction: a failed payment keeps no dossier, gives its
    code back and deletes its scanned file, so a retry makes no duplicate."""
    from tinhso.dossiers.models import Dossier

    upload = SimpleUploadedFile("don.pdf", factories.minimal_pdf(), content_type="application/pdf")
    with pytest.raises(DatabaseError, match="payment step failed"), transaction.atomic():
        actions.receive_at_counter(
            officer,
            desk,
            procedure,
            {"name": "Trần Thị Bích Ngọc"},
            [GivenDocument(CopyForm.ORIGINAL, name="Đơn", file=upload)],
            specialist,
            True,
        )
    assert not Dossier.objects.exists()
    assert not [path for path in (tmp_path / "media").rglob("*") if path.is_file()]
    retried = actions.receive_at_counter(
        officer, desk, procedure, {"name": "Trần Thị Bích Ngọc"}, [], assignee=specialist
    )
    assert retried.code.endswith("-0001")
    assert Dossier.objects.get() == retried


def test_a_walk_in_whose_second_file_is_refused_leaves_no_file_on_disk(
    procedure, officer, desk, settings, tmp_path
):
    """The first file is written before the second is refused: the rollback takes it away."""
    from tinhso.dossiers.models import Dossier

    settings.MEDIA_ROOT = tmp_path / "media"
    uploads = [
        GivenDocument(
            CopyForm.ORIGINAL, name="Đơn", file=SimpleUploadedFile("don.pdf", factories.minimal_pdf())
        ),
        GivenDocument(
            CopyForm.COPY, name="Ảnh", file=SimpleUploadedFile("anh.pdf", b"MZ\x90\x00 not a document")
        ),
    ]
    with pytest.raises(ValidationError):
        actions.receive_at_counter(officer, desk, procedure, {"name": "Trần Thị Bích Ngọc"}, uploads)
    assert not Dossier.objects.exists()
    assert not [path for path in (tmp_path / "media").rglob("*") if path.is_file()]


def test_a_walk_in_with_a_wrong_cccd_creates_nothing(procedure, officer, desk):
    from tinhso.dossiers.models import Dossier

    with pytest.raises(ValidationError) as caught:
        actions.receive_at_counter(
            officer, desk, procedure, {"name": "Trần Thị Bích Ngọc", "cccd": "12345"}, []
        )
    assert "cccd" in caught.value.message_dict
    assert not Dossier.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("phone", "0123"), ("phone", "không có"), ("phone", "0112345678"), ("email", "ngoc@")],
)
def test_a_walk_in_with_a_wrong_phone_or_email_creates_nothing(procedure, officer, desk, field, value):
    from tinhso.dossiers.models import Dossier

    with pytest.raises(ValidationError) as caught:
        actions.receive_at_counter(officer, desk, procedure, {"name": "Trần Thị Bích Ngọc", field: value}, [])
    assert list(caught.value.message_dict) == [field]
    assert not Dossier.objects.exists()


def test_a_walk_in_found_by_tracking_with_the_phone_written_any_usual_way(
    procedure, officer, specialist, desk
):
    from tinhso.dossiers.tracking import find_dossier

    applicant = {"name": "Lê Văn Tâm", "phone": "0912.345.678", "email": "tam@example.vn"}
    dossier = actions.receive_at_counter(officer, desk, procedure, applicant, [], assignee=specialist)
    assert dossier.applicant_phone == "+84912345678" and dossier.applicant_email == "tam@example.vn"
    for written in ("0912 345 678", "+84 912 345 678"):
        assert find_dossier(dossier.code, written, "127.0.0.1").code == dossier.code


def test_an_officer_of_another_desk_may_not_receive_for_this_one(procedure, other_officer, desk):
    with pytest.raises(PermissionDenied):
        actions.receive_at_counter(other_officer, desk, procedure, {"name": "Trần Văn Hải"}, [])


def test_due_time_counts_the_make_up_saturday_10_january_2026(
    submitted, citizen, procedure, desk, officer, specialist
):
    from tinhso.workflows.tests.conftest import submit
    from tinhso.worktime.models import CalendarException

    # The data migration ships Saturday 10/01/2026 as a working day (swapped with Friday 02/01).
    assert CalendarException.objects.get(date=datetime.date(2026, 1, 10)).kind == "working_day"
    # Thursday 08/01/2026 10:00 + 3 working days: Friday 09, Saturday 10, Monday 12 → Mon 12/01 10:00.
    accepted_at = datetime.datetime(2026, 1, 8, 10, 0, tzinfo=TZ)
    perform_action(officer, submitted, "tiep_nhan", assignee=specialist, at=accepted_at)
    submitted.refresh_from_db()
    assert submitted.due_at == datetime.datetime(2026, 1, 12, 10, 0, tzinfo=TZ)

    # Accepted Friday 09/01 at 16:00: the 4-hour step ends on the Saturday at 10:30, and the
    # dossier (3 working days: Saturday 10, Monday 12, Tuesday 13) is due Tuesday 13/01 16:00.
    later = submit(citizen, procedure, desk)
    perform_action(
        officer, later, "tiep_nhan", assignee=specialist, at=datetime.datetime(2026, 1, 9, 16, 0, tzinfo=TZ)
    )
    flow = DossierFlow.objects.get(dossier=later)
    assert flow.step_due_at == datetime.datetime(2026, 1, 10, 10, 30, tzinfo=TZ)
    later.refresh_from_db()
    assert later.due_at == datetime.datetime(2026, 1, 13, 16, 0, tzinfo=TZ)

    # Without the make-up day the same acceptance would be due a day later: the Saturday counts.
    CalendarException.objects.filter(date=datetime.date(2026, 1, 10)).delete()
    third = submit(citizen, procedure, desk)
    perform_action(officer, third, "tiep_nhan", assignee=specialist, at=accepted_at)
    third.refresh_from_db()
    assert third.due_at == datetime.datetime(2026, 1, 13, 10, 0, tzinfo=TZ)


def test_due_time_counts_a_make_up_saturday_the_province_adds(submitted, officer, specialist):
    from tinhso.worktime.models import CalendarException

    # Saturday 22/08/2026 is shipped as a working day; a province adds Saturday 15/08 too.
    CalendarException.objects.create(date=datetime.date(2026, 8, 15), kind="working_day", name="Làm bù")
    # Friday 14/08/2026 14:00 + 3 working days: Saturday 15, Monday 17, Tuesday 18 → Tue 18/08 14:00.
    perform_action(
        officer,
        submitted,
        "tiep_nhan",
        assignee=specialist,
        at=datetime.datetime(2026, 8, 14, 14, 0, tzinfo=TZ),
    )
    submitted.refresh_from_db()
    assert submitted.due_at == datetime.datetime(2026, 8, 18, 14, 0, tzinfo=TZ)
