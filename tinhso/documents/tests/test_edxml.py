"""The edXML codec: what it writes validates against the schema and reads back the same; it reads
other systems' packages tolerantly; hostile or malformed packages get a clear error."""

import base64
import datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tinhso.documents import edxml

FIXTURES = Path(__file__).parent / "fixtures"
WHEN = datetime.datetime(2026, 3, 5, 9, 30, 0)


def package(**changes) -> edxml.DocumentPackage:
    values: dict[str, Any] = {
        "sender": edxml.Organ("H20", "Ủy ban nhân dân tỉnh Đồng Tháp", "Cao Lãnh"),
        "recipients": [edxml.Organ("H20.10", "Sở Nội vụ tỉnh Đồng Tháp")],
        "code_number": "07",
        "code_notation": "QĐ-UBND",
        "promulgation_date": datetime.date(2026, 3, 5),
        "subject": "Về việc giao chỉ tiêu biên chế năm 2026",
        "document_id": "H20,2026/03/05,07/QĐ-UBND",
        "type_name": "Quyết định (cá biệt)",
        "signer_competence": "KT",
        "signer_position": "Phó Chủ tịch",
        "signer_name": "Trần Văn Ký",
        "due_date": datetime.date(2026, 3, 20),
        "to_places": ["Sở Nội vụ tỉnh Đồng Tháp"],
        "priority": 1,
        "staff_department": "Văn phòng",
        "staff_name": "Nguyễn Thị Văn",
        "timestamp": WHEN,
        "attachments": [
            edxml.Attachment("quyet-dinh.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n", content_id="c-1")
        ],
    }
    values.update(changes)
    return edxml.DocumentPackage(**values)


def status(**changes) -> edxml.StatusPackage:
    values: dict[str, Any] = {
        "sender": edxml.Organ("H20.10", "Sở Nội vụ tỉnh Đồng Tháp"),
        "for_organ_id": "H20",
        "for_code": "07/QĐ-UBND",
        "for_promulgation_date": datetime.date(2026, 3, 5),
        "for_document_id": "H20,2026/03/05,07/QĐ-UBND",
        "status_code": "03",
        "description": "Đã tiếp nhận",
        "timestamp": WHEN,
        "staff_department": "Văn phòng",
        "staff_name": "Lê Văn Thư",
    }
    values.update(changes)
    return edxml.StatusPackage(**values)


def test_written_document_matches_the_golden_fixture_and_the_schema():
    written = edxml.write_document(package())
    assert written == (FIXTURES / "golden_document.edxml").read_bytes()
    assert edxml.schema().validate(etree.fromstring(written))


def test_written_status_matches_the_golden_fixture_and_the_schema():
    written = edxml.write_status(status())
    assert written == (FIXTURES / "golden_status.edxml").read_bytes()
    assert edxml.schema().validate(etree.fromstring(written))


def test_a_document_reads_back_as_written():
    read = edxml.read_document(edxml.write_document(package()))
    assert read == package(type_id=None, paper=False)


def test_a_status_reads_back_as_written():
    assert edxml.read_status(edxml.write_status(status(status_code="6"))) == status(status_code="06")


def test_another_systems_package_is_read_tolerantly():
    read = edxml.read_document((FIXTURES / "foreign_document.edxml").read_bytes())
    assert read.sender.organ_id == "000.00.00.G22"
    assert [organ.organ_id for organ in read.recipients] == ["H20"]
    assert (read.code_number, read.code_notation) == ("1234", "BNV-VP")
    assert read.promulgation_date == datetime.date(2026, 3, 5)  # written 2026-03-05
    assert read.steering_type == 1  # written 0
    assert read.priority == 1 and read.signer_name == "Nguyễn Văn Mẫu"
    assert read.attachments[0].data == b"%PDF-1.4\n%%EOF\n"
    assert read.timestamp == datetime.datetime(2026, 3, 5, 9, 15)
    assert edxml.package_kind((FIXTURES / "foreign_document.edxml").read_bytes()) == "document"


def test_a_status_one_digit_is_read_as_two():
    read = edxml.read_status((FIXTURES / "foreign_status.edxml").read_bytes())
    assert read.status_code == "01"
    assert edxml.package_kind((FIXTURES / "foreign_status.edxml").read_bytes()) == "status"


def test_every_status_code_of_the_list_is_written_with_two_digits():
    for code in ("1", "2", "3", "4", "5", "6", "13", "15", "16"):
        written = edxml.write_status(status(status_code=code))
        assert edxml.read_status(written).status_code == f"{int(code):02d}"
    with pytest.raises(edxml.EdxmlError):
        edxml.write_status(status(status_code="07"))


def test_the_writer_refuses_what_the_schema_refuses():
    with pytest.raises(edxml.EdxmlError) as error:
        edxml.write_document(package(subject="x" * 501))
    assert error.value.code == "S.edXML"
    with pytest.raises(edxml.EdxmlError) as error:
        edxml.write_document(package(recipients=[edxml.Organ("H20.10", "A"), edxml.Organ("H20.10", "B")]))
    assert error.value.code == "M.MessageHeader.To"


def _replace(old: bytes, new: bytes, source: str = "foreign_document.edxml") -> bytes:
    data = (FIXTURES / source).read_bytes()
    assert old in data
    return data.replace(old, new)


NEGATIVE = {
    "wrong namespace": (
        _replace(b"http://www.mic.gov.vn/TBT/QCVN_102_2016", b"http://example.com/edxml"),
        "M.edXML",
    ),
    "duplicate recipients": (
        _replace(
            b"<edXML:Code>",
            b"<edXML:To><edXML:OrganId>H20</edXML:OrganId><edXML:OrganName>x</edXML:OrganName>"
            b"<edXML:OrganAdd/></edXML:To><edXML:Code>",
        ),
        "M.MessageHeader.To",
    ),
    "bad promulgation date": (_replace(b"2026-03-05", b"2026/13/45"), "F.MessageHeader.PromulgationInfo"),
    "bad due date": (_replace(b"2026/03/20", b"20/03/2026"), "F.MessageHeader.DueDate"),
    "no recipient": (
        _replace(b"<edXML:OrganId>H20</edXML:OrganId>", b"<edXML:OrganId></edXML:OrganId>"),
        "N.MessageHeader.To.OrganId",
    ),
    "missing subject": (
        _replace(
            b"<edXML:Subject>V/v b\xc3\xa1o c\xc3\xa1o", b"<edXML:Content>V/v b\xc3\xa1o c\xc3\xa1o"
        ).replace(b"</edXML:Subject>", b"</edXML:Content>"),
        "N.MessageHeader.Subject",
    ),
    "inline attachment": (
        _replace(
            b"<edXML:ContentId>cid:7f0c6a4e-1</edXML:ContentId>",
            b"<edXML:ContentId>cid:7f0c6a4e-1</edXML:ContentId>"
            b"<edXML:ContentTransferEncoded>JVBERi0=</edXML:ContentTransferEncoded>",
        ),
        "F.edXMLManifest.Reference",
    ),
    "attachment outside the manifest": (
        _replace(b"<ContentId>7f0c6a4e-1</ContentId>", b"<ContentId>other</ContentId>"),
        "M.AttachmentEncoded.Attachment.ContentId",
    ),
    "bad base64": (_replace(b"JVBERi0xLjQKJSVFT0YK", b"not*base64!"), "F.AttachmentEncoded.Attachment"),
    "unknown status": (_replace(b"<StatusCode>1<", b"<StatusCode>99<", "foreign_status.edxml"), "R.Status"),
    "priority out of range": (_replace(b"<edXML:Priority>1<", b"<edXML:Priority>9<"), "R.MessageHeader"),
    "not xml": (b"\x00\x01 not xml at all", "F.edXML"),
    "another root": (
        b'<Envelope xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope/></Envelope>',
        "M.edXML",
    ),
}


@pytest.mark.parametrize("name", sorted(NEGATIVE))
def test_malformed_packages_get_a_clear_error(name):
    data, code = NEGATIVE[name]
    with pytest.raises(edxml.EdxmlError) as error:
        if edxml.package_kind(data) == "status":
            edxml.read_status(data)
        else:
            edxml.read_document(data)
    assert error.value.code.startswith(code)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope><edXMLHeader><MessageHeader>
<Subject>&secret;</Subject></MessageHeader></edXMLHeader></edXMLEnvelope></edXML>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&lol3;</edXML>"""


@pytest.mark.parametrize("data", [XXE, BILLION_LAUGHS, XXE.replace(b"DOCTYPE", b"doctype")])
def test_dtds_and_entities_are_refused_before_parsing(data):
    with pytest.raises(edxml.EdxmlError) as error:
        edxml.read_document(data)
    assert error.value.code == "F.edXML"
    assert "passwd" not in error.value.message


def test_oversized_packages_and_parts_are_refused(monkeypatch):
    monkeypatch.setattr(edxml, "MAX_PACKAGE_BYTES", 1000)
    with pytest.raises(edxml.EdxmlError) as error:
        edxml.read_document(b" " * 1001)
    assert error.value.code == "R.edXML"
    monkeypatch.setattr(edxml, "MAX_PACKAGE_BYTES", 30 * 1024 * 1024)
    monkeypatch.setattr(edxml, "MAX_ATTACHMENT_BYTES", 10)
    big = base64.b64encode(b"x" * 100)
    with pytest.raises(edxml.EdxmlError) as error:
        edxml.read_document(_replace(b"JVBERi0xLjQKJSVFT0YK", big))
    assert error.value.code == "R.AttachmentEncoded.Attachment.ContentTransferEncoded"
    with pytest.raises(edxml.EdxmlError) as error:
        edxml.write_document(package(attachments=[edxml.Attachment("a.pdf", "application/pdf", b"x" * 11)]))
    assert error.value.code == "R.Attachment"


def test_the_schema_refuses_the_negative_cases_too():
    schema = edxml.schema()
    document, status_package = edxml.write_document(package()), edxml.write_status(status())
    assert schema.validate(etree.fromstring(document)) and schema.validate(etree.fromstring(status_package))
    for source, old, new in (
        (document, b"2026/03/05</", b"2026-03-05</"),
        (document, b"<edXML:Priority>1<", b"<edXML:Priority>9<"),
        (document, b"<edXML:OrganId>H20.10</edXML:OrganId>", b""),
        (status_package, b"<edXML:StatusCode>03<", b"<edXML:StatusCode>3<"),
        (status_package, b"2026/03/05 09:30:00", b"05/03/2026 09:30"),
    ):
        assert old in source
        assert not schema.validate(etree.fromstring(source.replace(old, new)))
