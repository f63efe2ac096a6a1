"""Optional fees on the demo catalogue (issue 20, findings 8 and 12): a per-copy fee counts the
copies the applicant asked for on the e-form (none asked: nothing to pay, and the approval does not
wait for a payment), the payment page does not ask the quantity again."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone

from tinhso import testing as factories
from tinhso.dossiers import actions
from tinhso.dossiers.actions import owes_fees
from tinhso.dossiers.models import Dossier, Status
from tinhso.payments.actions import fees_due, start_payment
from tinhso.payments.forms import FeeChoiceForm
from tinhso.procedures.fees import asks_quantity, compute_fees, may_charge
from tinhso.procedures.models import FeeKind, Procedure
from tinhso.workflows.actions import condition_failures
from tinhso.workflows.models import Action, Condition

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(demo_catalogue):
    return demo_catalogue


@pytest.fixture
def citizen(db):
    return factories.make_citizen()


def submitted(catalogue, citizen, code, form_data) -> Dossier:
    """A submitted dossier of ``code`` with these e-form answers (status 1, not yet paid)."""
    return Dossier.objects.create(
        code=f"H20.201.01-261203-{Dossier.objects.count() + 1:04d}",
        procedure=Procedure.objects.current().get(code=code),
        applicant=citizen,
        applicant_name=citizen.full_name,
        receiving_agency=catalogue["agencies"]["my_tho"],
        form_data=form_data,
        status=Status.NEW,
        is_draft=False,
        submitted_at=timezone.now(),
    )


def test_no_fee_is_charged_for_an_option_not_chosen_across_the_catalogue(catalogue):
    procedures = list(Procedure.objects.current().filter(submit_online=True).prefetch_related("fees"))
    assert len(procedures) >= 25
    for procedure in procedures:
        fees = list(procedure.fees.all())
        for fee in fees:
            if fee.kind == FeeKind.PER_UNIT:
                # A per-copy fee counts the copies asked on the e-form; only a fee per page of
                # the applicant's own papers (chứng thực) is counted at payment.
                assert fee.quantity_field or fee.unit == "trang", (procedure.code, fee.name)
        nothing_chosen = compute_fees(procedure, answers={})
        charged = {line.fee_id for line in nothing_chosen.lines}
        expected = {
            fee.pk for fee in fees if fee.amount and (fee.kind == FeeKind.FIXED or asks_quantity(fee))
        }
        assert charged == expected, procedure.code
        for fee in fees:
            if fee.amount and fee.exempt_when:
                # An applicant who answered an exemption on the e-form is charged nothing for it,
                # whatever they choose on the payment page.
                exempt = {fee.exempt_when["field"]: fee.exempt_when["values"][0], "so_ban_sao": 3}
                every_option = {other.pk for other in fees}
                assert fee.pk not in {
                    line.fee_id for line in compute_fees(procedure, {}, every_option, exempt).lines
                }
                assert fee.pk in {
                    line.fee_id for line in compute_fees(procedure, {}, every_option, {"so_ban_sao": 3}).lines
                }
    exemptions = {
        fee.procedure.code for procedure in procedures for fee in procedure.fees.all() if fee.exempt_when
    }
    assert "DT-004" in exemptions


def test_birth_registration_without_copies_owes_nothing_and_the_approval_does_not_wait(catalogue, citizen):
    procedure = Procedure.objects.current().get(code="1.001193")
    assert [line.name for line in compute_fees(procedure, answers={"so_ban_sao": 0}).lines] == []
    assert not may_charge(procedure, {}) and not may_charge(procedure, {"so_ban_sao": 0})
    dossier = submitted(catalogue, citizen, "1.001193", {"ho_ten": "Nguyễn Ngọc Hân"})
    assert not owes_fees(dossier)
    approve = Action(key="duyet", name="Duyệt", conditions=[Condition.PAYMENT_RECEIVED])
    assert condition_failures(approve, dossier, flow=None) == []
    request = RequestFactory().get("/", REMOTE_ADDR="113.161.7.25")
    with pytest.raises(ValidationError, match="không có khoản phí, lệ phí nào phải nộp"):
        start_payment(citizen, dossier, request)


def test_two_copies_asked_on_the_e_form_cost_16_000_without_asking_again(catalogue, citizen):
    dossier = submitted(catalogue, citizen, "1.001193", {"so_ban_sao": 2})
    assert owes_fees(dossier)
    assert fees_due(dossier).total == 16000
    assert [(line.quantity, line.amount) for line in fees_due(dossier).lines] == [(2, 16000)]
    assert list(FeeChoiceForm(dossier.procedure).fields) == []
    approve = Action(key="duyet", name="Duyệt", conditions=[Condition.PAYMENT_RECEIVED])
    assert condition_failures(approve, dossier, flow=None) == ["Chưa nộp phí, lệ phí."]
    payment, _url = start_payment(citizen, dossier, RequestFactory().get("/", REMOTE_ADDR="113.161.7.25"))
    assert payment.amount == 16000 and payment.items[0]["quantity"] == 2


def test_the_pay_page_shows_the_e_form_quantity_on_one_line(client, catalogue, citizen):
    dossier = submitted(catalogue, citizen, "1.001193", {"so_ban_sao": 2})
    client.force_login(citizen)
    page = client.get(f"/thanh-toan/ho-so/{dossier.code}/").content.decode()
    assert '<span class="money">16.000 đ</span>' in page
    assert 'name="quantity_' not in page


def test_the_check_page_shows_the_fee_total_before_submission(client, catalogue, citizen):
    procedure = Procedure.objects.current().get(code="1.001193")
    draft = actions.start_draft(citizen, procedure, catalogue["agencies"]["my_tho"])
    client.force_login(citizen)
    check = f"/ho-so/nhap/{draft.pk}/kiem-tra/"
    assert "Hồ sơ này không phải nộp phí, lệ phí." in client.get(check).content.decode()
    fields = [field for page in procedure.eform["pages"] for field in page["fields"]]
    actions.save_answers(citizen, draft, {"so_ban_sao": 2}, fields)
    page = client.get(check).content.decode()
    assert '<dt>Tổng cộng</dt><dd><strong><span class="money">16.000 đ</span></strong></dd>' in page
    assert "bạn chọn khi thanh toán" not in page


def test_the_check_page_says_when_the_total_is_settled_at_payment(client, catalogue, citizen):
    procedure = Procedure.objects.current().get(code="DT-010")  # two fees depending on the case
    draft = actions.start_draft(citizen, procedure, catalogue["agencies"]["my_tho"])
    client.force_login(citizen)
    page = client.get(f"/ho-so/nhap/{draft.pk}/kiem-tra/").content.decode()
    assert "Hồ sơ này không phải nộp phí, lệ phí." not in page
    assert "Một số khoản phí tùy trường hợp hoặc theo số lượng: bạn chọn khi thanh toán" in page


CRIMINAL_RECORD = {"loai_phieu": "so_1", "so_luong": 1}


def test_an_applicant_exempt_on_the_e_form_owes_nothing_and_is_not_asked_again(client, catalogue, citizen):
    """Điều 5 Thông tư 244/2016/TT-BTC: children, the elderly… are exempt from the fee (DT-004)."""
    dossier = submitted(catalogue, citizen, "DT-004", CRIMINAL_RECORD | {"doi_tuong_mien_giam": "mien"})
    assert fees_due(dossier).total == 0 and fees_due(dossier).lines == []
    assert [line.reason for line in fees_due(dossier).exempt] == [
        "Trẻ em, người cao tuổi, người khuyết tật, hộ nghèo, xã đặc biệt khó khăn"
    ]
    assert not owes_fees(dossier)
    assert list(FeeChoiceForm(dossier.procedure, answers=dossier.form_data).fields) == []
    approve = Action(key="duyet", name="Duyệt", conditions=[Condition.PAYMENT_RECEIVED])
    assert condition_failures(approve, dossier, flow=None) == []
    with pytest.raises(ValidationError, match="không có khoản phí, lệ phí nào phải nộp"):
        start_payment(citizen, dossier, RequestFactory().get("/", REMOTE_ADDR="113.161.7.25"))
    client.force_login(citizen)
    page = client.get(f"/thanh-toan/ho-so/{dossier.code}/").content.decode()
    assert "Hồ sơ này hiện không có khoản phí, lệ phí nào phải nộp." in page
    assert 'type="checkbox"' not in page and "200.000" not in page


def test_an_applicant_not_exempt_owes_the_fee(client, catalogue, citizen):
    dossier = submitted(catalogue, citizen, "DT-004", CRIMINAL_RECORD | {"doi_tuong_mien_giam": "khong"})
    assert owes_fees(dossier)
    assert fees_due(dossier).total == 200000 and fees_due(dossier).exempt == []
    approve = Action(key="duyet", name="Duyệt", conditions=[Condition.PAYMENT_RECEIVED])
    assert condition_failures(approve, dossier, flow=None) == ["Chưa nộp phí, lệ phí."]
    payment, _url = start_payment(citizen, dossier, RequestFactory().get("/", REMOTE_ADDR="113.161.7.25"))
    assert payment.amount == 200000
    client.force_login(citizen)
    page = client.get(f"/thanh-toan/ho-so/{dossier.code}/").content.decode()
    assert "200.000 đ" in page and 'type="checkbox"' not in page  # no other rate to tick


def test_a_fee_depending_on_the_case_is_a_labelled_checkbox(client, catalogue, citizen):
    dossier = submitted(catalogue, citizen, "DT-010", {})
    client.force_login(citizen)
    page = client.get(f"/thanh-toan/ho-so/{dossier.code}/").content.decode()
    # The case-dependent fee is a checkbox followed by its own label, not a bare box under it.
    assert re.search(r'<div class="choice">\s*<input type="checkbox" name="option_\d+"[^>]*>\s*<label', page)


def test_the_check_page_shows_the_exemption_and_its_reason(client, catalogue, citizen):
    procedure = Procedure.objects.current().get(code="DT-004")
    draft = actions.start_draft(citizen, procedure, procedure.agencies.get(code="H20.13"))
    fields = [field for page in procedure.eform["pages"] for field in page["fields"]]
    actions.save_answers(citizen, draft, {"doi_tuong_mien_giam": "mien"}, fields)
    client.force_login(citizen)
    page = client.get(f"/ho-so/nhap/{draft.pk}/kiem-tra/").content.decode()
    assert (
        "<dt>Phí cung cấp thông tin lý lịch tư pháp</dt><dd>Miễn (Trẻ em, người cao tuổi, người khuyết tật, "
        "hộ nghèo, xã đặc biệt khó khăn)</dd>"
    ) in page
    assert '<dt>Tổng cộng</dt><dd><strong><span class="money">0 đ</span></strong></dd>' in page
    assert "bạn chọn khi thanh toán" not in page and "200.000" not in page


@pytest.mark.parametrize(("case", "label"), [("sinh_vien", "Sinh viên"), ("nguoi_co_cong", "Người có công")])
def test_a_reduced_rate_replaces_the_full_fee_on_every_page(client, catalogue, citizen, case, label):
    """Điều 4 Thông tư 244/2016/TT-BTC: students and people with meritorious services pay 100.000 đ
    instead of 200.000 đ, not on top of it: the check page, the payment page, the payment and the
    receipt all say 100.000 đ."""
    from tinhso.payments.tests.conftest import gateway_result

    dossier = submitted(catalogue, citizen, "DT-004", CRIMINAL_RECORD | {"doi_tuong_mien_giam": case})
    form = FeeChoiceForm(dossier.procedure, answers=dossier.form_data)
    # Whatever the payment page lets the applicant tick, one rate is charged.
    every_option = set(form.by_option.values())
    for options in (set(), every_option):
        fees = fees_due(dossier, options=options)
        assert fees.total == 100000, options
        assert [(line.unit_amount, line.amount) for line in fees.lines] == [(100000, 100000)]
        assert label in fees.lines[0].reason
    client.force_login(citizen)
    page = client.get(f"/thanh-toan/ho-so/{dossier.code}/").content.decode()
    assert "100.000 đ" in page and "200.000" not in page and "300.000" not in page
    assert 'type="checkbox"' not in page
    payment, _url = start_payment(citizen, dossier, RequestFactory().get("/", REMOTE_ADDR="113.161.7.25"))
    assert payment.amount == 100000
    assert client.get("/thanh-toan/vnpay/ipn", gateway_result(payment)).json()["RspCode"] == "00"
    payment.refresh_from_db()
    receipt = client.get(f"/thanh-toan/bien-lai/{payment.receipt.number}/").content.decode()
    assert "100.000 đ" in receipt and "200.000" not in receipt and label in receipt


def test_the_check_page_shows_the_reduced_rate_and_why(client, catalogue, citizen):
    procedure = Procedure.objects.current().get(code="DT-004")
    draft = actions.start_draft(citizen, procedure, procedure.agencies.get(code="H20.13"))
    fields = [field for page in procedure.eform["pages"] for field in page["fields"]]
    actions.save_answers(citizen, draft, {"doi_tuong_mien_giam": "sinh_vien"}, fields)
    client.force_login(citizen)
    page = client.get(f"/ho-so/nhap/{draft.pk}/kiem-tra/").content.decode()
    assert '<dt>Tổng cộng</dt><dd><strong><span class="money">100.000 đ</span></strong></dd>' in page
    assert "Mức giảm (Sinh viên)" in page
    assert "200.000" not in page and "bạn chọn khi thanh toán" not in page


def test_every_reduced_rate_of_the_catalogue_is_charged_instead_of_the_full_one(catalogue):
    """Over the demo catalogue: an applicant entitled to a reduced rate pays the full-rate applicant's
    total less the reduction, whatever they tick on the payment page, and the payment page offers
    them no extra rate to tick."""
    reduced = [
        fee
        for procedure in Procedure.objects.current().filter(submit_online=True).prefetch_related("fees")
        for fee in procedure.fees.all()
        if fee.reduced_when
    ]
    assert "DT-004" in {fee.procedure.code for fee in reduced}
    for fee in reduced:
        procedure, rule = fee.procedure, fee.reduced_when
        full_answers = {rule["field"]: "__none__"}
        full_form = FeeChoiceForm(procedure, answers=full_answers)
        full = compute_fees(procedure, options=set(full_form.by_option.values()), answers=full_answers)
        for value in rule["values"]:
            answers = {rule["field"]: value}
            form = FeeChoiceForm(procedure, answers=answers)
            assert list(form.fields) == list(full_form.fields), (procedure.code, value)
            fees = compute_fees(procedure, options=set(form.by_option.values()), answers=answers)
            line = next(line for line in fees.lines if line.fee_id == fee.pk)
            assert (line.unit_amount, line.reason != "") == (rule["amount"], True), (procedure.code, value)
            assert fees.total == full.total - (fee.amount - rule["amount"]) * line.quantity, (
                procedure.code,
                value,
            )
