"""``tinhso.core.rows.insert`` writes the submission's small rows (history, outbox event,
attachments, idempotency key) without the ORM's statement building: each row must come out
exactly as ``save()`` would have written it."""

import pytest
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from tinhso.core.rows import insert
from tinhso.dossiers.models import Attachment, DossierEvent, IdempotencyKey

pytestmark = pytest.mark.django_db


def stored(model, pk) -> dict:
    row = model.objects.filter(pk=pk).values().get()
    row.pop("id")
    return row


def event(dossier, status: int) -> DossierEvent:
    return DossierEvent(
        dossier=dossier,
        code=dossier.display_code,
        status=status,
        agency_code="H20.268.01",
        occurred_at=dossier.submitted_at,
    )


def attachment(dossier, citizen, name: str) -> Attachment:
    return Attachment(
        dossier=dossier,
        original_name=name,
        file="dossiers/2026/11/giay-to.pdf",
        content_type="application/pdf",
        size=329,
        sha256="7" * 64,
        uploaded_by=citizen,
    )


def test_rows_are_stored_as_save_stores_them(submitted, citizen):
    by_orm = event(submitted, 2)
    by_orm.save()
    (plain,) = insert(event(submitted, 2))
    assert plain.pk is not None and plain.pk != by_orm.pk and not plain._state.adding
    assert stored(DossierEvent, plain.pk) == stored(DossierEvent, by_orm.pk)
    assert stored(DossierEvent, plain.pk)["published_at"] is None

    # auto_now_add is filled and a nullable foreign key left empty, as save() does.
    by_orm = attachment(submitted, citizen, "giấy-khai-sinh.pdf")
    by_orm.save()
    (plain,) = insert(attachment(submitted, citizen, "giấy-khai-sinh.pdf"))
    orm_row, plain_row = stored(Attachment, by_orm.pk), stored(Attachment, plain.pk)
    assert plain_row.pop("uploaded_at") >= orm_row.pop("uploaded_at")
    assert plain_row == orm_row
    assert plain.uploaded_at == Attachment.objects.get(pk=plain.pk).uploaded_at


def test_several_rows_in_one_statement_keep_their_order(submitted, citizen, django_assert_num_queries):
    names = ["tờ-khai.pdf", "giấy-chứng-sinh.pdf", "căn-cước.pdf"]
    with django_assert_num_queries(1):
        rows = insert(*(attachment(submitted, citizen, name) for name in names))
    assert [row.original_name for row in rows] == names
    assert [Attachment.objects.get(pk=row.pk).original_name for row in rows] == names
    assert model_to_dict(Attachment.objects.get(pk=rows[0].pk)) == model_to_dict(rows[0])
    assert insert() == []


def test_a_refused_row_changes_nothing(submitted, citizen):
    insert(IdempotencyKey(user=citizen, key="khóa-1", request_hash="a" * 64, dossier=submitted))
    events = DossierEvent.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(event(submitted, 3))
        insert(IdempotencyKey(user=citizen, key="khóa-1", request_hash="b" * 64, dossier=submitted))
    assert DossierEvent.objects.count() == events
    assert IdempotencyKey.objects.get(key="khóa-1").request_hash == "a" * 64
