"""What a person may do to a document now (``tinhso.documents.allowed``): the page shows only
those buttons and the API lists the same; a draft still with its reviewers has no Sign and no
Number button, and an incoming document shows each person only their own step."""

import pytest
from django.test import Client
from django.urls import reverse

from tinhso import testing as factories
from tinhso.accounts.actions import issue_api_token
from tinhso.accounts.models import Role
from tinhso.documents import actions, drafting
from tinhso.documents.allowed import incoming_actions, outgoing_actions
from tinhso.documents.models import Secrecy
from tinhso.documents.tests.test_drafting import form


def api(url, user):
    """``url`` read with ``user``'s token, without the page session of the same test."""
    token, _ = issue_api_token(user, "kiểm thử")
    return Client().get(url, HTTP_AUTHORIZATION=f"Bearer {token}").json()


@pytest.fixture
def head(agencies):
    return factories.make_officer(agencies["pc"], "pc.head", Role.SPECIALIST, "Phạm Văn Trưởng")


def buttons(signed_in, user, document) -> set[str]:
    """The actions whose form the outgoing page shows ``user``."""
    response = signed_in(user).get(reverse("documents:outgoing", args=[document.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    shown = {"sign": "documents:sign", "issue": "documents:issue", "send": "documents:send"}
    return {name for name, url in shown.items() if f'action="{reverse(url, args=[document.pk])}"' in page}


def test_a_draft_in_review_offers_neither_sign_nor_number_until_its_route_is_complete(
    agencies, pc_staff, dept_staff, head, signed_in
):
    """(The department's clerk makes it a recipient the send form offers.)"""
    specialist, leader, clerk = pc_staff["specialist"], pc_staff["leader"], pc_staff["clerk"]
    document = drafting.draft_from_template(specialist, agencies["pc"], "thong_bao", form(signer=leader))
    (step,) = drafting.send_for_review(specialist, document, [drafting.RouteStep(head, initials=True)])

    assert buttons(signed_in, leader, document) == set()
    assert buttons(signed_in, clerk, document) == set()
    assert outgoing_actions(leader, document) == ["grant_access"]
    detail = api(f"/api/v1/documents/outgoing/{document.pk}", clerk)
    assert detail["allowed"] == ["grant_access"]
    assert outgoing_actions(specialist, document) == []

    drafting.review_draft(head, step, approve=True)
    assert buttons(signed_in, leader, document) == {"sign"}
    assert buttons(signed_in, clerk, document) == {"issue"}
    detail = api(f"/api/v1/documents/outgoing/{document.pk}", leader)
    assert detail["allowed"] == ["sign", "grant_access"]

    issued = actions.issue_document(clerk, document)
    assert buttons(signed_in, clerk, issued) == {"send"}
    assert outgoing_actions(clerk, issued) == ["send", "withdraw", "grant_access"]
    assert buttons(signed_in, leader, issued) == set()


def test_a_returned_draft_and_a_secret_document_offer_what_the_actions_allow(agencies, pc_staff, head):
    specialist, leader, clerk = pc_staff["specialist"], pc_staff["leader"], pc_staff["clerk"]
    document = drafting.draft_from_template(specialist, agencies["pc"], "thong_bao", form(signer=leader))
    (step,) = drafting.send_for_review(specialist, document, [drafting.RouteStep(head)])
    drafting.review_draft(head, step, approve=False, opinion="Sửa lại đoạn thứ hai.")
    assert "sign" not in outgoing_actions(leader, document)
    assert "issue" not in outgoing_actions(clerk, document)

    secret = actions.create_draft(
        clerk, agencies["pc"], type_code="cong_van", subject="Về công tác bảo vệ bí mật", unit_symbol="VP"
    )
    secret.secrecy = Secrecy.CONFIDENTIAL
    secret.save(update_fields=["secrecy"])
    issued = actions.issue_document(clerk, secret)
    assert outgoing_actions(clerk, issued) == ["withdraw", "grant_access"]


def test_an_incoming_document_offers_each_person_their_step(agencies, dept_staff):
    clerk, leader, specialist = dept_staff["clerk"], dept_staff["leader"], dept_staff["specialist"]
    document = actions.register_paper(clerk, agencies["dept"], sender_name="Bộ Nội vụ", subject="Về việc A")
    assert incoming_actions(clerk, document) == ["grant_access"]
    assert incoming_actions(leader, document) == ["assign", "grant_access"]
    assert incoming_actions(specialist, document) == []

    document = actions.assign_incoming(leader, document, specialist, 5)
    assert incoming_actions(specialist, document) == ["complete"]
    detail = api(f"/api/v1/documents/incoming/{document.pk}", specialist)
    assert detail["allowed"] == ["complete"]
    document = actions.complete_incoming(specialist, document)
    assert incoming_actions(specialist, document) == []
    assert incoming_actions(leader, document) == ["grant_access"]
