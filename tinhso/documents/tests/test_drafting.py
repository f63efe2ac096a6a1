"""Drafting from the templates per type, rendered in the layout of Decree 30/2020 Appendix I and
read back from the PDF; versions; the review route with co-signatures, and the leader's signature
only once it is complete (Art. 10–13)."""

from io import BytesIO
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from pypdf import PdfReader

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.audit.models import AuditEntry
from tinhso.documents import actions, drafting, drafts
from tinhso.documents.models import (
    DocumentEvent,
    DraftVersion,
    OutgoingDocument,
    ReviewStep,
    Secrecy,
    Urgency,
)
from tinhso.signing import actions as signing_actions
from tinhso.signing.pdf import verify_pdf

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"


def pdf_of(document) -> PdfReader:
    document.refresh_from_db()
    with document.file.open("rb") as handle:
        return PdfReader(BytesIO(handle.read()))


def text_of(reader: PdfReader) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def fonts_of(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def form(**fields: Any) -> drafting.DraftInput:
    values: dict[str, Any] = {
        "subject": "Về việc tổ chức hội nghị tổng kết năm 2026",
        "body": "Đoạn thứ nhất của văn bản.\n\nĐoạn thứ hai của văn bản.",
        "addressees": "Sở Nội vụ tỉnh Đồng Tháp",
        "grounds": "Căn cứ Luật Tổ chức chính quyền địa phương\nCăn cứ đề nghị của Chánh Văn phòng",
        "articles": "Tổ chức hội nghị tổng kết năm 2026.\n\nQuyết định này có hiệu lực kể từ ngày ký.",
        "recipients": "UBND các xã, phường;\n- Sở Nội vụ",
        "unit_symbol": "VP",
        "signer_competence": "KT.",
        "signer_position": "Chủ tịch",
        "signer_title": "Phó Chủ tịch",
        "authority": "Chủ tịch Ủy ban nhân dân tỉnh Đồng Tháp",
    }
    values.update(fields)
    return drafting.DraftInput(**values)


@pytest.fixture
def reviewers(agencies, pc_staff):
    head = factories.make_officer(agencies["pc"], "pc.head", Role.SPECIALIST, "Phạm Văn Trưởng")
    legal = factories.make_officer(agencies["pc"], "pc.legal", Role.SPECIALIST, "Võ Thị Pháp")
    return {"head": head, "legal": legal}


@pytest.mark.parametrize("type_code", list(drafts.TEMPLATES))
def test_each_template_renders_the_appendix_i_layout_in_a_serif_font(agencies, pc_staff, type_code):
    specialist, leader = pc_staff["specialist"], pc_staff["leader"]
    document = drafting.draft_from_template(
        specialist, agencies["pc"], type_code, form(signer=leader, subject="Về việc thử mẫu văn bản")
    )

    reader = pdf_of(document)
    text = text_of(reader)
    assert NATION in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert agencies["pc"].name.upper() in text
    assert "Về việc thử mẫu văn bản" in text
    assert "Số: ……/" in text and "ngày …… tháng …… năm ……" in text
    assert "Trần Văn Lãnh" in text and "Nơi nhận:" in text and "- Lưu: VT, VP." in text
    fonts = fonts_of(reader)
    serif = ("Liberation-Serif", "LiberationSerif", "TimesNewRoman", "Times-New-Roman")
    assert fonts and all(any(family in name for family in serif) for name in fonts), fonts
    assert document.versions.count() == 1
    assert list(document.events.values_list("kind", flat=True)) == ["drafted", "version"]


def test_a_decision_has_grounds_articles_and_its_authority(agencies, pc_staff):
    document = drafting.draft_from_template(
        pc_staff["specialist"], agencies["pc"], "quyet_dinh", form(signer=pc_staff["leader"], body="")
    )
    text = text_of(pdf_of(document))
    assert "QUYẾT ĐỊNH Về việc tổ chức hội nghị" in text
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH ĐỒNG THÁP" in text
    assert "Căn cứ Luật Tổ chức chính quyền địa phương; Căn cứ đề nghị của Chánh Văn phòng." in text
    assert "QUYẾT ĐỊNH:" in text
    assert "Điều 1. Tổ chức hội nghị tổng kết năm 2026." in text
    assert "Điều 2. Quyết định này có hiệu lực kể từ ngày ký./." in text
    assert "KT. CHỦ TỊCH PHÓ CHỦ TỊCH" in text
    assert "Kính gửi" not in text  # a decision has no addressees
    assert document.reference == "" and document.symbol == ""


def test_a_letter_has_its_subject_under_the_number_and_addressees(agencies, pc_staff):
    document = drafting.draft_from_template(
        pc_staff["specialist"],
        agencies["pc"],
        "cong_van",
        form(addressees="Sở Nội vụ\nSở Tài chính", recipients="Như trên"),
    )
    text = text_of(pdf_of(document))
    assert "Số: ……/UBND-VP" in text and "V/v Về việc tổ chức hội nghị" in text
    assert "Kính gửi: - Sở Nội vụ; - Sở Tài chính." in text
    assert "Đoạn thứ hai của văn bản./." in text
    assert "- Như trên; - Lưu: VT, VP." in text


@pytest.mark.parametrize(
    ("type_code", "changes", "code"),
    [
        ("nghi_quyet", {}, "type"),
        ("cong_van", {"addressees": "  "}, "required"),
        ("cong_van", {"unit_symbol": ""}, "unit_symbol"),
        ("quyet_dinh", {"grounds": ""}, "required"),
        ("quyet_dinh", {"articles": ""}, "required"),
        ("thong_bao", {"body": ""}, "required"),
        ("thong_bao", {"subject": ""}, "required"),
        ("thong_bao", {"signer_competence": "XYZ."}, "competence"),
        ("thong_bao", {"subject": "x" * 501}, "max_length"),
    ],
)
def test_bad_drafts_are_refused_and_nothing_is_written(agencies, pc_staff, type_code, changes, code):
    with pytest.raises(ValidationError) as refusal:
        drafting.draft_from_template(pc_staff["specialist"], agencies["pc"], type_code, form(**changes))
    assert refusal.value.code == code
    assert not OutgoingDocument.objects.exists() and not DraftVersion.objects.exists()


def test_the_signer_must_be_a_leader_and_the_drafter_of_the_agency(agencies, pc_staff, dept_staff):
    with pytest.raises(ValidationError) as refusal:
        drafting.draft_from_template(
            pc_staff["specialist"], agencies["pc"], "thong_bao", form(signer=pc_staff["clerk"])
        )
    assert refusal.value.code == "signer"
    with pytest.raises(PermissionDenied):
        drafting.draft_from_template(dept_staff["specialist"], agencies["pc"], "thong_bao", form())
    assert not OutgoingDocument.objects.exists()


def test_each_save_keeps_a_version_on_the_timeline(agencies, pc_staff, dept_staff):
    specialist = pc_staff["specialist"]
    document = drafting.draft_from_template(specialist, agencies["pc"], "thong_bao", form())
    first_file = document.file.name

    version = drafting.save_version(specialist, document, form(body="Nội dung đã sửa lần hai."))
    assert version.number == 2 and version.parts["paragraphs"] == ["Nội dung đã sửa lần hai."]
    assert "Nội dung đã sửa lần hai./." in text_of(pdf_of(document))
    assert document.file.name != first_file
    assert document.versions.get(number=1).file.name == first_file  # the first one is kept
    notes = list(document.events.filter(kind=DocumentEvent.Kind.VERSION).values_list("note", flat=True))
    assert notes == ["v1", "v2"]
    assert AuditEntry.objects.filter(action="documents.draft_version").count() == 1

    with pytest.raises(PermissionDenied):
        drafting.save_version(dept_staff["specialist"], document, form())
    assert document.versions.count() == 2


def test_an_uploaded_draft_has_no_versions_to_save(agencies, pc_staff):
    document = actions.create_draft(
        pc_staff["specialist"], agencies["pc"], type_code="thong_bao", subject="S"
    )
    with pytest.raises(ValidationError) as refusal:
        drafting.save_version(pc_staff["specialist"], document, form())
    assert refusal.value.code == "no_template"


# The review route.


@pytest.fixture
def certified(agencies):
    signing_actions.issue_agency_certificate(None, agencies["pc"])
    return agencies


def test_route_in_order_with_co_signature_then_the_leader_signs_and_the_clerk_issues(
    certified, pc_staff, reviewers
):
    specialist, leader, clerk = pc_staff["specialist"], pc_staff["leader"], pc_staff["clerk"]
    head, legal = reviewers["head"], reviewers["legal"]
    document = drafting.draft_from_template(specialist, certified["pc"], "quyet_dinh", form(signer=leader))
    first, second = drafting.send_for_review(
        specialist,
        document,
        [
            drafting.RouteStep(head, 1, "Trưởng phòng: nội dung", initials=True),
            drafting.RouteStep(legal, 2, "Pháp chế: thể thức"),
        ],
    )
    assert (first.state, second.state) == ("pending", "waiting")
    with pytest.raises(ValidationError) as refusal:
        actions.sign_draft(leader, document)
    assert refusal.value.code == "review"
    with pytest.raises(ValidationError):  # the second reviewer's turn has not come
        drafting.review_draft(legal, second, approve=True)

    drafting.review_draft(head, first, approve=True, opinion="Đồng ý nội dung.")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == "approved" and first.initialled_at is not None
    assert second.state == "pending"
    with pytest.raises(ValidationError) as refusal:
        drafting.review_draft(head, first, approve=True)
    assert refusal.value.code == "not_pending"

    drafting.review_draft(legal, second, approve=True)
    assert drafts.route_state(document) == "complete"
    signed = actions.sign_draft(leader, document)
    issued = actions.issue_document(clerk, signed)
    assert issued.reference == "01/QĐ-UBND"
    with issued.file.open("rb") as handle:
        assert verify_pdf(handle.read()).valid

    kinds = list(issued.events.values_list("kind", "note"))
    assert [kind for kind, _note in kinds] == [
        "drafted",
        "version",
        "review_sent",
        "rv_approved",
        "rv_approved",
        "signed",
        "issued",
    ]
    assert kinds[3][1].endswith("Đồng ý nội dung.") and kinds[3][1] != "Đồng ý nội dung."  # initialled
    assert AuditEntry.objects.filter(action="documents.review").count() == 2


def test_parallel_reviewers_and_a_return_ends_the_round(certified, pc_staff, reviewers):
    agencies = certified
    specialist, leader = pc_staff["specialist"], pc_staff["leader"]
    document = drafting.draft_from_template(specialist, agencies["pc"], "to_trinh", form(signer=leader))
    head_step, legal_step = drafting.send_for_review(
        specialist,
        document,
        [drafting.RouteStep(reviewers["head"], 1), drafting.RouteStep(reviewers["legal"], 1)],
    )
    assert head_step.state == legal_step.state == "pending"

    with pytest.raises(ValidationError) as refusal:
        drafting.review_draft(reviewers["head"], head_step, approve=False, opinion="  ")
    assert refusal.value.code == "required"
    head_step.refresh_from_db()
    assert head_step.state == "pending"

    drafting.review_draft(reviewers["head"], head_step, approve=False, opinion="Sửa lại đoạn hai.")
    legal_step.refresh_from_db()
    assert legal_step.state == "cancelled" and drafts.route_state(document) == "returned"
    with pytest.raises(ValidationError):
        actions.sign_draft(leader, document)

    drafting.save_version(specialist, document, form(signer=leader, body="Đoạn đã sửa."))
    (again,) = drafting.send_for_review(specialist, document, [drafting.RouteStep(reviewers["head"], 1)])
    assert again.round == 2 and again.version.number == 2
    drafting.review_draft(reviewers["head"], again, approve=True)
    assert actions.sign_draft(leader, document).signed_at is not None


def test_a_draft_changed_after_its_approval_is_reviewed_again(agencies, pc_staff, reviewers):
    specialist, leader = pc_staff["specialist"], pc_staff["leader"]
    document = drafting.draft_from_template(specialist, agencies["pc"], "thong_bao", form(signer=leader))
    (step,) = drafting.send_for_review(specialist, document, [drafting.RouteStep(reviewers["head"])])
    with pytest.raises(ValidationError) as refusal:  # not while the reviewer has it
        drafting.save_version(specialist, document, form(signer=leader))
    assert refusal.value.code == "in_review"
    drafting.review_draft(reviewers["head"], step, approve=True)
    drafting.save_version(specialist, document, form(signer=leader, body="Thay đổi sau khi duyệt."))
    with pytest.raises(ValidationError) as refusal:
        actions.sign_draft(leader, document)
    assert refusal.value.code == "review_changed"


def test_route_refusals_change_nothing(agencies, pc_staff, dept_staff, reviewers):
    specialist = pc_staff["specialist"]
    document = drafting.draft_from_template(specialist, agencies["pc"], "thong_bao", form())
    head = reviewers["head"]
    cases = [
        ([], "route"),
        ([drafting.RouteStep(head), drafting.RouteStep(head, 2)], "duplicate_reviewer"),
        ([drafting.RouteStep(specialist)], "own_draft"),
        ([drafting.RouteStep(dept_staff["leader"])], "reviewer"),
        ([drafting.RouteStep(head, 0)], "stage"),
    ]
    for route, code in cases:
        with pytest.raises(ValidationError) as refusal:
            drafting.send_for_review(specialist, document, route)
        assert refusal.value.code == code
    with pytest.raises(PermissionDenied):
        drafting.send_for_review(dept_staff["specialist"], document, [drafting.RouteStep(head)])
    assert not ReviewStep.objects.exists()
    assert not document.events.filter(kind=DocumentEvent.Kind.REVIEW_SENT).exists()

    (step,) = drafting.send_for_review(specialist, document, [drafting.RouteStep(head)])
    with pytest.raises(ValidationError) as refusal:
        drafting.send_for_review(specialist, document, [drafting.RouteStep(reviewers["legal"])])
    assert refusal.value.code == "in_review"
    for stranger in (reviewers["legal"], specialist, pc_staff["leader"]):
        with pytest.raises(PermissionDenied):
            drafting.review_draft(stranger, step, approve=True)
    step.refresh_from_db()
    assert step.state == "pending"


def test_a_specialist_reviewer_may_read_the_draft(agencies, pc_staff, reviewers):
    from tinhso.accounts.permissions import can

    document = drafting.draft_from_template(pc_staff["specialist"], agencies["pc"], "thong_bao", form())
    assert not can(reviewers["head"], "documents.view_outgoing", document)
    drafting.send_for_review(pc_staff["specialist"], document, [drafting.RouteStep(reviewers["head"])])
    assert can(reviewers["head"], "documents.view_outgoing", document)
    assert not can(reviewers["legal"], "documents.view_outgoing", document)


def test_a_reviewed_signed_and_issued_draft_passes_the_recipients_signature_check(
    certified, pc_staff, dept_staff, reviewers, django_capture_on_commit_callbacks
):
    """The recipient compares the PDF with the header: the leader's name is in the first of the
    two signatures, the number and symbol in the field the văn thư filled at issue."""
    specialist, leader, clerk = pc_staff["specialist"], pc_staff["leader"], pc_staff["clerk"]
    document = drafting.draft_from_template(specialist, certified["pc"], "cong_van", form(signer=leader))
    (step,) = drafting.send_for_review(specialist, document, [drafting.RouteStep(reviewers["head"])])
    drafting.review_draft(reviewers["head"], step, approve=True)
    issued = actions.issue_document(clerk, actions.sign_draft(leader, document))
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = actions.send_document(clerk, issued, [certified["dept"]])
    delivery.refresh_from_db()
    incoming = delivery.incoming
    assert incoming.signer_name == "Trần Văn Lãnh" and incoming.reference == "01/UBND-VP"
    assert incoming.signature_findings == [] and incoming.signature_check == "matches"
    assert actions.register_incoming(dept_staff["clerk"], incoming).arrival_number == 1


def test_the_clerk_does_not_number_a_draft_still_in_review(agencies, pc_staff, reviewers):
    specialist, clerk = pc_staff["specialist"], pc_staff["clerk"]
    document = drafting.draft_from_template(specialist, agencies["pc"], "thong_bao", form())
    (step,) = drafting.send_for_review(specialist, document, [drafting.RouteStep(reviewers["head"])])
    with pytest.raises(ValidationError) as refusal:
        actions.issue_document(clerk, document)
    assert refusal.value.code == "review"
    document.refresh_from_db()
    assert (document.state, document.number) == ("draft", None)
    drafting.review_draft(reviewers["head"], step, approve=True)
    assert actions.issue_document(clerk, document).reference == "01/TB-UBND"


def test_the_co_signatures_show_at_the_end_of_the_content_of_the_signed_document(
    certified, pc_staff, reviewers
):
    specialist, leader, clerk = pc_staff["specialist"], pc_staff["leader"], pc_staff["clerk"]
    head, legal = reviewers["head"], reviewers["legal"]
    document = drafting.draft_from_template(specialist, certified["pc"], "quyet_dinh", form(signer=leader))
    first, second = drafting.send_for_review(
        specialist,
        document,
        [drafting.RouteStep(head, 1, initials=True), drafting.RouteStep(legal, 2)],
    )
    drafting.review_draft(head, first, approve=True)
    drafting.review_draft(legal, second, approve=True)
    assert drafts.initials(document) == "PVT", "only the reviewer asked to initial"
    version = text_of(PdfReader(BytesIO(document.versions.get().file.read())))
    assert "hiệu lực kể từ ngày ký./." in version and "PVT" not in version

    signed = actions.sign_draft(leader, document)
    assert "hiệu lực kể từ ngày ký./. PVT" in text_of(pdf_of(signed))
    issued = actions.issue_document(clerk, signed)
    with issued.file.open("rb") as handle:
        data = handle.read()
    assert verify_pdf(data).valid and "ngày ký./. PVT" in text_of(PdfReader(BytesIO(data)))


def test_a_new_round_without_co_signature_drops_the_old_initials(agencies, pc_staff, reviewers):
    specialist, leader = pc_staff["specialist"], pc_staff["leader"]
    document = drafting.draft_from_template(specialist, agencies["pc"], "thong_bao", form(signer=leader))
    (step,) = drafting.send_for_review(
        specialist, document, [drafting.RouteStep(reviewers["head"], initials=True)]
    )
    drafting.review_draft(reviewers["head"], step, approve=True)
    assert drafts.initials(document) == "PVT"
    drafting.save_version(specialist, document, form(signer=leader, body="Nội dung đã sửa."))
    (again,) = drafting.send_for_review(specialist, document, [drafting.RouteStep(reviewers["legal"])])
    drafting.review_draft(reviewers["legal"], again, approve=True)
    assert drafts.initials(document) == ""


def test_the_urgency_and_secrecy_marks_are_printed_in_capitals(agencies, pc_staff):
    """Appendix I, III.2: the marks in bold capitals (the secrecy mark above the urgency one), in
    Vietnamese whatever the language of the page the specialist drafts on."""
    with translation.override("en"):
        document = drafting.draft_from_template(
            pc_staff["specialist"],
            agencies["pc"],
            "cong_van",
            form(signer=pc_staff["leader"], urgency=Urgency.FLASH, secrecy=Secrecy.CONFIDENTIAL),
        )
    text = text_of(pdf_of(document))
    assert "MẬT" in text and "HỎA TỐC" in text
    assert text.index("MẬT") < text.index("HỎA TỐC")
    assert "CONFIDENTIAL" not in text and "FLASH" not in text
