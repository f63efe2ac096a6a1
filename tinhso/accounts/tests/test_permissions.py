import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tinhso import testing
from tinhso.accounts.models import Membership, Role, User, officer_agencies
from tinhso.accounts.permissions import UnknownAction, can, registered_actions, require, rule
from tinhso.agencies.actions import update_agency
from tinhso.agencies.models import AgencyKind

from .conftest import make_officer

pytestmark = pytest.mark.django_db


def fresh(user):
    """A new object: memberships are cached per user object (per request)."""
    return User.objects.get(pk=user.pk)


def test_foundation_rules_are_registered():
    for action in [
        "units.change",
        "agencies.view",
        "agencies.change",
        "accounts.view_person",
        "accounts.manage_officers",
        "audit.view",
    ]:
        assert action in registered_actions()


def test_unknown_action_raises_for_everyone(officers):
    for user in [AnonymousUser(), officers["officer_a"], officers["province_admin"]]:
        with pytest.raises(UnknownAction):
            can(user, "agencies.chnage")
        with pytest.raises(UnknownAction):
            require(user, "agencies.chnage")


def test_a_second_rule_for_the_same_action_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        rule("agencies.change")(lambda user, obj: True)


def test_province_admin_and_superuser_may_do_everything(officers, agencies):
    superuser = User.objects.create_superuser("root", "Mật-khẩu-rất-dài-123", full_name="Quản trị hệ thống")
    for user in [officers["province_admin"], superuser]:
        for action in registered_actions():
            assert can(user, action, agencies["b"]), action


def test_anonymous_gets_only_public_reads(agencies):
    anonymous = AnonymousUser()
    assert can(anonymous, "agencies.view", agencies["a"])
    assert can(anonymous, "units.view")
    assert can(None, "agencies.view")
    for action in [
        "units.change",
        "agencies.change",
        "accounts.view_person",
        "accounts.manage_officers",
        "audit.view",
    ]:
        assert not can(anonymous, action, agencies["a"])
        with pytest.raises(PermissionDenied):
            require(anonymous, action, agencies["a"])


def test_agency_admin_manages_own_agency_and_descendants(officers, agencies):
    admin_a = officers["admin_a"]
    assert can(admin_a, "agencies.change", agencies["a"])
    assert can(admin_a, "agencies.change", agencies["desk_a"])
    assert not can(admin_a, "agencies.change", agencies["b"])
    assert not can(admin_a, "agencies.change", agencies["province"])
    assert not can(admin_a, "agencies.change", None)  # new top-level agencies: province only
    assert not can(admin_a, "units.change")
    assert not can(admin_a, "audit.view")


def test_agency_admin_of_commune_a_cannot_manage_commune_b_officers(officers, agencies):
    admin_a = officers["admin_a"]
    officer_a, officer_b = officers["officer_a"], officers["officer_b"]
    membership_a = officer_a.memberships.get()
    membership_b = officer_b.memberships.get()
    assert can(admin_a, "accounts.manage_officers", membership_a)
    assert can(admin_a, "accounts.manage_officers", officer_a)
    assert can(admin_a, "accounts.view_person", officer_a)
    assert not can(admin_a, "accounts.manage_officers", membership_b)
    assert not can(admin_a, "accounts.manage_officers", officer_b)
    assert not can(admin_a, "accounts.manage_officers", agencies["b"])
    assert not can(admin_a, "accounts.view_person", officer_b)
    with pytest.raises(PermissionDenied):
        require(admin_a, "accounts.manage_officers", membership_b)


def test_agency_admin_cannot_grant_the_province_admin_role(officers, agencies):
    planned = Membership(user=officers["officer_a"], agency=agencies["a"], role=Role.PROVINCE_ADMIN)
    assert not can(officers["admin_a"], "accounts.manage_officers", planned)
    planned.role = Role.LEADER
    assert can(officers["admin_a"], "accounts.manage_officers", planned)


def test_plain_officers_and_citizens(officers, agencies, citizen):
    officer_a = officers["officer_a"]
    assert can(officer_a, "accounts.view_person", officer_a)
    assert not can(officer_a, "accounts.view_person", officers["officer_b"])
    assert not can(officer_a, "accounts.manage_officers", officer_a.memberships.get())
    assert not can(officer_a, "agencies.change", agencies["desk_a"])
    assert can(citizen, "accounts.view_person", citizen)
    assert not can(citizen, "accounts.view_person", officer_a)
    assert can(citizen, "agencies.view", agencies["a"])


def test_only_officers_hold_roles_so_a_citizen_check_reads_nothing(
    officers, agencies, citizen, django_assert_num_queries
):
    # Even a membership written around the actions (which refuse it) gives a citizen no role.
    Membership.objects.create(user=citizen, agency=agencies["a"], role=Role.PROVINCE_ADMIN)
    with django_assert_num_queries(0):
        assert not can(citizen, "agencies.change", agencies["a"])
        assert can(citizen, "accounts.view_person", citizen)
    assert can(officers["province_admin"], "agencies.change", agencies["a"])


def test_ended_memberships_and_inactive_accounts_give_nothing(officers, agencies):
    admin_a = officers["admin_a"]
    assert can(admin_a, "agencies.change", agencies["a"])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Membership.objects.filter(user=admin_a).update(valid_to=yesterday)
    assert not can(fresh(admin_a), "agencies.change", agencies["a"])
    Membership.objects.filter(user=admin_a).update(
        valid_from=timezone.localdate() + datetime.timedelta(days=1), valid_to=None
    )
    assert not can(fresh(admin_a), "agencies.change", agencies["a"])
    province_admin = officers["province_admin"]
    province_admin.is_active = False
    province_admin.save()
    assert not can(province_admin, "agencies.change", agencies["a"])
    assert can(province_admin, "agencies.view", agencies["a"])


def test_officer_agencies(officers, agencies):
    user = make_officer(
        "chuyenvien.hai", "Đặng Thị Hải", [(agencies["a"], Role.SPECIALIST), (agencies["b"], Role.LEADER)]
    )
    assert set(officer_agencies(user)) == {agencies["a"], agencies["b"]}
    assert set(officer_agencies(user, roles=[Role.LEADER])) == {agencies["b"]}
    assert list(officer_agencies(AnonymousUser())) == []


def test_the_agencies_in_scope_come_from_the_process_tree_which_follows_every_write(
    officers, agencies, django_assert_num_queries
):
    from tinhso.accounts.permissions import agency_ids_in_scope
    from tinhso.agencies import tree
    from tinhso.core.reference import as_one_request

    user = fresh(
        make_officer(
            "chuyenvien.hai",
            "Đặng Thị Hải",
            [
                (agencies["a"], Role.SPECIALIST),
                (agencies["b"], Role.LEADER),
                (agencies["desk_a"], Role.LEADER),
            ],
        )
    )
    with as_one_request():
        tree.nodes()  # the process's copy of the tree, as the request's first reader builds it
        with django_assert_num_queries(1):  # the memberships; the subtrees from the kept tree
            assert agency_ids_in_scope(user) == {agencies["a"].pk, agencies["desk_a"].pk, agencies["b"].pk}
        with django_assert_num_queries(0):
            assert agency_ids_in_scope(user, Role.LEADER) == {agencies["desk_a"].pk, agencies["b"].pk}
            assert agency_ids_in_scope(user, Role.SPECIALIST, Role.LEADER, Role.ONE_STOP_OFFICER) == {
                agencies["a"].pk,
                agencies["desk_a"].pk,
                agencies["b"].pk,
            }
            assert agency_ids_in_scope(user, Role.AGENCY_ADMIN) == set()
    assert agency_ids_in_scope(fresh(officers["officer_a"])) == {agencies["desk_a"].pk}
    # An agency added under commune B (any write to the agencies) is in the next request's tree.
    division = testing.make_agency(
        "H22.51.3",
        "Phòng Văn hóa - Xã hội phường Cao Lãnh",
        AgencyKind.DIVISION,
        agencies["b"].unit,
        agencies["b"],
        valid_from=None,
    )
    assert agency_ids_in_scope(fresh(user), Role.LEADER) == {
        agencies["desk_a"].pk,
        agencies["b"].pk,
        division.pk,
    }
    # Moved under commune A, it leaves B's subtree for A's.
    update_agency(officers["province_admin"], division, parent=agencies["a"])
    assert division.pk not in agency_ids_in_scope(fresh(user), Role.LEADER)
    assert division.pk in agency_ids_in_scope(fresh(user), Role.SPECIALIST)
