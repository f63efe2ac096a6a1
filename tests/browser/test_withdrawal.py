"""A citizen's withdrawal request decided in the back office on a phone: refused once the body
has decided (the dossier goes on), then, on a new request, granted (status 8, Form 05)."""

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import serious_violations
from tests.browser.test_back_office import people, sign_in  # noqa: F401 (fixture)
from tinhso.dossiers import actions
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.status import Status
from tinhso.motcua import actions as motcua

pytestmark = pytest.mark.django_db(transaction=True)


def test_withdrawal_request_refused_then_granted(live_server, phone_page, people):  # noqa: F811
    page, url = phone_page, live_server.url
    dossier = motcua.accept_dossier(people["officer"], people["dossier"], assignee=people["specialist"])
    citizen = dossier.applicant
    actions.withdraw_dossier(citizen, dossier, "Tôi đã nộp nhầm thủ tục")

    sign_in(page, url, people["officer"])
    page.goto(url + f"/mot-cua/ho-so/{dossier.pk}/")
    expect(page.get_by_role("link", name="Dừng giải quyết theo yêu cầu rút hồ sơ")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("link", name="Từ chối yêu cầu rút hồ sơ").click()
    page.get_by_role("button", name="Xác nhận").click()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.WITHDRAWN
    page.get_by_label("Lý do").fill("Đã có quyết định giải quyết hồ sơ")
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_load_state()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.ACCEPTED

    actions.withdraw_dossier(citizen, Dossier.objects.get(pk=dossier.pk), "Xin rút để nộp lại")
    page.goto(url + f"/mot-cua/ho-so/{dossier.pk}/")
    page.get_by_role("link", name="Dừng giải quyết theo yêu cầu rút hồ sơ").click()
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_load_state()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.STOPPED
    assert "Dừng xử lý" in page.locator("main").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Mẫu 5 (PDF)").click()
    assert download.value.suggested_filename == f"mau-05-{dossier.code}.pdf"
