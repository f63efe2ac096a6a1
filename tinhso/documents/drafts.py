"""Templates of outgoing documents per type, their rendering as a PDF, and the state of a draft's
review route.

A template says which parts a type has and gives the standard text blocks the specialist starts
from. The layout is that of Decree 30/2020/NĐ-CP Appendix I (checked in the stored text of the
decree's Appendix I): A4, margins 20–25/15–20/20–25/30–35 mm (I.1–3), Times New Roman in black
(I.4; Liberation Serif, metric-compatible, where it is not installed), page numbers from the
second page at the top centre (I.7); national title in capitals 12–13 bold and the motto 13–14
bold under a rule (II.1); parent body in capitals and issuing body in bold capitals under a
rule (II.2); "Số:" 13 (II.3); the place and date in italics 13–14 on the line of the number
(II.4); type name in bold capitals and subject in bold, under a rule, or for a letter "V/v …"
12–13 under the number (II.5); the grounds ("Căn cứ …") in italics, each ending with ";" and
the last with "." (II.6(a)); articles "Điều 1." in bold (II.6(đ)); body 13–14 justified with a
first-line indent of 1–1.27 cm and 6 pt between paragraphs (II.6(e)); the signer's authority
and position in bold capitals and the name in bold (II.7); "Kính gửi:" for letters, submissions
and reports to a superior (II.9(b)) and "Nơi nhận:" in bold italics 12 with its list in 11,
each line "- …;" and the last "- Lưu: VT, <unit>." (II.9); urgency and secrecy marks in bold
capitals (III.2).
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import translation

from tinhso.agencies.places import place_name
from tinhso.core.pdf import html_to_pdf
from tinhso.documents import doctypes, numbering
from tinhso.documents.models import OutgoingDocument, ReviewStep

COMPETENCES = ("", "TM.", "Q.", "KT.", "TL.", "TUQ.")  # Appendix I, II.7(b)


@dataclass(frozen=True)
class Template:
    """What a draft of one type is made of, and the text it starts with."""

    type_code: str
    addressees: bool = False  # "Kính gửi" (Appendix I, II.9(b))
    grounds: bool = False  # "Căn cứ …" (II.6(a))
    articles: bool = False  # "Điều 1. …" (II.6(đ))
    body: str = ""
    closing_articles: tuple[str, ...] = field(default_factory=tuple)
    recipients: tuple[str, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return doctypes.BY_CODE[self.type_code].name


TEMPLATES: dict[str, Template] = {
    template.type_code: template
    for template in (
        Template(doctypes.CONG_VAN, addressees=True, recipients=("Như trên",)),
        Template(
            "quyet_dinh",
            grounds=True,
            articles=True,
            closing_articles=(
                "Quyết định này có hiệu lực kể từ ngày ký.",
                "Chánh Văn phòng, Thủ trưởng các cơ quan, đơn vị và cá nhân có liên quan chịu "
                "trách nhiệm thi hành Quyết định này.",
            ),
            recipients=("Như Điều 3",),
        ),
        Template(
            "to_trinh",
            addressees=True,
            body="Kính trình xem xét, quyết định.",
            recipients=("Như trên",),
        ),
        Template("bao_cao", addressees=True, recipients=("Như trên",)),
        Template("thong_bao"),
        Template(
            "ke_hoach",
            body="I. MỤC ĐÍCH, YÊU CẦU\n\nII. NỘI DUNG\n\nIII. TỔ CHỨC THỰC HIỆN",
        ),
        Template(
            "giay_moi",
            body="Trân trọng kính mời:\n\nTới dự:\n\nThời gian:\n\nĐịa điểm:",
        ),
    )
}
CHOICES = [(code, template.name) for code, template in TEMPLATES.items()]


def lines(text: str) -> list[str]:
    """One entry per non-empty line, without the list marks and end punctuation the layout adds."""
    return [
        line.strip().lstrip("-–•").strip().rstrip(";.").strip() for line in text.splitlines() if line.strip()
    ]


def blocks(text: str) -> list[str]:
    """Paragraphs (or articles) separated by an empty line; the lines of one are joined."""
    result, current = [], []
    for line in text.splitlines():
        if line.strip():
            current.append(line.strip())
        elif current:
            result.append(" ".join(current))
            current = []
    if current:
        result.append(" ".join(current))
    return result


def initials(document: OutgoingDocument) -> str:
    """The co-signatures (ký nháy) of the reviewers who initialled the latest round, in route
    order: each reviewer's initials ("Phạm Văn Trưởng": "PVT"), separated by "/"."""
    steps = document.review_steps.filter(
        round=current_round(document), state=ReviewStep.State.APPROVED, initialled_at__isnull=False
    ).select_related("reviewer")
    marks = []
    for step in steps:
        words = (step.reviewer.full_name or step.reviewer.get_username()).split()
        marks.append("".join(word[0] for word in words).upper())
    return "/".join(marks)


def render(document: OutgoingDocument, parts: dict[str, Any], initialled: str = "") -> bytes:
    """The draft as a PDF in the layout of Appendix I, the number and date left blank for the
    văn thư (``tinhso.documents.signatures`` fills them at issue). ``initialled``: the reviewers'
    co-signatures. Neither Decree 30/2020 nor its Appendix I gives them a place (not found in the
    text; practice, as the agencies' rules on văn thư work put it): at the end of the last line
    of the content, after "./."."""
    agency = document.agency
    letter = document.type_code == doctypes.CONG_VAN
    with translation.override("vi"):  # the document is in Vietnamese whatever the page's language
        marks = [str(document.get_secrecy_display())] if document.secrecy else []
        if document.urgency:
            marks.append(str(document.get_urgency_display()))
    grounds = parts.get("grounds", [])
    paragraphs, articles = list(parts.get("paragraphs", [])), list(parts.get("articles", []))
    last = articles or paragraphs
    if last:
        last[-1] = last[-1].rstrip(" .") + "./."  # the end of the content (Appendix III models)
    filing = ", ".join(["VT", *([parts["unit"]] if parts.get("unit") else [])])
    html = render_to_string(
        "documents/pdf/drafted.html",
        {
            "document": document,
            "parent": agency.parent.name if agency.parent else "",
            "symbol": numbering.symbol_for(document),
            "letter": letter,
            "type_name": document.doc_type.name.split(" (")[0],
            "place": place_name(agency),
            "marks": marks,
            "authority": parts.get("authority", ""),
            "addressees": parts.get("addressees", []),
            "grounds": [f"{text};" for text in grounds[:-1]] + [f"{text}." for text in grounds[-1:]],
            "paragraphs": paragraphs,
            "articles": articles,
            "recipients": parts.get("recipients", []),
            "filing": filing,
            "signer_title": parts.get("signer_title", ""),
            "initialled": initialled,
        },
    )
    return html_to_pdf(html)


# The review route.


def current_round(document: OutgoingDocument) -> int:
    return document.review_steps.aggregate(last=Max("round"))["last"] or 0


def route_state(document: OutgoingDocument) -> str:
    """ "none" (never sent for review), "open", "returned", "changed" (approved, then edited:
    Art. 11(2) sends it back) or "complete"."""
    steps = list(document.review_steps.filter(round=current_round(document)))
    if not steps:
        return "none"
    states = {step.state for step in steps}
    if ReviewStep.State.RETURNED in states:
        return "returned"
    if states != {ReviewStep.State.APPROVED}:
        return "open"
    latest = document.versions.order_by("-number").values_list("pk", flat=True).first()
    if latest is not None and any(step.version_id != latest for step in steps):
        return "changed"
    return "complete"
