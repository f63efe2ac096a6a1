"""The data-sharing area of the operations centre (issue 21: the gateway's operational records and
the health of its services fed to the centre): each number equals the list it opens and a count
by hand, for the province and for the agencies whose systems call or serve; the lists show no path
(it can carry a personal number); and the statistics lists the centre opens lead back to it."""

import datetime
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.agencies.models import Agency
from tinhso.lgsp import actions as lgsp
from tinhso.lgsp.exchange_log import append
from tinhso.lgsp.models import DataClassification, Service
from tinhso.lgsp.tests.conftest import OPENAPI, Systems
from tinhso.testing import signed_in

pytestmark = pytest.mark.django_db
PERSONAL_NUMBER = "079095001234"


def call(client: str, service, minutes_ago: float, ms: int, status: int = 200, fault: str = "") -> dict:
    """An operational record as the gateway writes it. A call of the last hour stays within today
    (in the same order) when the suite runs less than an hour after midnight, Vietnam time:
    "today's calls" must not depend on the hour the tests run at."""
    now = timezone.now()
    ago = datetime.timedelta(minutes=minutes_ago)
    if minutes_ago < 60:
        midnight = timezone.make_aware(datetime.datetime.combine(timezone.localdate(now), datetime.time.min))
        ago = min(datetime.timedelta(hours=1), now - midnight) * (minutes_ago / 60)
    start = now - ago
    return {
        "message_id": f"m-{client[-6:]}-{minutes_ago}",
        "client": client,
        "service": service.identifier if service else "",
        "service_code": service.code if service else "",
        "method": "GET",
        "path": f"/citizens/{PERSONAL_NUMBER}",
        "request_in_ts": start,
        "response_out_ts": start + datetime.timedelta(milliseconds=ms),
        "status_code": status,
        "succeeded": not fault and status < 400,
        "fault_code": fault,
        "request_hash": "0" * 64,
        "response_hash": "0" * 64,
    }


@pytest.fixture
def sharing():
    systems = Systems("http://127.0.0.1:9")

    def service(code, **options):
        return lgsp.register_service(
            systems.owner,
            systems.provider,
            code=code,
            title=f"Dịch vụ {code}",
            provider_url="http://127.0.0.1:9",
            classification=DataClassification.PUBLIC,
            legal_basis="Nghị định 47/2024/NĐ-CP",
            openapi=OPENAPI,
            **options,
        )

    down, idle, retired = service("ho-tich"), service("dat-dai"), service("cu")
    Service.objects.filter(pk=retired.pk).update(is_active=False)
    consumer, served = systems.consumer.identifier, systems.service
    start_of_day = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))
    yesterday = call(consumer, served, 0, 80)
    yesterday.update(request_in_ts=start_of_day - datetime.timedelta(minutes=1), message_id="m-y")
    yesterday["response_out_ts"] = yesterday["request_in_ts"] + datetime.timedelta(milliseconds=80)
    append(
        [
            yesterday,  # not today
            call(consumer, served, 30, 100),
            call(consumer, served, 20, 300, status=500),  # failed: 5xx
            call(consumer, served, 10, 50, status=404),  # an answer ("unknown"), not a failure
            call("VN/COM/0101/OUTSIDE", down, 5, 2000, 504, "Server.ServerProxy.NetworkError"),
            call("VN/COM/0102/UNKNOWN", None, 3, 10, 401, "Client.Unauthorized"),  # refused
            call(consumer, retired, 2, 40, status=503),  # to an inactive service
        ]
    )
    root = Agency.objects.get(code="H20")
    return {
        "systems": systems,
        "province_leader": factories.make_officer(root, "lanhdao.tinh", Role.LEADER),
        "root": root,
        "consumer_ward": systems.consumer.member.agency.parent,
        "provider_ward": systems.provider.member.agency.parent,
        "down": down,
        "idle": idle,
        "service": service,
    }


def tiles(client, agency=None) -> dict:
    response = client.get("/dieu-hanh/" + (f"?agency={agency.pk}" if agency else ""))
    assert response.status_code == 200
    return {tile["key"]: tile for tile in response.context["d"]["tiles"] if tile["area"] == "sharing"}


def listed(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    assert PERSONAL_NUMBER not in response.content.decode()
    return response.context["page"].paginator.count


@pytest.mark.parametrize(
    ("scope", "calls", "failed", "p95", "slow", "failing", "silent"),
    [
        # Every call of today, refused ones included; the inactive service's call is a call too.
        ("province", 6, 4, 2000, 1, 1, 2),
        # The consumer's ward: the calls its system made; it serves nothing.
        ("consumer_ward", 4, 2, 300, 1, 0, 0),
        # The provider's ward: the calls to its services; "ho-tich" failed last and "dat-dai" was
        # never called: both without a success for a day.
        ("provider_ward", 5, 3, 2000, 1, 1, 2),
    ],
)
def test_each_sharing_number_equals_its_list_and_the_count_by_hand(
    client, sharing, scope, calls, failed, p95, slow, failing, silent
):
    signed_in(client, sharing["province_leader"])
    found = tiles(client, None if scope == "province" else sharing[scope])
    values = {key: tile["value"] for key, tile in found.items()}
    assert values == {
        "lgsp_calls": calls,
        "lgsp_failed": failed,
        "lgsp_p95": p95,
        "lgsp_failing": failing,
        "lgsp_silent": silent,
    }
    for tile in found.values():
        if tile["url"]:
            assert listed(client, tile["url"]) == tile["value"], tile["key"]
    assert [listed(client, part["url"]) for part in found["lgsp_p95"]["parts"]] == [slow, calls]
    assert [part["value"] for part in found["lgsp_p95"]["parts"]] == [slow, calls]


def test_statuses_follow_the_thresholds_and_the_lists_name_systems(client, sharing):
    signed_in(client, sharing["province_leader"])
    found = tiles(client)
    assert (found["lgsp_failed"]["status"], found["lgsp_p95"]["status"]) == ("amber", "amber")
    assert found["lgsp_silent"]["status"] == "amber"
    from tinhso.ioc import actions

    admin = factories.make_officer(sharing["root"], "admin.tinh", Role.PROVINCE_ADMIN)
    actions.set_threshold(admin, "lgsp_p95", 500, 1500)
    assert tiles(client)["lgsp_p95"]["status"] == "red"
    page = client.get("/dieu-hanh/danh-sach/lgsp_failed/").content.decode()
    assert "Hệ thống một cửa" in page and "Server.ServerProxy.NetworkError" in page
    page = client.get("/dieu-hanh/danh-sach/lgsp_silent/").content.decode()
    assert "Dịch vụ ho-tich" in page and "Dịch vụ dat-dai" in page and "Dịch vụ cu" not in page


def test_an_agency_leader_sees_their_systems_only_and_is_refused_elsewhere(client, sharing):
    leader = factories.make_officer(sharing["consumer_ward"], "lanhdao.phuong", Role.LEADER)
    signed_in(client, leader)
    assert tiles(client)["lgsp_calls"]["value"] == 4  # lands on their ward
    other = sharing["provider_ward"]
    for figure in ("lgsp_calls", "lgsp_failing", "lgsp_slow"):
        assert client.get(f"/dieu-hanh/danh-sach/{figure}/?agency={other.pk}").status_code == 403
        assert client.get(f"/dieu-hanh/danh-sach/{figure}/?agency={sharing['root'].pk}").status_code == 403
    assert listed(client, "/dieu-hanh/danh-sach/lgsp_calls/") == 4  # without a scope: their own
    assert client.get("/dieu-hanh/danh-sach/lgsp_nothing/").status_code == 404
    clerk = factories.make_officer(sharing["consumer_ward"], "motcua.phuong", Role.ONE_STOP_OFFICER)
    signed_in(client, clerk)
    assert client.get("/dieu-hanh/danh-sach/lgsp_calls/").status_code == 403


def test_a_statistics_list_opened_from_the_centre_leads_back_to_it(client, sharing):
    """Issue 18: follow a number to its records and back, the scope kept; ``next`` is used only
    when it is a page of this site."""
    signed_in(client, sharing["province_leader"])
    ward = sharing["consumer_ward"]
    response = client.get(f"/dieu-hanh/?agency={ward.pk}")
    url = next(t["url"] for t in response.context["d"]["tiles"] if t["key"] == "received_month")
    assert url.startswith("/thong-ke/")
    page = client.get(url)
    assert page.context["back_url"] == f"/dieu-hanh/?agency={ward.pk}"
    body = page.content.decode()
    assert f'href="/dieu-hanh/?agency={ward.pk}"' in body
    assert "Quay lại trung tâm điều hành" in body or "Back to the operations centre" in body
    base = url.split("&next=")[0]
    for refused in (
        "https://evil.example/",
        "//evil.example/dieu-hanh/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/khong-co-trang-nay/",
        "/" + "a" * 600,
    ):
        back = client.get(base + "&" + urlencode({"next": refused})).context["back_url"]
        assert back.startswith("/thong-ke/?") and "next" not in back, refused
    assert client.get(base).context["back_url"].startswith("/thong-ke/?")


def test_the_counts_read_the_exchange_logs_indexes_not_the_whole_log(sharing):
    """The day's calls are read through the index on ``request_in_ts`` and a service's last call
    through ``lgsp_exchange_service_ts`` (sequential scans off, so the plan shows whether an index
    can serve the query at all on this small table)."""
    from django.db import connection

    from tinhso.ioc import indicators

    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    day = indicators.sharing_calls("lgsp_failed", sharing["provider_ward"], now).explain()
    assert "request_in_ts" in day and "Seq Scan on lgsp_exchange" not in day, day
    services = indicators.sharing_services("lgsp_failing", None, now).explain()
    assert "lgsp_exchange_service_ts" in services and "Seq Scan on lgsp_exchange" not in services, services


def test_each_service_is_watched_for_its_own_quiet_time(client, sharing):
    """A weekly exchange called two days ago is not flagged, a daily lookup is; a service its
    provider does not watch never is; an expected quiet time under an hour is refused."""
    weekly = sharing["service"]("dong-bo", quiet_after=datetime.timedelta(days=7))
    daily = sharing["service"]("ho-khau")
    unwatched = sharing["service"]("luu-tru", quiet_after=None)
    consumer = sharing["systems"].consumer.identifier
    two_days = 2 * 24 * 60
    append(
        [
            {**call(consumer, weekly, two_days, 100), "message_id": "m-weekly"},
            {**call(consumer, daily, two_days, 100), "message_id": "m-daily"},
        ]
    )
    signed_in(client, sharing["province_leader"])
    # ho-tich (failed last) and dat-dai (never called) as before, and the daily lookup.
    assert tiles(client)["lgsp_silent"]["value"] == 3
    page = client.get("/dieu-hanh/danh-sach/lgsp_silent/").content.decode()
    assert "Dịch vụ ho-khau" in page and "Dịch vụ dong-bo" not in page and "Dịch vụ luu-tru" not in page
    assert "quá 168 giờ" in client.get(f"/lien-thong/dich-vu/{weekly.pk}/").content.decode()
    assert "không theo dõi" in client.get(f"/lien-thong/dich-vu/{unwatched.pk}/").content.decode()
    with pytest.raises(ValidationError):
        sharing["service"]("qua-ngan", quiet_after=datetime.timedelta(minutes=5))
    assert not Service.objects.filter(code="qua-ngan").exists()
