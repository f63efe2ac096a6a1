"""Two requests posting "Submit" for the same draft at the same moment, as a double click does.
Used by the PostgreSQL test directly and, run as a script, on a fresh SQLite file like the demo's:
    python -m tinhso.dossiers.tests.double_submit <directory>   (prints the outcome as JSON)
"""

import json
import os
import sys
import threading

from django.core.files.uploadedfile import SimpleUploadedFile


def ready_draft():
    """A citizen's draft of the test birth registration with every answer and the required file."""
    from tinhso import testing as factories
    from tinhso.dossiers import actions

    province = factories.make_province()
    procedure = factories.make_procedure()
    citizen = factories.make_citizen()
    draft = actions.start_draft(citizen, procedure, province["agencies"]["my_tho"])
    actions.save_applicant(citizen, draft, {"phone": "0912345678", "address": factories.ANSWERS["noi_sinh"]})
    fields = [field for page in procedure.eform["pages"] for field in page["fields"]]
    actions.save_answers(citizen, draft, factories.ANSWERS, fields)
    pdf = factories.minimal_pdf()
    upload = SimpleUploadedFile("giay-chung-sinh.pdf", pdf, content_type="application/pdf")
    actions.add_attachment(citizen, draft, upload, procedure.documents.get(position=1))
    return draft


def post_twice_at_once(draft) -> list[tuple[int, str]]:
    """(status, Location) of two simultaneous POSTs of the draft's check page, each request on
    its own thread and database connection."""
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    url = reverse("dossiers:check", args=[draft.pk])
    barrier = threading.Barrier(2)
    outcomes = []

    def post():
        client = Client(raise_request_exception=False)
        client.force_login(draft.applicant)
        barrier.wait()
        try:
            response = client.post(url)
            outcomes.append((response.status_code, response.get("Location", "")))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def main(directory: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/demo.sqlite3"
    os.environ["MEDIA_ROOT"] = f"{directory}/media"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tinhso.settings_test"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tinhso.dossiers.models import Dossier, DossierCodeCounter

    draft = ready_draft()
    outcomes = post_twice_at_once(draft)
    draft.refresh_from_db()
    print(
        json.dumps(
            {
                "outcomes": outcomes,
                "code": draft.submission_reference,
                "dossiers": Dossier.objects.filter(is_draft=False).count(),
                "counter": list(DossierCodeCounter.objects.values_list("value", flat=True)),
                "history": draft.status_changes.count(),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
