"""The storage keeps the files of committed transactions and deletes those of rolled-back ones,
also when they really commit or roll back (not inside a test's own transaction)."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def files(tmp_path):
    return sorted(path.name for path in tmp_path.rglob("*") if path.is_file())


@pytest.mark.django_db(transaction=True)
def test_a_committed_file_is_kept_and_a_rolled_back_one_deleted(tmp_path):
    with transaction.atomic():
        default_storage.save("kept.pdf", ContentFile(b"%PDF-1.4"))
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        default_storage.save("lost.pdf", ContentFile(b"%PDF-1.4"))
        1 / 0  # noqa: B018
    assert files(tmp_path) == ["kept.pdf"]


@pytest.mark.django_db(transaction=True)
def test_a_file_is_kept_when_its_transaction_committed_but_an_earlier_callback_failed(tmp_path):
    def fails():
        raise RuntimeError("a callback registered before the file was saved")

    with pytest.raises(RuntimeError), transaction.atomic():
        transaction.on_commit(fails)
        default_storage.save("committed.pdf", ContentFile(b"%PDF-1.4"))
    assert files(tmp_path) == ["committed.pdf"]


def test_outside_a_transaction_a_file_is_simply_saved(tmp_path):
    default_storage.save("plain.pdf", ContentFile(b"%PDF-1.4"))
    assert files(tmp_path) == ["plain.pdf"]
