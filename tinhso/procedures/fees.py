"""What a procedure costs: its fees (``procedures.Fee``) turned into receipt lines and a total."""

from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from tinhso.procedures.models import FeeKind

MAX_QUANTITY = 1000


@dataclass(frozen=True)
class FeeLine:
    fee_id: int
    name: str
    unit_amount: int
    quantity: int
    unit: str
    amount: int
    reason: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ExemptLine:
    """A fee the applicant is exempt from, and why (the answer they gave on the e-form)."""

    fee_id: int
    name: str
    reason: str


@dataclass(frozen=True)
class FeeBreakdown:
    lines: list[FeeLine]
    total: int
    exempt: list[ExemptLine] = field(default_factory=list)

    def as_items(self) -> list[dict]:
        return [line.as_dict() for line in self.lines]


def answered_quantity(fee, answers: Mapping | None) -> int:
    """The quantity the applicant gave on the e-form for a per-copy fee (0 when unanswered)."""
    value = (answers or {}).get(fee.quantity_field)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _matched_answer(fee, rule: Mapping | None, answers: Mapping | None) -> str:
    """The label of the e-form answer that ``rule`` (``{"field", "values"}``) names, "" when the
    applicant gave none of its values."""
    rule = rule or {}
    answer = (answers or {}).get(rule.get("field"))
    if not isinstance(answer, str) or answer not in (rule.get("values") or []):
        return ""
    for page in (fee.procedure.eform or {}).get("pages") or []:
        for question in page.get("fields") or []:
            if question.get("name") == rule["field"]:
                labels = {
                    choice.get("value"): choice.get("label") for choice in question.get("choices") or []
                }
                return labels.get(answer) or answer
    return answer


def exemption(fee, answers: Mapping | None) -> str:
    """The reason ``fee`` is not owed: the label of the e-form answer named by its
    ``exempt_when`` (e.g. the persons exempt from the criminal-record certificate fee, Điều 5
    Thông tư 244/2016/TT-BTC); "" when the applicant is not exempt."""
    return _matched_answer(fee, fee.exempt_when, answers)


def rate(fee, answers: Mapping | None) -> tuple[int, str]:
    """The amount of ``fee`` for an applicant with these answers and why: its ``reduced_when``
    amount, charged instead of the full one, when the answer entitles them to it (e.g. students
    and people with meritorious services, Điều 4 Thông tư 244/2016/TT-BTC), else its amount ("")."""
    reason = _matched_answer(fee, fee.reduced_when, answers)
    return (fee.reduced_when["amount"], reason) if reason else (fee.amount, "")


def asks_quantity(fee) -> bool:
    """Whether the payment page asks for this fee's quantity (the e-form did not)."""
    return fee.kind == FeeKind.PER_UNIT and not fee.quantity_field


def chosen_at_payment(procedure, answers: Mapping | None = None) -> bool:
    """Whether some fee of ``procedure`` is only settled on the payment page (a quantity the
    e-form does not ask, or a fee that depends on the case) for an applicant with these answers."""
    return any(
        (asks_quantity(fee) or (fee.kind == FeeKind.BY_OPTION and fee.amount)) and not exemption(fee, answers)
        for fee in procedure.fees.all()
    )


def may_charge(procedure, answers: Mapping | None = None) -> bool:
    """Whether a dossier with these e-form ``answers`` can have anything to pay: a fee with an
    amount, except a per-copy fee whose copies the applicant did not ask for (e.g. the optional
    copies of an extract, Thông tư 281/2016/TT-BTC: charged per copy issued) or a fee the
    e-form answers exempt from."""
    for fee in procedure.fees.all():
        if not fee.amount or exemption(fee, answers):
            continue
        if fee.kind == FeeKind.PER_UNIT and fee.quantity_field and not answered_quantity(fee, answers):
            continue
        return True
    return False


def compute_fees(
    procedure,
    quantities: Mapping[int, int] | None = None,
    options: Collection[int] | None = None,
    answers: Mapping | None = None,
) -> FeeBreakdown:
    """The fee lines of ``procedure``: each fixed fee once; a per-unit fee times its quantity:
    the e-form answer named by its ``quantity_field`` (none or 0: not charged), else its quantity in
    ``quantities`` (by fee id, default 1, from 1 to 1000); a fee "depending on the case" only when
    its id is in ``options``. A fee the e-form answers entitle to a reduced rate (``reduced_when``)
    is charged at that rate only, with the answer as ``reason``. Zero-amount lines are left out; a
    fee the e-form answers exempt from (``exempt_when``) goes to ``exempt`` with its reason instead."""
    quantities = quantities or {}
    options = set(options or ())
    lines, exempt = [], []
    for fee in procedure.fees.all():
        quantity = 1
        if fee.kind == FeeKind.PER_UNIT and fee.quantity_field:
            quantity = answered_quantity(fee, answers)
            if not quantity:
                continue
        elif fee.kind == FeeKind.PER_UNIT:
            quantity = quantities.get(fee.pk, 1)
            if not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
                raise ValidationError(
                    gettext("The quantity for “%(fee)s” must be a whole number from 1 to %(max)d.")
                    % {"fee": fee.name, "max": MAX_QUANTITY},
                    code="quantity",
                )
        elif fee.kind == FeeKind.BY_OPTION and fee.pk not in options:
            continue
        if not fee.amount:
            continue
        reason = exemption(fee, answers)
        if reason:
            exempt.append(ExemptLine(fee_id=fee.pk, name=fee.name, reason=reason))
            continue
        amount, reason = rate(fee, answers)
        lines.append(
            FeeLine(
                fee_id=fee.pk,
                name=fee.name,
                unit_amount=amount,
                quantity=quantity,
                unit=fee.unit,
                amount=amount * quantity,
                reason=reason,
            )
        )
    return FeeBreakdown(lines=lines, total=sum(line.amount for line in lines), exempt=exempt)
