"""Categories and the routing table are made by their actions, by province administrators only."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tinhso.accounts.models import Membership, Role, User, UserKind
from tinhso.audit.models import AuditEntry
from tinhso.feedback import actions
from tinhso.feedback.models import Category, RoutingRule, TimeUnit
from tinhso.units.models import AdministrativeUnit, DivisionType, Level


@pytest.fixture
def admin(place):
    user = User.objects.create_user("admin.tinh", "x", full_name="Nguyễn Thành Công", kind=UserKind.OFFICER)
    Membership.objects.create(
        user=user, agency=place["root"], role=Role.PROVINCE_ADMIN, valid_from="2025-07-01"
    )
    return user


def test_an_administrator_creates_a_category_and_routes_it(place, admin):
    category = actions.save_category(
        admin,
        service_code="tieng-on",
        name="Tiếng ồn",
        time_limit=3,
        time_unit=TimeUnit.DAYS,
        group="Môi trường",
    )
    assert (category.name, category.time_limit, category.time_unit) == ("Tiếng ồn", 3, TimeUnit.DAYS)
    rule = actions.save_routing_rule(
        admin, category=category, agency=place["pc_cao_lanh"], commune=place["cao_lanh"]
    )
    assert rule.agency == place["pc_cao_lanh"]
    # Saving again updates the same rows.
    actions.save_category(
        admin, service_code="tieng-on", name="Tiếng ồn ban đêm", time_limit=2, time_unit=TimeUnit.DAYS
    )
    actions.save_routing_rule(admin, category=category, agency=place["pc_my_tho"], commune=place["cao_lanh"])
    assert Category.objects.get(service_code="tieng-on").name == "Tiếng ồn ban đêm"
    assert RoutingRule.objects.get(category=category, commune=place["cao_lanh"]).agency == place["pc_my_tho"]
    audited = AuditEntry.objects.filter(actor=admin).values_list("action", flat=True)
    assert sorted(audited) == ["feedback.save_category"] * 2 + ["feedback.save_routing_rule"] * 2


def test_officers_cannot_change_the_configuration(place):
    with pytest.raises(PermissionDenied):
        actions.save_category(
            place["router"], service_code="x", name="X", time_limit=1, time_unit=TimeUnit.DAYS
        )
    with pytest.raises(PermissionDenied):
        actions.save_routing_rule(place["leader"], category=place["rubbish"], agency=place["pc_my_tho"])
    assert not Category.objects.filter(service_code="x").exists()
    assert not RoutingRule.objects.filter(category=place["rubbish"]).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"service_code": "có dấu"}, "service_code"),
        ({"name": "  "}, "name"),
        ({"time_limit": 0}, "time_limit"),
        ({"time_limit": True}, "time_limit"),
        ({"time_unit": "weeks"}, "time_unit"),
    ],
)
def test_a_wrong_category_is_refused_and_nothing_changes(place, admin, fields, field):
    values = {"service_code": "ngap-ung", "name": "Ngập úng", "time_limit": 16, "time_unit": TimeUnit.HOURS}
    with pytest.raises(ValidationError) as refused:
        actions.save_category(admin, **{**values, **fields})
    assert field in refused.value.message_dict
    assert not Category.objects.filter(service_code__in=["ngap-ung", "có dấu"]).exists()


def test_a_route_outside_the_province_or_to_a_closed_agency_is_refused(place, admin):
    elsewhere = AdministrativeUnit.objects.create(
        code="00004",
        name="Phường Ba Đình",
        level=Level.COMMUNE,
        division_type=DivisionType.WARD,
        valid_from=datetime.date(2025, 7, 1),
    )
    with pytest.raises(ValidationError) as refused:
        actions.save_routing_rule(
            admin, category=place["rubbish"], agency=place["pc_my_tho"], commune=elsewhere
        )
    assert "commune" in refused.value.message_dict
    closed = place["construction"]
    closed.valid_to = datetime.date(2025, 12, 31)
    closed.save()
    with pytest.raises(ValidationError):
        actions.save_routing_rule(admin, category=place["rubbish"], agency=closed)
    assert not RoutingRule.objects.filter(category=place["rubbish"]).exists()
