"""The benchmark's document work (bench.documents) gives requests that succeed: each numbering
and registering line once, and the inbox holding the year of documents."""

import json

from bench.documents import prepare
from tinhso.documents.models import IncomingDocument, OutgoingDocument


def test_the_prepared_requests_succeed(agencies, client, tmp_path):
    summary = prepare(tmp_path, count=3, year_documents=40)
    assert summary["drafts"] == summary["arrived"] == 3
    for name in ("numbering.tsv", "registering.tsv"):
        for line in (tmp_path / name).read_text().splitlines():
            token, path, body = line.split("\t")
            response = client.post(
                path, json.loads(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
            )
            assert response.status_code == 200, response.content
            again = client.post(
                path, {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
            )
            assert again.status_code == 422
    numbers = sorted(
        OutgoingDocument.objects.filter(agency=agencies["pc"], series="common").values_list(
            "number", flat=True
        )
    )
    assert numbers == [1, 2, 3]
    registered = IncomingDocument.objects.filter(agency=agencies["dept"], source="exchange")
    year = registered.first().year
    # Registering continues the year's series after the documents already in the register.
    in_year = IncomingDocument.objects.filter(agency=agencies["dept"], year=year).count()
    assert sorted(registered.values_list("arrival_number", flat=True)) == list(
        range(in_year - 2, in_year + 1)
    )
    inbox = client.get(summary["inbox_path"], HTTP_AUTHORIZATION=f"Bearer {summary['inbox_token']}")
    assert inbox.status_code == 200 and inbox.json()["count"] == 43
