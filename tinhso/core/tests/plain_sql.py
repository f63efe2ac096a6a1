"""Every statement kept as plain SQL (``tinhso.core.sql``), run once on a dossier that went
through the actions. The PostgreSQL test calls ``exercise`` directly; run as a script it does the
same on a fresh SQLite file like the demo's and prints the outcome as JSON:
    python -m tinhso.core.tests.plain_sql <directory>
"""

import datetime
import json
import os
import sys
from typing import Any


def exercise() -> dict:
    """What each plain statement answered, as JSON-ready values."""
    from django.utils import timezone

    from tinhso import testing as factories
    from tinhso.accounts.actions import issue_api_token
    from tinhso.accounts.api_auth import user_for_token
    from tinhso.accounts.models import Role
    from tinhso.accounts.permissions import agency_ids_in_scope
    from tinhso.agencies.models import Agency
    from tinhso.dossiers import actions, notifications
    from tinhso.dossiers.models import IdempotencyKey, PersonalDocument, TrackingFailure
    from tinhso.dossiers.tests.double_submit import ready_draft
    from tinhso.dossiers.tracking import find_dossier
    from tinhso.motcua.actions import accept_dossier
    from tinhso.statistics.report import one_stop_report
    from tinhso.statistics.rollup import drain, rebuild

    draft = ready_draft()
    citizen, desk = draft.applicant, draft.receiving_agency
    dossier = actions.submit_dossier(citizen, draft)
    officer = factories.make_officer(desk, "motcua.mytho", Role.ONE_STOP_OFFICER)
    specialist = factories.make_officer(desk.parent, "chuyenvien.mytho", Role.SPECIALIST)
    accept_dossier(officer, dossier, assignee=specialist)
    assert dossier.code is not None
    found = find_dossier(dossier.code, "001234", "192.0.2.1")
    assert found is not None
    wrong = find_dossier(dossier.code, "0000", "192.0.2.1")
    document = PersonalDocument.objects.create(
        owner=citizen, title="CCCD", file="x.pdf", content_type="application/pdf", size=1, sha256="a" * 64
    )
    IdempotencyKey.objects.create(user=citizen, key="k1", request_hash="h1", dossier=dossier)
    province = Agency.objects.get(parent=None)
    leader = factories.make_officer(province, "lanhdao.tinh", Role.LEADER)
    raw_token, _token = issue_api_token(leader, "test")
    drain()
    today = timezone.localdate()
    period = (today - datetime.timedelta(days=1), today + datetime.timedelta(days=1))

    def received(**filters: Any) -> int:
        """The dossiers received in the period, as the one-stop report counts them."""
        return one_stop_report(date_from=period[0], date_to=period[1], **filters)["received"]["total"]

    drained = received()
    rebuild()
    stored_key = actions._idempotency_key(citizen, "k1")
    assert stored_key is not None
    return {
        "tracked": [found.code, found.status, [step.status for step in found.history]],
        "wrong_factor": wrong,
        "failures": sorted(TrackingFailure.objects.values_list("failures", flat=True)),
        "notifications_sent": notifications.send_batch(),
        "personal_documents": [key == document.pk for key in actions._personal_documents([document.pk])],
        "idempotency_key": list(stored_key) == ["h1", dossier.pk],
        "unknown_key": actions._idempotency_key(citizen, "other"),
        "scope_is_the_subtree": agency_ids_in_scope(leader)
        == set(Agency.objects.values_list("pk", flat=True)),
        "token_user": user_for_token(raw_token).username,
        "received_drained": drained,
        "received_rebuilt": received(),
        "received_in_province": received(agency=province),
        "received_in_field": received(field=dossier.procedure.field),
    }


def main(directory: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/demo.sqlite3"
    os.environ["MEDIA_ROOT"] = f"{directory}/media"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.settings_test"
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", verbosity=0)
    print(json.dumps(exercise()))


if __name__ == "__main__":
    main(sys.argv[1])
