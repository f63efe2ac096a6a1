"""Real parallel writers, each thread on its own PostgreSQL connection."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction

from tinhso.audit.models import AuditEntry
from tinhso.audit.services import history_for, record
from tinhso.audit.verification import verify_trail

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent PostgreSQL connections"),
]

THREADS = 8
PER_THREAD = 25


def in_own_connection(function):
    def run(*args):
        try:
            return function(*args)
        finally:
            connection.close()

    return run


def test_writers_on_the_same_object_take_turns(officer, department):
    barrier = threading.Barrier(THREADS)

    @in_own_connection
    def write(thread):
        barrier.wait()
        for n in range(PER_THREAD):
            with transaction.atomic():
                record(officer, "dossier.processed", department, {"thread": thread, "step": n})

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(write, range(THREADS)))

    sequences = list(history_for(department).values_list("sequence", flat=True))
    assert sequences == list(range(1, THREADS * PER_THREAD + 1))
    report = verify_trail()
    assert report.intact and report.entries == THREADS * PER_THREAD


def test_writers_on_different_objects_run_in_parallel(officer):
    groups = [Group.objects.create(name=f"Ủy ban nhân dân xã số {n}") for n in range(THREADS)]
    barrier = threading.Barrier(THREADS)

    @in_own_connection
    def write(group):
        barrier.wait()
        for n in range(PER_THREAD):
            with transaction.atomic():
                record(officer, "dossier.processed", group, {"step": n})

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(write, groups))

    for group in groups:
        assert list(history_for(group).values_list("sequence", flat=True)) == list(range(1, PER_THREAD + 1))
    assert verify_trail().intact


def test_an_open_transaction_blocks_only_its_own_object(officer, department, committee):
    holding = threading.Event()
    release = threading.Event()
    other_done = threading.Event()
    same_done = threading.Event()

    @in_own_connection
    def hold_department():
        with transaction.atomic():
            record(officer, "dossier.received", department)
            holding.set()
            release.wait(10)

    @in_own_connection
    def write(group, done):
        with transaction.atomic():
            record(officer, "dossier.received", group)
        done.set()

    with ThreadPoolExecutor(3) as pool:
        holder = pool.submit(hold_department)
        assert holding.wait(10)
        pool.submit(write, committee, other_done)
        waiter = pool.submit(write, department, same_done)

        assert other_done.wait(10), "a writer on another object was blocked"
        assert not same_done.wait(0.5), "a second writer on the same object did not wait"
        release.set()
        holder.result(10)
        waiter.result(10)

    assert list(history_for(department).values_list("sequence", flat=True)) == [1, 2]
    assert AuditEntry.objects.count() == 3
    assert verify_trail().intact
