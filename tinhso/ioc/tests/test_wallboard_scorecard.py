"""Wallboard links (no sign-in, scoped on the server, expiring, revocable, audited), the
scorecard (measured and entered apart, projection, no division by zero), the actions' refusals,
and the API."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tinhso.audit.models import AuditEntry
from tinhso.ioc import actions
from tinhso.ioc.models import IocEvent, Target, Threshold, WallboardLink
from tinhso.ioc.scorecard import projection, scorecard
from tinhso.ioc.wallboard import token_for
from tinhso.statistics.tests.conftest import token_for as api_token
from tinhso.testing import signed_in

pytestmark = pytest.mark.django_db


def wall_url(link):
    return f"/dieu-hanh/man-hinh/{token_for(link)}/"


def test_a_wallboard_link_works_without_sign_in_until_revoked(client, world):
    link = actions.issue_wallboard_link(world["admin"], "Phòng điều hành tầng 3", None, 30)
    response = client.get(wall_url(link))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'src="/static/ioc/wallboard.js"' in body and "data-rotate=" in body
    assert response.context["d"]["agency"] is None
    assert [e.action for e in AuditEntry.objects.filter(object_type="ioc.wallboardlink").order_by("pk")] == [
        "ioc.wallboard_issued"
    ]
    actions.revoke_wallboard_link(world["admin"], link)
    response = client.get(wall_url(link))
    assert response.status_code == 410 and "d" not in response.context
    with pytest.raises(ValidationError):
        actions.revoke_wallboard_link(world["admin"], link)
    assert list(IocEvent.objects.values_list("kind", flat=True)) == ["link_issued", "link_revoked"]


def test_a_wallboard_link_is_scoped_on_the_server(client, world):
    link = actions.issue_wallboard_link(world["admin"], "Màn hình phường Mỹ Tho", world["ward_pc"], 7)
    response = client.get(wall_url(link) + f"?agency={world['agencies']['province'].pk}")
    values = {t["key"]: t["value"] for t in response.context["d"]["tiles"]}
    assert response.context["d"]["agency"] == world["ward_pc"] and values["overdue"] == 2
    assert response.context["s"] is None  # the province's scorecard is not the ward's


def test_expired_and_forged_links_are_refused_without_leaking(client, world):
    link = actions.issue_wallboard_link(world["admin"], "Màn hình sảnh", None, 1)
    WallboardLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(wall_url(link))
    assert response.status_code == 410
    assert "hết hạn" in response.content.decode() or "expired" in response.content.decode()
    forged = token_for(link)[:-3] + "abc"
    for token in (forged, "1", "../../quan-tri"):
        response = client.get(f"/dieu-hanh/man-hinh/{token}/")
        assert response.status_code in (403, 404)
        assert "Mỹ Tho" not in response.content.decode()


def test_a_stale_rollup_raises_the_alarm(client, world):
    link = actions.issue_wallboard_link(world["admin"], "Phòng điều hành", None, 1)
    assert client.get(wall_url(link)).context["stale"] is False
    from tinhso.dossiers.models import DossierEvent

    event = DossierEvent.objects.order_by("pk").last()
    DossierEvent.objects.create(
        dossier=event.dossier,
        code=event.code,
        status=event.status,
        agency_code=event.agency_code,
        occurred_at=timezone.now() - datetime.timedelta(hours=2),
    )
    assert client.get(wall_url(link)).context["stale"] is True


@pytest.mark.parametrize(
    ("who", "call"),
    [
        ("province_leader", lambda w: actions.issue_wallboard_link(w["province_leader"], "TV", None, 1)),
        ("leader", lambda w: actions.set_threshold(w["leader"], "overdue", 1, 2)),
        ("leader", lambda w: actions.save_target(w["leader"], Target(name="x"))),
    ],
)
def test_only_province_administrators_configure(world, who, call):
    with pytest.raises(PermissionDenied):
        call(world)
    assert not IocEvent.objects.exists() and not Threshold.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"measure": "bogus"}, "measure"),
        ({"kind": "entered", "measure": "satisfaction"}, "measure"),
        ({"target_value": "120"}, "100"),
        ({"target_value": "NaN"}, "100"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_targets_are_refused_and_change_nothing(world, fields, message):
    values = {
        "name": "Tỷ lệ người dân hài lòng",
        "legal_source": "Nghị quyết 12/NQ-HĐND ngày 10/07/2025",
        "kind": "measured",
        "measure": "satisfaction",
        "target_value": "90",
        "target_date": datetime.date(2026, 12, 31),
        **fields,
    }
    with pytest.raises(ValidationError) as refused:
        actions.save_target(world["admin"], Target(**values))
    assert message in str(refused.value)
    assert not Target.objects.exists() and not AuditEntry.objects.filter(action="ioc.target_saved").exists()


def test_threshold_levels_must_point_the_right_way(world):
    with pytest.raises(ValidationError):
        actions.set_threshold(world["admin"], "overdue", 10, 1)  # more overdue is worse: red ≥ amber
    with pytest.raises(ValidationError):
        actions.set_threshold(world["admin"], "on_time_rate", 80, 90)  # a lower rate is worse
    with pytest.raises(ValidationError):
        actions.set_threshold(world["admin"], "on_time_rate", 180, 90)
    with pytest.raises(ValidationError):
        actions.set_threshold(world["admin"], "khong-co", 1, 2)
    assert not Threshold.objects.exists()
    actions.set_threshold(world["admin"], "on_time_rate", 95, 90)
    assert Threshold.objects.get().red == Decimal("90.0")


def test_the_scorecard_keeps_measured_and_entered_apart(client, world):
    admin = world["admin"]
    measured = actions.save_target(
        admin,
        Target(
            name="Tỷ lệ hồ sơ cấp xã tiếp nhận trực tuyến",
            legal_source="Nghị quyết 12/NQ-HĐND ngày 10/07/2025",
            measure="dossiers_online_commune",
            target_value=Decimal("50"),
            target_date=datetime.date(2026, 12, 31),
        ),
    )
    empty = actions.save_target(
        admin,
        Target(
            name="Tỷ lệ hồ sơ có phí, lệ phí thanh toán trực tuyến",
            legal_source="Quyết định 766/QĐ-TTg",
            measure="fees_paid_online",
            target_value=Decimal("90"),
            target_date=datetime.date(2026, 12, 31),
        ),
    )
    entered = actions.save_target(
        admin,
        Target(
            name="Tỷ lệ báo cáo gửi qua Hệ thống thông tin báo cáo",
            legal_source="Kế hoạch 45/KH-UBND ngày 02/03/2026",
            kind="entered",
            target_value=Decimal("100"),
            target_date=datetime.date(2026, 12, 31),
        ),
    )
    with pytest.raises(ValidationError):
        actions.enter_value(admin, measured, 40, timezone.localdate(), "Báo cáo tháng")
    with pytest.raises(ValidationError):
        actions.enter_value(admin, entered, 40, timezone.localdate(), "  ")
    with pytest.raises(ValidationError):
        actions.enter_value(admin, entered, 40, timezone.localdate() + datetime.timedelta(days=1), "Báo cáo")
    actions.enter_value(admin, entered, "87.5", timezone.localdate(), "Báo cáo 120/BC-VP ngày 01/12/2026")
    card = scorecard()
    by_name = {c["target"].pk: c for c in card["measured"]}
    assert (by_name[measured.pk]["part"], by_name[measured.pk]["whole"]) == (0, 6)  # all six at the counter
    assert by_name[measured.pk]["value"] == 0.0
    assert (
        by_name[empty.pk]["value"] is None and by_name[empty.pk]["status"] == "none"
    )  # nothing to divide by: no fee paid in the world
    assert [c["target"] for c in card["entered"]] == [entered] and card["entered"][0]["value"] == 87.5
    signed_in(client, world["province_leader"])
    body = client.get("/dieu-hanh/chi-tieu/").content.decode()
    assert "Báo cáo 120/BC-VP ngày 01/12/2026" in body
    signed_in(client, world["leader"])
    assert client.get("/dieu-hanh/chi-tieu/").status_code == 403


def test_projection_is_a_least_squares_line_kept_within_0_and_100():
    assert projection([(0, 10.0), (1, 20.0), (2, 30.0)], 4) == 50.0
    assert projection([(0, 90.0), (1, 99.0)], 10) == 100.0
    assert projection([(0, 10.0)], 3) is None
    assert projection([(1, 10.0), (1, 20.0)], 3) is None


def test_the_api_gives_the_same_numbers_with_the_same_permission(client, world):
    signed_in(client, world["province_leader"])
    page = {t["key"]: t["value"] for t in client.get("/dieu-hanh/").context["d"]["tiles"]}
    province_leader, ward_leader = api_token(world["province_leader"]), api_token(world["leader"])
    response = client.get("/api/v1/ioc/dashboard", **province_leader)
    assert response.status_code == 200
    body = response.json()
    assert {row["key"]: row["value"] for row in body["indicators"]} == page
    assert "overdue" in body["exceptions"]
    ward, other = world["ward_pc"].code, world["other_pc"].code
    assert client.get(f"/api/v1/ioc/dashboard?agency={ward}", **ward_leader).status_code == 200
    assert client.get(f"/api/v1/ioc/dashboard?agency={other}", **ward_leader).status_code == 403
    assert client.get("/api/v1/ioc/dashboard?agency=KHONG-CO", **ward_leader).status_code == 404
    assert client.get("/api/v1/ioc/scorecard", **ward_leader).status_code == 403
    assert client.get("/api/v1/ioc/scorecard", **province_leader).status_code == 200
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/ioc/dashboard" in schema["paths"] and "/api/v1/ioc/scorecard" in schema["paths"]


def test_the_admin_configures_through_the_actions(client, world):
    admin = world["admin"]
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    signed_in(client, admin)
    response = client.post(
        "/quan-tri/ioc/target/add/",
        {
            "name": "Tỷ lệ thủ tục cung cấp dịch vụ công trực tuyến toàn trình",
            "legal_source": "Nghị quyết 12/NQ-HĐND ngày 10/07/2025",
            "kind": "measured",
            "measure": "services_full_process",
            "target_value": "80",
            "target_date": "31/12/2026",
            "amber_margin": "5",
            "order": "1",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    target = Target.objects.get()
    assert AuditEntry.objects.filter(action="ioc.target_saved", object_id=str(target.pk)).exists()
    bad = client.post("/quan-tri/ioc/threshold/add/", {"indicator": "overdue", "amber": "10", "red": "1"})
    assert bad.status_code == 200 and not Threshold.objects.exists()
    response = client.post(
        "/quan-tri/ioc/wallboardlink/add/",
        {
            "name": "Phòng họp UBND tỉnh",
            "agency": "",
            "days": "90",
            "rotate_seconds": "20",
            "stale_minutes": "30",
        },
        follow=True,
    )
    link = WallboardLink.objects.get()
    assert wall_url(link) in response.content.decode()
    client.post(
        "/quan-tri/ioc/wallboardlink/",
        {"action": "revoke", "_selected_action": [link.pk]},
    )
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert AuditEntry.objects.filter(action="ioc.wallboard_revoked").count() == 1


def test_the_demo_loads_measured_and_entered_targets_and_prints_a_working_wallboard_link(client, world):
    """``make demo`` runs ``load_ioc_demo`` (from ``load_demo``): targets of the kinds provinces
    set, each with its source, one entered apart; the printed link opens the wall without sign-in
    and is reused on a second run."""
    from io import StringIO
    from urllib.parse import urlsplit

    from django.core.management import call_command

    from tinhso.demo import data

    world["admin"].username = data.OFFICERS[0][0]
    world["admin"].save(update_fields=["username"])
    printed = []
    for _run in range(2):
        out = StringIO()
        call_command("load_ioc_demo", stdout=out)
        printed.append(out.getvalue().strip().rsplit(" ", 1)[-1])
    assert printed[0] == printed[1] and WallboardLink.objects.count() == 1
    assert client.get(urlsplit(printed[0]).path).status_code == 200
    kinds = list(Target.objects.values_list("kind", flat=True))
    assert kinds.count("measured") == 6 and kinds.count("entered") == 1
    assert all(Target.objects.values_list("legal_source", flat=True))
    assert {card["target"].measure for card in scorecard()["measured"]} == {
        "services_full_process",
        "dossiers_online_province",
        "dossiers_online_commune",
        "documents_electronic",
        "fees_paid_online",
        "satisfaction",
    }
