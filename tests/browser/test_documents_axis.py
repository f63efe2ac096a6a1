"""A document to an agency outside the province, on a phone: the clerk numbers a draft and sends
it to the Government Office through the (local) national axis; the other side answers and its
statuses join the recipient's timeline. With the axis down the package ends in the dead-letter
list, from which the clerk sends it again."""

import pytest
from django.utils import timezone

from tests.browser.accessibility import serious_violations
from tests.browser.test_documents import people, sign_in  # noqa: F401 - fixture
from tinhso.documents import actions, axis_inbox, axis_server, exchange
from tinhso.documents.models import Package

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "browser-test-axis-secret"
PEER_SECRET = "browser-test-peer-secret"


@pytest.fixture
def local_axis(tmp_path, settings):
    store = axis_server.AxisStore(str(tmp_path / "axis.sqlite3"))
    store.add_system("H20", SECRET, ["H20"])
    store.add_system("G22", PEER_SECRET, ["G22"])
    store.add_agency("G22", "Văn phòng Chính phủ")
    server = axis_server.serve(store)
    url = f"http://127.0.0.1:{server.server_port}"
    settings.DOCUMENTS_AXIS_URL = url
    settings.DOCUMENTS_AXIS_AGENCY_CODE = "H20"
    settings.DOCUMENTS_AXIS_SECRET = SECRET
    actions.sync_directory(None)
    yield {"url": url, "peer": axis_server.AxisPeer(url, "G22", PEER_SECRET, "Văn phòng Chính phủ")}
    server.shutdown()
    server.server_close()


def test_a_letter_sent_outside_through_the_axis_answered_and_resent_from_the_dead_letters(
    live_server,
    phone_page,
    people,  # noqa: F811 - the fixture
    local_axis,
    settings,
):
    page, url = phone_page, live_server.url
    clerk = people["clerk"]
    sign_in(page, url, clerk)
    page.goto(url + f"/van-ban/di/{people['draft'].pk}/")
    page.get_by_role("button", name="Cấp số và ban hành").click()
    page.wait_for_load_state()
    page.get_by_label("Văn phòng Chính phủ (G22)").check()
    page.get_by_role("button", name="Gửi", exact=True).click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert "ngoài tỉnh, qua trục liên thông văn bản quốc gia" in text
    assert "gói tin đã chuyển lên trục liên thông quốc gia" in text
    assert serious_violations(page) == []

    assert local_axis["peer"].answer() == 1
    axis_inbox.fetch()
    page.reload()
    text = page.locator("main").inner_text()
    for status in ("trạng thái 01 đã đến", "trạng thái 03 đã tiếp nhận, vào sổ"):
        assert status in text

    # A second letter while the axis is down: retried, then given up, then sent again.
    second = actions.issue_document(
        clerk,
        actions.create_draft(
            clerk, people["draft"].agency, type_code="thong_bao", subject="Thông báo lịch họp"
        ),
    )
    settings.DOCUMENTS_AXIS_URL = "http://127.0.0.1:9"
    page.goto(url + f"/van-ban/di/{second.pk}/")
    page.get_by_label("Văn phòng Chính phủ (G22)").check()
    page.get_by_role("button", name="Gửi", exact=True).click()
    page.wait_for_load_state()
    later = timezone.now()
    for delay in exchange.RETRY_DELAYS:
        later += delay
        exchange.deliver_due(now=later)
    assert Package.objects.get(delivery__document=second).state == "dead"
    page.goto(url + "/van-ban/")
    page.get_by_role("link", name="gói tin không gửi được").click()
    page.wait_for_load_state()
    assert "Văn phòng Chính phủ (G22)" in page.locator("main").inner_text()
    assert serious_violations(page) == []
    settings.DOCUMENTS_AXIS_URL = local_axis["url"]
    page.get_by_role("button", name="Gửi lại").click()
    page.wait_for_load_state()
    assert "Gói tin sẽ được gửi lại." in page.locator("main").inner_text()
    exchange.deliver_due()
    assert Package.objects.get(delivery__document=second).state == "delivered"
