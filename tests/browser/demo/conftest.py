"""The demo loaded once for the journeys of this package (they run on one worker, one after the
other: the root conftest.py groups them) and served by a live server of its own; each person signs
in once."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from django.test import override_settings
from pytest_django.live_server_helper import LiveServer

from tests.browser.demo.journey import Actor, UserData, english_fragments


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo province loaded once, served by a live server, then the database put back as the
    migrations left it (the next tests of this worker may need their data, e.g. the days off; the
    demo journeys run first on their pytest-xdist worker: see conftest.py)."""
    with django_db_blocker.unblock():
        migrated = connection.creation.serialize_db_to_string()
        overrides = override_settings(
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
            TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        )
        overrides.enable()
        try:
            call_command("load_demo", "--history", "60", stdout=io.StringIO())
            server = LiveServer("localhost")
            try:
                yield {"url": server.url, "data": UserData(), "english": english_fragments()}
            finally:
                server.stop()
        finally:
            overrides.disable()
            call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
            connection.creation.deserialize_db_from_string(migrated)
            # The rows came back with their ids: the sequences follow them (flush reset them to 1).
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
                    cursor.execute(statement)


@pytest.fixture(scope="package")
def actor(browser, demo):
    """``actor(username)``: that person, signed in once for the module."""
    signed_in = {}

    def get(username):
        if username not in signed_in:
            signed_in[username] = Actor(browser, demo, username)
        return signed_in[username]

    yield get
    for person in signed_in.values():
        person.close()
