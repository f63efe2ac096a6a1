"""The payments' part of the citizen's personal-data export (``tinhso.accounts.personal_data``,
Law 91/2025/QH15 art. 4): their payments and receipts."""

from tinhso.accounts import personal_data
from tinhso.payments.models import Payment, Receipt


def payment_rows(person, readable: bool) -> list[dict]:

    receipts = {receipt.payment_id: receipt for receipt in Receipt.objects.filter(payer=person)}
    rows = []
    for payment in (
        Payment.objects.filter(payer=person).select_related("dossier").order_by("created_at", "pk")
    ):
        receipt = receipts.get(payment.pk)
        rows.append(
            {
                "dossier": payment.dossier.display_code,
                "amount": payment.amount,
                "status": payment.get_status_display(),
                "created_at": payment.created_at,
                "paid_at": payment.paid_at,
                "receipt": {"number": receipt.number, "total": receipt.total, "issued_at": receipt.issued_at}
                if receipt
                else None,
            }
        )
    return rows


personal_data.register_section("payments", 2, payment_rows)
