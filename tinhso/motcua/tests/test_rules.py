"""What an officer may do to a dossier now (``tinhso.motcua.rules.allowed_actions``): the page,
the API and these tests read the same answer."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tinhso.dossiers import actions as dossier_actions
from tinhso.dossiers.status import Status
from tinhso.motcua import actions
from tinhso.motcua.rules import FLOW, STEP, allowed_actions

pytestmark = pytest.mark.django_db


def keys(user, dossier, kind=None):
    dossier.refresh_from_db()
    return [action.key for action in allowed_actions(user, dossier) if kind in (None, action.kind)]


def test_at_reception_each_role_may_do_its_part(submitted, officer, specialist, leader):
    assert keys(officer, submitted, FLOW) == ["tiep_nhan"]
    assert keys(officer, submitted, STEP) == ["refuse", "supplement", "payment", "cash"]
    assert keys(specialist, submitted) == ["supplement", "payment", "cash"]
    assert "refuse" not in keys(leader, submitted)


def test_while_processing_the_leader_extends_stops_and_signs(accepted, officer, specialist, leader):
    assert keys(officer, accepted) == ["supplement", "payment"]
    assert keys(specialist, accepted) == ["xu_ly", "supplement", "payment", "draft"]
    assert keys(leader, accepted) == ["supplement", "payment", "extend", "stop", "draft", "sign"]


def test_another_agency_and_a_citizen_may_do_nothing(submitted, accepted, other_officer, citizen):
    assert keys(other_officer, accepted) == [] and keys(citizen, accepted) == []


def test_the_due_time_is_not_offered_for_a_second_extension(accepted, leader):
    actions.extend_dossier(
        leader, accepted, accepted.due_at + (accepted.due_at - accepted.received_at), "Cần xác minh"
    )
    assert "extend" not in keys(leader, accepted) and "stop" in keys(leader, accepted)


def test_stop_has_its_own_rule_not_the_extensions(accepted, specialist, leader):
    """Waiting for a supplement the clock is stopped, so no extension, but the dossier may be
    stopped (Form 05) when the applicant never answers."""
    actions.ask_for_supplement(specialist, accepted, ["Bản sao Giấy chứng sinh"])
    assert "extend" not in keys(leader, accepted) and "stop" in keys(leader, accepted)
    actions.stop_dossier(leader, accepted, "Quá hạn bổ sung mà người nộp không bổ sung")
    accepted.refresh_from_db()
    assert accepted.status == Status.STOPPED
    assert keys(leader, accepted) == []


def test_a_stopped_or_finished_dossier_cannot_be_stopped(accepted, leader):
    actions.stop_dossier(leader, accepted, "Dừng")
    with pytest.raises(ValidationError) as caught:
        actions.stop_dossier(leader, accepted, "Dừng lần hai")
    assert caught.value.messages == ["Không dừng giải quyết được hồ sơ ở trạng thái “Dừng xử lý”."]


def test_refusal_only_before_acceptance(submitted, accepted, officer, specialist):
    """Once accepted, a dossier waiting for a supplement is stopped (Form 05), not refused (Form 03)."""
    actions.ask_for_supplement(specialist, accepted, ["Bản sao Giấy chứng sinh"])
    assert "refuse" not in keys(officer, accepted)
    with pytest.raises(ValidationError):
        actions.refuse_dossier(officer, accepted, "Không bổ sung")
    accepted.refresh_from_db()
    assert accepted.status == Status.SUPPLEMENT


def test_a_supplement_asked_at_reception_may_still_be_refused(submitted, officer):
    actions.ask_for_supplement(officer, submitted, ["Bản sao Giấy chứng sinh"])
    assert "refuse" in keys(officer, submitted)
    actions.refuse_dossier(officer, submitted, "Không bổ sung trong thời hạn")
    submitted.refresh_from_db()
    assert submitted.status == Status.REFUSED


def test_a_withdrawal_request_offers_only_its_decisions(accepted, citizen, officer, specialist, leader):
    dossier_actions.withdraw_dossier(citizen, accepted, "Tôi nộp nhầm thủ tục")
    assert keys(officer, accepted) == ["grant_withdrawal", "refuse_withdrawal"]
    assert "grant_withdrawal" not in keys(specialist, accepted)
    assert keys(leader, accepted, FLOW) == []


def test_the_dossier_page_offers_exactly_the_allowed_actions(signed_in, accepted, leader):
    page = signed_in(leader).get(reverse("motcua:dossier", args=[accepted.pk])).content.decode()
    section = page.split('id="actions-title"', 1)[1].split("</section>", 1)[0]
    links = re.findall(r'href="([^"]+)"', section)
    assert links == [action.url for action in allowed_actions(leader, accepted)]
    assert reverse("motcua:refuse", args=[accepted.pk]) not in page


def test_an_action_page_is_found_only_from_the_dossiers_current_state(signed_in, submitted, officer):
    """``xu_ly`` is an action of the flow, but out of the next state: not offered here."""
    client = signed_in(officer)
    assert client.get(reverse("motcua:action", args=[submitted.pk, "xu_ly"])).status_code == 404
    assert client.get(reverse("motcua:action", args=[submitted.pk, "tiep_nhan"])).status_code == 200


def test_a_permission_follows_the_dossier_even_when_the_instance_holds_its_old_flow(accepted, province):
    """Rules read where the dossier is now: an instance that cached its flow before the flow
    moved (as a loader taking several actions in a row does) must not decide with the old one."""
    from tinhso import testing as factories
    from tinhso.accounts.models import Role
    from tinhso.accounts.permissions import can
    from tinhso.workflows.models import DossierFlow

    other = province["agencies"]["cao_lanh"]
    leader_there = factories.make_officer(other, "lanhdao.caolanh", Role.LEADER)
    assert accepted.flow.current_agency_id != other.pk  # the instance now holds its flow
    assert not can(leader_there, "motcua.extend", accepted)
    DossierFlow.objects.filter(dossier=accepted).update(current_agency=other)
    assert can(leader_there, "motcua.view", accepted) and can(leader_there, "motcua.extend", accepted)
