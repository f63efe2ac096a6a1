"""Every read of a person's data by an officer goes through one service, one entry per read, and
the person sees it on their account; their own reads are not logged; they can download all
their data (Law 91/2025/QH15 art. 4)."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from tinhso import testing as factories
from tinhso.accounts.actions import export_personal_data, issue_api_token
from tinhso.accounts.models import Role, User
from tinhso.audit.models import AuditEntry
from tinhso.audit.services import PERSONAL_DATA_READ
from tinhso.motcua.tests.fixtures import submit
from tinhso.signing import actions as signing_actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(desk):
    """The desk signs its forms: the applicant's Form 01 is issued electronically."""
    return signing_actions.issue_agency_certificate(None, desk)


@pytest.fixture
def received(signed_in, officer, specialist, submitted):
    client = signed_in(officer)
    url = reverse("motcua:action", args=[submitted.pk, "tiep_nhan"])
    client.post(url, {"assignee": specialist.pk, "version": submitted.version, "note": ""})
    submitted.refresh_from_db()
    assert submitted.received_at is not None
    return submitted


@pytest.fixture
def province_admin(desk):
    admin = factories.make_officer(desk.parent.parent or desk.parent, "quantri.tinh", Role.PROVINCE_ADMIN)
    admin.is_staff = True
    admin.save()
    return admin


def reads_about(person):
    return AuditEntry.objects.filter(
        action=PERSONAL_DATA_READ, object_type="accounts.user", object_id=str(person.pk)
    )


def today() -> str:
    return timezone.localdate().strftime("%d/%m/%Y")


# (who reads, how: a function of (client, dossier) returning the response, expected purpose)
READ_PATHS = {
    "dossier page": (
        "officer",
        lambda c, d: c.get(reverse("motcua:dossier", args=[d.pk])),
        "motcua.handle_dossier",
    ),
    "attachment": (
        "officer",
        lambda c, d: c.get(reverse("dossiers:attachment", args=[d.attachments.first().pk])),
        "dossiers.attachment",
    ),
    "form from the back office": (
        "officer",
        lambda c, d: c.get(reverse("official_forms:back_office_form", args=[d.pk, 1])),
        "official_forms.form_01",
    ),
    "form download": (
        "officer",
        lambda c, d: c.get(reverse("official_forms:dossier_form", args=[d.code, 1])),
        "official_forms.form_01",
    ),
    "Form 07 register": (
        "officer",
        lambda c, d: c.get(
            reverse("official_forms:register"),
            {"agency": d.receiving_agency.pk, "start": today(), "end": today(), "format": "xlsx"},
        ),
        "official_forms.register",
    ),
    "admin account page": (
        "province_admin",
        lambda c, d: c.get(reverse("admin:accounts_user_change", args=[d.applicant.pk])),
        "accounts.admin_view",
    ),
}


@pytest.mark.parametrize("path", READ_PATHS)
def test_each_officer_read_writes_one_entry_that_the_citizen_sees(
    request, signed_in, path, received, citizen, desk
):
    role, read, purpose = READ_PATHS[path]
    reader = request.getfixturevalue(role)
    before = reads_about(citizen).count()
    response = read(signed_in(reader), received)
    assert response.status_code == 200, response
    entries = reads_about(citizen).order_by("sequence")[before:]
    assert [(entry.actor, entry.data["purpose"]) for entry in entries] == [(reader, purpose)]
    entry = entries[0]
    if purpose != "accounts.admin_view":
        assert entry.data["reference"] == received.code
    assert entry.data["agency"] and entry.data["role"]

    page = signed_in(citizen).get(reverse("accounts:personal_data_reads")).content.decode()
    assert entry.data["agency"] in page
    if purpose != "accounts.admin_view":
        assert received.code in page
    assert reader.full_name not in page  # the agency and the role, not the officer


def test_the_dossier_api_logs_an_officers_read_and_not_the_applicants(client, officer, received, citizen):
    before = reads_about(citizen).count()
    token, _ = issue_api_token(officer, "kiểm thử")
    response = client.get(f"/api/v1/dossiers/{received.code}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert [e.data["purpose"] for e in reads_about(citizen)[before:]] == ["dossiers.api_view"]

    token, _ = issue_api_token(citizen, "của tôi")
    assert (
        client.get(f"/api/v1/dossiers/{received.code}", HTTP_AUTHORIZATION=f"Bearer {token}").status_code
        == 200
    )
    assert reads_about(citizen).count() == before + 1


def test_the_citizens_own_reads_are_not_logged(signed_in, certificate, received, citizen):
    before = reads_about(citizen).count()
    client = signed_in(citizen)
    assert (
        client.get(reverse("dossiers:attachment", args=[received.attachments.first().pk])).status_code == 200
    )
    assert client.get(reverse("dossiers:detail", args=[received.code])).status_code == 200
    assert client.get(reverse("official_forms:dossier_form", args=[received.code, 1])).status_code == 200
    assert reads_about(citizen).count() == before


def test_an_officer_refused_a_dossier_leaves_no_entry(signed_in, other_officer, received, citizen):
    before = reads_about(citizen).count()
    client = signed_in(other_officer)
    assert (
        client.get(reverse("dossiers:attachment", args=[received.attachments.first().pk])).status_code == 404
    )
    assert client.get(reverse("official_forms:dossier_form", args=[received.code, 1])).status_code == 404
    assert reads_about(citizen).count() == before


def test_the_read_log_page_is_paginated(signed_in, specialist, received, citizen):
    client = signed_in(specialist)
    for _n in range(21):
        client.get(reverse("motcua:dossier", args=[received.pk]))
    page = signed_in(citizen).get(reverse("accounts:personal_data_reads"))
    assert len(page.context["rows"]) == 20
    assert page.context["page"].paginator.count == reads_about(citizen).count()
    second = signed_in(citizen).get(reverse("accounts:personal_data_reads"), {"page": 2})
    assert len(second.context["rows"]) == reads_about(citizen).count() - 20


@pytest.fixture
def other_citizen(db):
    return factories.make_citizen(
        cccd="087195004321", name="Lê Thị Mai", phone="0987654321", email="mai@example.vn"
    )


def test_another_citizen_sees_neither_the_log_nor_the_data(
    signed_in, specialist, received, citizen, other_citizen, procedure, desk
):
    signed_in(specialist).get(reverse("motcua:dossier", args=[received.pk]))
    client = signed_in(other_citizen)
    page = client.get(reverse("accounts:personal_data_reads"))
    assert page.context["page"].paginator.count == 0
    assert received.code not in page.content.decode()

    response = client.post(reverse("accounts:personal_data_export"), {"format": "json"})
    exported = json.loads(response.content)
    assert exported["account"]["full_name"] == "Lê Thị Mai"
    assert exported["dossiers"] == [] and exported["reads"] == []
    text = response.content.decode()
    assert received.code not in text and citizen.cccd not in text and citizen.full_name not in text

    with pytest.raises(Exception, match="export_personal_data"):
        export_personal_data(other_citizen, citizen, "json")


def test_the_export_holds_the_persons_data_and_nothing_of_other_people(
    signed_in, specialist, received, citizen, other_citizen, procedure, desk
):
    theirs = submit(other_citizen, procedure, desk)
    signed_in(specialist).get(reverse("motcua:dossier", args=[received.pk]))
    client = signed_in(citizen)
    response = client.post(reverse("accounts:personal_data_export"), {"format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment;" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["cccd"] == citizen.cccd and data["account"]["email"] == citizen.email
    assert [dossier["code"] for dossier in data["dossiers"]] == [received.code]
    assert data["dossiers"][0]["answers"] == received.form_data
    assert [item["name"] for item in data["dossiers"][0]["attachments"]] == ["giay-chung-sinh.pdf"]
    assert {row["purpose"] for row in data["reads"]} >= {"Xử lý hồ sơ của bạn"}
    text = response.content.decode()
    for foreign in (
        theirs.submission_reference,
        other_citizen.cccd,
        other_citizen.full_name,
        specialist.full_name,
    ):
        assert foreign not in text
    entry = AuditEntry.objects.get(action="accounts.export_personal_data")
    assert (entry.actor, entry.object_id, entry.data) == (citizen, str(citizen.pk), {"format": "json"})


def test_the_readable_export_and_the_rate_limit(signed_in, received, citizen):
    client = signed_in(citizen)
    response = client.post(reverse("accounts:personal_data_export"), {"format": "html"})
    assert response.status_code == 200
    page = response.content.decode()
    assert received.code in page and citizen.full_name in page and "giay-chung-sinh.pdf" in page
    # The answers with the e-form's labels, dates dd/mm/yyyy, choices by label.
    assert "Họ, chữ đệm, tên" in page and "Nguyễn Ngọc Hân" in page and "05/01/2026" in page
    assert "2026-01-05" not in page
    again = client.post(reverse("accounts:personal_data_export"), {"format": "json"})
    assert again.status_code == 429
    assert "10" in again.content.decode()
    assert AuditEntry.objects.filter(action="accounts.export_personal_data").count() == 1


def test_an_unknown_export_format_is_refused_and_not_recorded(signed_in, citizen):
    response = signed_in(citizen).post(reverse("accounts:personal_data_export"), {"format": "xml"})
    assert response.status_code == 400
    assert not AuditEntry.objects.filter(action="accounts.export_personal_data").exists()
    assert User.objects.filter(pk=citizen.pk).exists()
