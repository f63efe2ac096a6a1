from django.db import connection


def test_the_suite_runs_on_postgresql():
    """`make test` runs on PostgreSQL (its own throwaway server, or DATABASE_URL)."""
    assert connection.vendor == "postgresql", "Run the suite with `make test` or a PostgreSQL DATABASE_URL."
