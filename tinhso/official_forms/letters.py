"""Numbers and symbols of the forms sent as agency letters (Forms 04 and 05).

Decree 30/2020/NĐ-CP Art. 15(1) and Appendix I, I.3: the number is the order of issue in the
agency's calendar year, in one series for all its documents unless the agency head chose one per
type; a letter is one of the agency's documents, so it takes its number in the series of its type
through the documents' numbering (``tinhso.documents.numbering``), the one a công văn or a
thông báo of the same agency takes: gap-free, concurrent issuers take turns, a rolled-back issue
gives its number back. The number is written with a leading 0 below 10, then "/" and the symbol,
its groups joined by "-". A notice (Thông báo, Form 05) is "TB-<agency>"; the apology of Form 04
is a letter (công văn), "<agency>-<desk or field>", here the agency and the one-stop abbreviation
"MC".
"""

import datetime

from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.agencies.codes import agency_symbol
from tinhso.agencies.models import Agency
from tinhso.documents import doctypes, numbering
from tinhso.dossiers.models import Dossier
from tinhso.official_forms.models import Letter

# The document type each letter is (Decree 30/2020/NĐ-CP Art. 7) and its symbol.
TYPES = {4: doctypes.CONG_VAN, 5: "thong_bao"}
SYMBOLS = {4: "{agency}-MC", 5: "TB-{agency}"}


def issue_letter(
    dossier: Dossier,
    form_number: int,
    agency: Agency,
    actor: User | None,
    at: datetime.datetime | None = None,
) -> Letter:
    """Register Form ``form_number`` of ``dossier`` in ``agency``'s outgoing register. Call inside
    the transaction of the action that issues the form."""
    at = at or timezone.now()
    year = numbering.local_year(at)
    series = numbering.series_for(agency.pk, TYPES[form_number])
    number = numbering.next_value(agency.pk, year, series)
    symbol = SYMBOLS[form_number].format(agency=agency_symbol(agency))
    return Letter.objects.create(
        dossier=dossier,
        form_number=form_number,
        agency=agency,
        year=year,
        series=series,
        number=number,
        reference=numbering.format_reference(number, symbol),
        issued_at=at,
        actor=actor,
    )


def last_letter(dossier: Dossier, form_number: int) -> Letter | None:
    return (
        Letter.objects.filter(dossier=dossier, form_number=form_number)
        .select_related("agency")
        .order_by("-issued_at", "-pk")
        .first()
    )
