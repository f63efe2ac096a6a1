"""The back office over the API: inbox, a dossier's actions, taking one, refusals."""

import pytest

from tinhso.accounts.actions import issue_api_token
from tinhso.dossiers.status import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def bearer(client):
    def as_user(user):
        token, _ = issue_api_token(user, "kiểm thử")
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    return as_user


def test_inbox_lists_the_dossier_and_filters(client, bearer, officer, submitted):
    headers = bearer(officer)
    listed = client.get("/api/v1/mot-cua/dossiers", **headers).json()
    assert listed["count"] == 1
    assert listed["items"][0]["code"] == submitted.code
    assert listed["items"][0]["status_label"] == "Mới đăng ký"
    found = client.get("/api/v1/mot-cua/dossiers", {"q": "nguyen van an"}, **headers).json()
    assert found["count"] == 1
    overdue = client.get("/api/v1/mot-cua/dossiers", {"deadline": "overdue"}, **headers).json()
    assert overdue["count"] == 0


def test_officer_accepts_and_the_specialist_sees_the_next_step(
    client, bearer, officer, specialist, submitted
):
    headers = bearer(officer)
    flow = client.get(f"/api/v1/mot-cua/dossiers/{submitted.pk}", **headers).json()
    assert "tiep_nhan" in [action["key"] for action in flow["actions"]]
    response = client.post(
        f"/api/v1/mot-cua/dossiers/{submitted.pk}/actions/tiep_nhan",
        {"assignee": specialist.username, "version": flow["version"]},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == Status.ACCEPTED
    assert body["due_at"] is not None
    specialist_view = client.get(f"/api/v1/mot-cua/dossiers/{submitted.pk}", **bearer(specialist)).json()
    assert specialist_view["actions"]


def test_refusals_are_structured_and_change_nothing(
    client, bearer, officer, other_officer, specialist, citizen, submitted
):
    url = f"/api/v1/mot-cua/dossiers/{submitted.pk}/actions/tiep_nhan"
    body = {"assignee": specialist.username}
    other = client.post(url, body, content_type="application/json", **bearer(other_officer))
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "not_found"
    wrong_role = client.post(url, body, content_type="application/json", **bearer(specialist))
    assert wrong_role.status_code == 403
    assert client.get("/api/v1/mot-cua/dossiers", **bearer(citizen)).status_code == 403
    stale = client.post(
        url, {**body, "version": submitted.version + 5}, content_type="application/json", **bearer(officer)
    )
    assert stale.status_code == 422
    assert client.get("/api/v1/mot-cua/dossiers").status_code == 401
    submitted.refresh_from_db()
    assert submitted.status == Status.NEW


def test_an_action_reads_each_thing_once(
    client, bearer, officer, specialist, citizen, procedure, desk, django_assert_max_num_queries
):
    """The token, the dossier for the permission check, the locked dossier and flow, each user's
    memberships and agencies once; the published flow's actions come from the process's copy. The
    statements of a warm process are counted so a re-read slipping back in shows here."""
    from tinhso.motcua.tests.fixtures import submit

    first, second = submit(citizen, procedure, desk), submit(citizen, procedure, desk)
    body, headers = {"assignee": specialist.username, "note": "Tiếp nhận"}, bearer(officer)

    def accept(dossier):
        url = f"/api/v1/mot-cua/dossiers/{dossier.pk}/actions/tiep_nhan"
        return client.post(url, body, content_type="application/json", **headers)

    assert accept(first).status_code == 200
    with django_assert_max_num_queries(27):
        response = accept(second)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.ACCEPTED and response.json()["state"]
    assert [action["key"] for action in response.json()["actions"]] == []  # now the specialist's turn


def test_inbox_search_by_part_of_the_code_and_the_procedure_name_on_page_and_api(
    client, bearer, officer, citizen, procedure, desk, submitted
):
    """Issue 20 finding 13: the page and the API share one filter (``inbox.filtered``)."""
    from django.urls import reverse

    from tinhso.accounts.middleware import SECOND_FACTOR_SESSION_KEY
    from tinhso.motcua.tests.fixtures import submit

    second = submit(citizen, procedure, desk)
    headers = bearer(officer)
    client.force_login(officer)
    session = client.session
    session[SECOND_FACTOR_SESSION_KEY] = officer.pk
    session.save()
    sequence = submitted.code.rsplit("-", 1)[1]
    for query, expected in (
        (sequence, {submitted.code}),
        (submitted.code.lower()[-8:], {submitted.code}),
        ("dang ky khai", {submitted.code, second.code}),
        ("ĐĂNG KÝ KHAI SINH", {submitted.code, second.code}),
        ("1.001193", {submitted.code, second.code}),
        ("kết hôn", set()),
    ):
        api = client.get("/api/v1/mot-cua/dossiers", {"q": query}, **headers).json()
        assert {item["code"] for item in api["items"]} == expected, query
        page = client.get(reverse("motcua:inbox"), {"q": query})
        assert {dossier.code for dossier in page.context["page"]} == expected, query


def test_the_inbox_api_reads_one_page_from_the_database(
    client, bearer, officer, citizen, procedure, desk, submitted
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tinhso.motcua.tests.fixtures import submit

    submit(citizen, procedure, desk)
    submit(citizen, procedure, desk)
    headers = bearer(officer)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/api/v1/mot-cua/dossiers", {"limit": 2, "offset": 1}, **headers).json()
    assert answer["count"] == 3 and len(answer["items"]) == 2
    listing = [q["sql"] for q in queries.captured_queries if '"dossiers_dossier"."code"' in q["sql"]]
    assert len(listing) == 1 and "LIMIT 2 OFFSET 1" in listing[0]


def test_the_api_filters_by_the_role_a_dossier_waits_for(client, bearer, officer, submitted):
    headers = bearer(officer)
    waiting = client.get("/api/v1/mot-cua/dossiers", {"waiting": "receive"}, **headers).json()
    assert [item["code"] for item in waiting["items"]] == [submitted.code]
    assert client.get("/api/v1/mot-cua/dossiers", {"waiting": "sign"}, **headers).json()["count"] == 0
