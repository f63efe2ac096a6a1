from django.db import connection


def test_the_suite_runs_on_postgresql():
    """`make test` runs on PostgreSQL (its own throwaway server, or DATABASE_URL)."""
    assert connection.vendor == "postgresql", "Run the suite with `make test` or a PostgreSQL DATABASE_URL."


def test_the_applications_queries_take_one_core_each_and_are_not_compiled(db):
    """Settings: no JIT and no parallel workers for the application's connections (see
    ``tinhso.settings``: both cost more than they save under many users' load)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == ("0",)
