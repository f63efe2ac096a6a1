"""The document phases' work (issue 17): drafts to number, arrived packages to register, and a
year of registered documents in one agency's incoming register.

Run inside Django after the officer-actions phase::

    python -m bench.documents --out DIR --count N --year-documents M

The sender is the provincial People's Committee, the recipient a department. Writes
``DIR/numbering.tsv`` and ``DIR/registering.tsv`` ("token<TAB>path<TAB>json body", each line used
once) and prints a JSON summary with the inbox's path and the recipient clerk's token. The rows
are written in bulk (what is measured is numbering, registering and reading, not the drafting
or the exchange that brought the packages); the arrived packages are linked to deliveries of
issued documents, so that registering one queues its "03" status package like a real arrival.
"""

import argparse
import datetime
import json
import random
from pathlib import Path

import django

YEAR_SUBJECTS = (
    "Về việc triển khai kế hoạch chuyển đổi số năm {year}",
    "Về việc báo cáo tình hình thực hiện nhiệm vụ tháng {month}",
    "Về việc phòng, chống thiên tai và tìm kiếm cứu nạn",
    "Về việc tổ chức hội nghị sơ kết công tác cải cách hành chính",
    "Về việc góp ý dự thảo quy chế làm việc",
)


def prepare(out: Path, count: int, year_documents: int, rng_seed: int = 17) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from bench.officers import officer, token_for
    from tinhso.accounts.models import Role
    from tinhso.agencies.codes import agency_symbol
    from tinhso.agencies.models import Agency, AgencyKind
    from tinhso.core.text import fold
    from tinhso.documents import edxml, numbering
    from tinhso.documents.models import Delivery, IncomingDocument, OutgoingDocument, SeriesCounter

    today = timezone.localdate()
    sender = Agency.objects.valid_on(today).filter(kind=AgencyKind.PROVINCIAL_PC).order_by("pk").first()
    recipient = Agency.objects.valid_on(today).filter(kind=AgencyKind.DEPARTMENT).order_by("pk").first()
    if sender is None or recipient is None:
        raise RuntimeError("the benchmark province has no People's Committee or no department")
    sender_clerk = officer(f"bench.vanthu.{sender.code}", sender, Role.DOCUMENT_CLERK)
    recipient_clerk = officer(f"bench.vanthu.{recipient.code}", recipient, Role.DOCUMENT_CLERK)
    sender_token, recipient_token = token_for(sender_clerk), token_for(recipient_clerk)
    now = timezone.now()
    rng = random.Random(rng_seed)
    symbol = f"TB-{agency_symbol(sender)}"
    with transaction.atomic():
        drafts = OutgoingDocument.objects.bulk_create(
            OutgoingDocument(
                agency=sender,
                type_code="thong_bao",
                subject=f"Thông báo số {n} (đo tải)",
                created_by=sender_clerk,
                search_folded=fold(f"Thông báo số {n} (đo tải)"),
            )
            for n in range(count)
        )
        # The documents that brought the arrived packages: issued in a series of their own.
        sent = OutgoingDocument.objects.bulk_create(
            OutgoingDocument(
                agency=sender,
                type_code="thong_bao",
                subject=f"Thông báo gửi Sở số {n + 1}",
                state=OutgoingDocument.State.ISSUED,
                series="bench",
                year=today.year,
                number=n + 1,
                symbol=symbol,
                issued_at=now,
                document_id=edxml.document_id(sender.code, today, f"{n + 1:02d}/{symbol}"),
                created_by=sender_clerk,
            )
            for n in range(count)
        )
        deliveries = Delivery.objects.bulk_create(
            Delivery(document=document, recipient=recipient, transport=Delivery.Transport.DELIVERED)
            for document in sent
        )
        arrived = IncomingDocument.objects.bulk_create(
            IncomingDocument(
                agency=recipient,
                source=IncomingDocument.Source.EXCHANGE,
                delivery=delivery,
                sender_code=sender.code,
                sender_name=sender.name,
                code_number=f"{document.number:02d}",
                code_notation=symbol,
                type_name="Thông báo",
                subject=document.subject,
                promulgation_date=today,
                document_id=document.document_id,
                arrived_at=now,
                search_folded=fold(f"{document.subject} {sender.name}"),
            )
            for document, delivery in zip(sent, deliveries, strict=True)
        )
        # A year of the recipient's register, numbered per calendar year as registration does.
        start = now - datetime.timedelta(days=365)
        moments = sorted(
            start + datetime.timedelta(seconds=rng.randrange(365 * 86400)) for _ in range(year_documents)
        )
        numbers: dict[int, int] = {}
        year_rows = []
        for index, moment in enumerate(moments):
            year = numbering.local_year(moment)
            numbers[year] = numbers.get(year, 0) + 1
            subject = rng.choice(YEAR_SUBJECTS).format(year=year, month=timezone.localdate(moment).month)
            year_rows.append(
                IncomingDocument(
                    agency=recipient,
                    source=IncomingDocument.Source.PAPER,
                    sender_name=f"Ủy ban nhân dân xã số {index % 97 + 1}",
                    code_number=str(index % 400 + 1),
                    code_notation="UBND-VP",
                    type_name="Công văn",
                    subject=subject,
                    promulgation_date=timezone.localdate(moment),
                    state=IncomingDocument.State.REGISTERED,
                    arrived_at=moment,
                    registered_at=moment,
                    year=year,
                    arrival_number=numbers[year],
                    search_folded=fold(subject),
                )
            )
        IncomingDocument.objects.bulk_create(year_rows, batch_size=2000)
        for year, value in numbers.items():
            SeriesCounter.objects.update_or_create(
                agency=recipient, year=year, series=numbering.INCOMING_SERIES, defaults={"value": value}
            )
    (out / "numbering.tsv").write_text(
        "".join(f"{sender_token}\t/api/v1/documents/outgoing/{draft.pk}/issue\t{{}}\n" for draft in drafts)
    )
    (out / "registering.tsv").write_text(
        "".join(
            f"{recipient_token}\t/api/v1/documents/incoming/{document.pk}/register\t{{}}\n"
            for document in arrived
        )
    )
    return {
        "drafts": len(drafts),
        "arrived": len(arrived),
        "year_documents": year_documents,
        "inbox_path": f"/api/v1/documents/incoming?agency={recipient.code}",
        "inbox_token": recipient_token,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--year-documents", type=int, required=True)
    options = parser.parse_args(argv)
    django.setup()
    print(json.dumps(prepare(options.out, options.count, options.year_documents)))


if __name__ == "__main__":
    main()
