"""The operations centre phase's session (issue 18): the leaders' page is a signed-in HTML page,
so the phase sends the session cookie of the province dashboard viewer the workload made
(``bench.thongke``), with the second factor marked done as the TOTP page leaves it.

Run inside Django after the workload::

    python -m bench.ioc

prints ``{"cookie": "<name>=<session key>"}``.
"""

import argparse
import json

import django


def session_cookie(username: str = "bench.thongke") -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from tinhso.accounts.middleware import SECOND_FACTOR_SESSION_KEY
    from tinhso.accounts.models import User

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[SECOND_FACTOR_SESSION_KEY] = user.pk
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def main(argv=None) -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    django.setup()
    print(json.dumps({"cookie": session_cookie()}))


if __name__ == "__main__":
    main()
