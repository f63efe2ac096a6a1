"""Form 07 as the 2025 book: one book per field of procedures and year with each dossier's number
in it (also printed on Form 01), the competent agency and the transfer dates from the handoffs,
and how the applicant receives the result."""

import datetime
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.dossiers.codes import issue_book_number
from tinhso.dossiers.models import Dossier
from tinhso.motcua import actions
from tinhso.official_forms.rendering import register_rows, render_form, render_register_xlsx
from tinhso.official_forms.tests.test_forms import nfc, read
from tinhso.procedures.models import Field
from tinhso.workflows.actions import perform_action
from tinhso.workflows.demo import PROVINCIAL_LICENCE, load_flow
from tinhso.workflows.models import StepRecord

from .fixtures import submit

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
YEAR = (datetime.date(TODAY.year, 1, 1), datetime.date(TODAY.year, 12, 31))


def test_transferred_dossier_names_the_competent_agency_and_the_dates(
    citizen, procedure, desk, officer, specialist
):
    load_flow(dict(PROVINCIAL_LICENCE, key="giay-phep-thu-nghiem"), procedure)
    other_pc = desk.parent.parent.children.get(code="H20.202")
    consulted = factories.make_officer(other_pc, "chuyenvien.caolanh", Role.SPECIALIST)
    dossier = submit(citizen, procedure, desk)
    actions.accept_dossier(officer, dossier, assignee=specialist)
    perform_action(specialist, dossier, "tham_dinh")
    perform_action(specialist, dossier, "xin_y_kien", agency=other_pc)
    perform_action(consulted, dossier, "gui_y_kien", note="Đồng ý")
    away, back = StepRecord.objects.filter(dossier=dossier).order_by("at", "pk")[2:4]

    (row,) = register_rows(desk, *YEAR)
    assert row["handling_agency"] == other_pc.name
    assert row["transferred_at"] == away.at
    assert row["result_received_at"] == back.at
    assert row["result_method"] == "Nhận trực tiếp"
    sheet = load_workbook(BytesIO(render_register_xlsx([row], desk, YEAR))).active
    headers = [cell.value for cell in sheet[5]]
    cells = dict(zip(headers, [cell.value for cell in sheet[6]], strict=True))
    assert cells["Cơ quan chủ trì giải quyết"] == other_pc.name
    assert cells["Chuyển hồ sơ đến cơ quan giải quyết"] is not None
    assert cells["Phương thức nhận kết quả"] == "Nhận trực tiếp"


def test_books_are_kept_per_field_and_year(citizen, procedure, desk, officer, specialist):
    first = actions.accept_dossier(officer, submit(citizen, procedure, desk), assignee=specialist)
    second = actions.accept_dossier(officer, submit(citizen, procedure, desk), assignee=specialist)
    land = Field.objects.create(code="dat-dai", name="Đất đai")
    other = factories.make_procedure(code="1.000002", eform={}, documents=False)
    other.field = land
    other.save()
    third = actions.receive_at_counter(officer, desk, other, {"name": "Lê Văn Tám"}, [], assignee=specialist)
    # A new year opens a new book, whatever the last number of the year before.
    new_year = datetime.datetime(TODAY.year + 1, 1, 1, tzinfo=timezone.get_current_timezone())
    assert issue_book_number(desk.pk, procedure.field_id, new_year - datetime.timedelta(seconds=1)) == 3
    assert issue_book_number(desk.pk, procedure.field_id, new_year) == 1

    rows = register_rows(desk, *YEAR)
    books = {row["code"]: (row["book"], row["entry"]) for row in rows}
    field = procedure.field.code.upper()
    assert books[first.code] == (f"{field}/{TODAY.year}", 1)
    assert books[second.code] == (f"{field}/{TODAY.year}", 2)
    assert books[third.code] == (f"DAT-DAI/{TODAY.year}", 1)
    assert [row["code"] for row in register_rows(desk, *YEAR, field=land)] == [third.code]

    text = read(render_form(1, Dossier.objects.get(pk=second.pk)))
    assert nfc(f"Quyển số: {field}/{TODAY.year}, Số thứ tự: 2") in text
