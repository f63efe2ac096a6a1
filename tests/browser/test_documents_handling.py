"""Handling official documents in the browser: the recipients picker of a province with many
agencies has a search box (accents optional) that narrows the list and keeps what is ticked."""

import pytest

from tests.browser.accessibility import serious_violations
from tests.browser.test_documents import officer, people, sign_in  # noqa: F401 - fixture
from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.documents import actions
from tinhso.documents.models import Delivery

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_recipients_picker_finds_an_agency_among_many(
    live_server,
    phone_page,
    people,  # noqa: F811 - the fixture
):
    committee = people["draft"].agency
    for number in range(1, 41):
        ward = Agency.objects.create(
            code=f"H20.{50 + number}",
            name=f"Ủy ban nhân dân phường Thủ Đức {number}",
            kind=AgencyKind.DEPARTMENT,
            parent=committee,
            unit=committee.unit,
            valid_from=factories.START,
        )
        officer(ward, f"vanthu.{number}", "Văn thư", Role.DOCUMENT_CLERK)
    page, url = phone_page, live_server.url
    sign_in(page, url, people["clerk"])
    page.goto(url + f"/van-ban/di/{people['draft'].pk}/")
    page.get_by_role("button", name="Cấp số và ban hành").click()
    page.wait_for_load_state()

    page.get_by_label("Tìm cơ quan").fill("thu duc 1")
    shown = page.locator("#id_recipients label:visible")
    assert shown.count() == 11, "1 and 10 to 19; 21 or 31 do not match"
    assert page.locator("[data-filter-list] [role=status]").inner_text() == "Có 11 cơ quan phù hợp."
    page.get_by_label("Ủy ban nhân dân phường Thủ Đức 12", exact=True).check()
    page.get_by_label("Tìm cơ quan").fill("nội vụ")
    assert [text.strip() for text in shown.all_inner_texts()] == [
        "Sở Nội vụ tỉnh Đồng Tháp",
        "Ủy ban nhân dân phường Thủ Đức 12",
    ], "what is ticked stays in sight"
    page.get_by_label("Sở Nội vụ tỉnh Đồng Tháp").check()
    assert serious_violations(page) == []
    page.get_by_role("button", name="Gửi", exact=True).click()
    page.wait_for_load_state()
    assert sorted(Delivery.objects.values_list("recipient__name", flat=True)) == [
        "Sở Nội vụ tỉnh Đồng Tháp",
        "Ủy ban nhân dân phường Thủ Đức 12",
    ]


def test_the_leader_names_a_co_ordinator_whose_opinion_the_person_in_charge_reads(
    live_server,
    phone_page,
    people,  # noqa: F811 - the fixture
):
    department = people["dept_clerk"].memberships.get().agency
    coordinator = officer(department, "phoihop.snv", "Võ Thị Phối", Role.SPECIALIST)
    outsider = officer(people["draft"].agency, "chuyenvien.tinh", "Lý Văn Ngoài", Role.SPECIALIST)
    incoming = actions.register_paper(
        people["dept_clerk"], department, sender_name="Bộ Nội vụ", subject="V/v rà soát vị trí việc làm"
    )
    page, url = phone_page, live_server.url

    sign_in(page, url, people["leader"])
    page.goto(url + f"/van-ban/den/{incoming.pk}/")
    page.get_by_label("Người chủ trì xử lý").select_option(label="Trần Quốc Bảo")
    page.get_by_label("Võ Thị Phối").check()
    page.get_by_label("Hạn xử lý (ngày làm việc)").fill("5")
    page.get_by_role("button", name="Giao xử lý").click()
    page.wait_for_load_state()
    page.get_by_label("Tên đăng nhập của cán bộ").fill(outsider.username)
    page.get_by_role("button", name="Cấp quyền đọc").click()
    page.wait_for_load_state()
    assert "Lý Văn Ngoài (chuyenvien.tinh)" in page.locator("main").inner_text()
    assert serious_violations(page) == []

    sign_in(page, url, coordinator)
    page.goto(url + "/van-ban/")
    page.get_by_role("link", name="V/v rà soát vị trí việc làm").click()
    page.get_by_label("Ý kiến của bạn với vai trò phối hợp").fill("Đề nghị bổ sung bản mô tả công việc")
    page.get_by_role("button", name="Gửi ý kiến").click()
    page.wait_for_load_state()
    assert serious_violations(page) == []

    sign_in(page, url, people["specialist"])
    page.goto(url + f"/van-ban/den/{incoming.pk}/")
    text = page.locator("main").inner_text()
    assert "Đề nghị bổ sung bản mô tả công việc" in text and "ý kiến của người phối hợp" in text

    sign_in(page, url, outsider)
    page.goto(url + f"/van-ban/den/{incoming.pk}/")
    assert "V/v rà soát vị trí việc làm" in page.locator("h1").inner_text()
    assert page.get_by_role("button", name="Giao xử lý").count() == 0
