"""The open-data work (``tinhso.opendata``): the demo's datasets, loaded with the demo before
seeding, refreshed over the seeded records as the nightly job would (``refresh_all``, timed) and
all published; then the resource of the monthly dossier figures, whose rows the DataStore phase
reads.

Run inside Django after seeding::

    python -m bench.opendata

Prints a JSON summary.
"""

import json
import time

import django


def prepare() -> dict:
    from tinhso.accounts.models import Role, User
    from tinhso.opendata import actions
    from tinhso.opendata.models import Dataset, Version

    started = time.monotonic()
    created = actions.refresh_all()
    refresh_seconds = time.monotonic() - started
    publisher = User.objects.filter(memberships__role=Role.PROVINCE_ADMIN).order_by("pk").first()
    for dataset in Dataset.objects.filter(is_published=False):
        actions.set_published(publisher, dataset, True)
    dataset = Dataset.objects.get(name="ho-so-theo-thang")
    version = Version.objects.filter(resource__dataset=dataset).order_by("-number").first()
    return {
        "refresh_seconds": round(refresh_seconds, 2),
        "new_versions": created,
        "datasets": Dataset.objects.filter(is_published=True).count(),
        "dataset": dataset.name,
        "resource": str(version.resource.uuid),
        "rows": version.row_count,
    }


if __name__ == "__main__":
    django.setup()
    print(json.dumps(prepare()))
