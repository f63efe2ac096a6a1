"""The edXML codec (QCVN 102:2016/BTTTT, amended by SĐ1:2022): document and status packages.

Strict on what it writes: every package written is validated against ``schema/edxml.xsd``
(an invalid one is a bug and raises). Tolerant on what it reads (a status code "1" is "01", a
date "2026-03-05" is 2026/03/05, a ``SteeringType`` 0 is 1, elements may carry any prefix of the
namespace), but never with hostile input: no DTD and no entities (XXE, billion laughs), a size
limit on the package and on each base64 part, and a clear ``EdxmlError`` (with the path of the
element, e.g. ``MessageHeader.To``) for a wrong namespace, a missing element, duplicate
recipients, a bad date or an attachment the manifest does not bind.

Status codes (Bkav eGovCloud and Viettel vOffice code lists; the standard's own table is not in
the stored material): 01 arrived, 02 refused, 03 received, 04 assigned, 05 in progress, 06 done,
13 pull-back requested, 15 pull-back accepted, 16 pull-back refused.

Checked against public sample packages and SDK builders (the standard's text itself was not
available): the element names and nesting of the document package, the ``edXML:`` prefix inside
the envelope, the cid binding of attachments, the date formats. Not verified: the wrapping of the
status package (only a SOAP variant was seen; here ``Status`` sits in ``edXMLHeader``), the
integer code table of ``DocumentType/Type`` (not written), the optional ``BussinessDocumentInfo``
of ``Bussiness`` (neither written nor read), ``ReplacementInfoList`` (written and read with the
nesting of the VNPT SDK builder: ``ReplacementInfo`` = ``DocumentId`` + ``OrganIdList/OrganId``), and the
amendment SĐ1:2022's changes beyond the agency identifier (``OrganId`` allows 35 characters here, the
platform's agency codes; Decree 30 Appendix VI says 13).
"""

import base64
import binascii
import datetime
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.utils.translation import pgettext_lazy
from lxml import etree

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
XLINK = "http://www.w3.org/1999/xlink"
SCHEMA_PATH = Path(__file__).parent / "schema" / "edxml.xsd"

MAX_PACKAGE_BYTES = 30 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 20
MAX_RECIPIENTS = 500

DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"

STATUS_ARRIVED = "01"
STATUS_REFUSED = "02"
STATUS_RECEIVED = "03"
STATUS_ASSIGNED = "04"
STATUS_IN_PROGRESS = "05"
STATUS_DONE = "06"
STATUS_LABELS = {
    "01": pgettext_lazy("document status", "arrived"),
    "02": pgettext_lazy("document status", "returned to the sender"),
    "03": pgettext_lazy("document status", "received and registered"),
    "04": pgettext_lazy("document status", "assigned"),
    "05": pgettext_lazy("document status", "in progress"),
    "06": pgettext_lazy("document status", "handled"),
    "13": pgettext_lazy("document status", "pull-back requested"),
    "15": pgettext_lazy("document status", "pull-back accepted"),
    "16": pgettext_lazy("document status", "pull-back refused"),
}

BUSINESS_NEW, BUSINESS_REVOKE, BUSINESS_UPDATE, BUSINESS_REPLACE = 0, 1, 2, 3


class EdxmlError(ValueError):
    """A package that cannot be read, or that breaks a rule; ``code`` is like Bkav's checker:
    "N." missing, "R." out of range, "M." mismatch, "F." format, then the element path."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class Organ:
    organ_id: str
    name: str
    address: str = ""
    email: str = ""
    telephone: str = ""
    in_charge: str = ""


@dataclass
class Attachment:
    name: str
    content_type: str
    data: bytes
    description: str = ""
    content_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class DocumentPackage:
    sender: Organ
    recipients: list[Organ]
    code_number: str
    code_notation: str
    promulgation_date: datetime.date
    subject: str
    document_id: str
    place: str = ""
    type_id: int | None = None
    type_name: str = ""
    content: str = ""
    signer_competence: str = ""
    signer_position: str = ""
    signer_name: str = ""
    due_date: datetime.date | None = None
    to_places: list[str] = field(default_factory=list)
    priority: int = 0
    steering_type: int = 1
    business_type: int = BUSINESS_NEW
    business_reason: str = ""
    replaced_document_ids: list[str] = field(default_factory=list)
    staff_department: str = ""
    staff_name: str = ""
    paper: bool = False
    timestamp: datetime.datetime | None = None
    attachments: list[Attachment] = field(default_factory=list)


@dataclass
class StatusPackage:
    sender: Organ
    for_organ_id: str
    for_code: str
    for_promulgation_date: datetime.date
    for_document_id: str
    status_code: str
    description: str
    timestamp: datetime.datetime
    staff_department: str = ""
    staff_name: str = ""


def document_id(organ_id: str, day: datetime.date, reference: str) -> str:
    """The edXML ``DocumentId``: "<OrganId>,<yyyy/MM/dd>,<number>/<notation>"."""
    return f"{organ_id},{day:%Y/%m/%d},{reference}"


# Writing.


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH), parser=_parser()))


def _el(parent, name: str, text=None, **attrs):
    element = etree.SubElement(parent, f"{{{NS}}}{name}", attrs)
    if text is not None:
        element.text = str(text)
    return element


def _organ(parent, name: str, organ: Organ) -> None:
    element = _el(parent, name)
    _el(element, "OrganId", organ.organ_id)
    if organ.in_charge:
        _el(element, "OrganizationInCharge", organ.in_charge)
    _el(element, "OrganName", organ.name)
    _el(element, "OrganAdd", organ.address)
    if organ.email:
        _el(element, "Email", organ.email)
    if organ.telephone:
        _el(element, "Telephone", organ.telephone)


def _staff(parent, department: str, staff: str) -> None:
    element = _el(parent, "StaffInfo")
    _el(element, "Department", department)
    _el(element, "Staff", staff)


def _root():
    """The root in the default namespace, the envelope and all it holds with the ``edXML:``
    prefix (the layout of the standard's samples; national-axis integrators report packages
    refused for another nesting)."""
    root = etree.Element(f"{{{NS}}}edXML", nsmap={None: NS})
    envelope = etree.SubElement(root, f"{{{NS}}}edXMLEnvelope", nsmap={"edXML": NS})
    return root, envelope


def _finish(root) -> bytes:
    valid = schema()
    if not valid.validate(root):
        raise EdxmlError("S.edXML", f"the package written breaks the schema: {valid.error_log.last_error}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def write_document(package: DocumentPackage) -> bytes:
    """The document package as bytes, validated against the schema."""
    organ_ids = [organ.organ_id for organ in package.recipients]
    if len(set(organ_ids)) != len(organ_ids):
        raise EdxmlError("M.MessageHeader.To", "a recipient is listed twice")
    root, envelope = _root()
    header = _el(envelope, "edXMLHeader")
    message = _el(header, "MessageHeader")
    _organ(message, "From", package.sender)
    for organ in package.recipients:
        _organ(message, "To", organ)
    code = _el(message, "Code")
    _el(code, "CodeNumber", package.code_number)
    _el(code, "CodeNotation", package.code_notation)
    info = _el(message, "PromulgationInfo")
    if package.place:
        _el(info, "Place", package.place)
    _el(info, "PromulgationDate", package.promulgation_date.strftime(DATE_FORMAT))
    if package.type_name or package.type_id is not None:
        doc_type = _el(message, "DocumentType")
        if package.type_id is not None:
            _el(doc_type, "Type", package.type_id)
        if package.type_name:
            _el(doc_type, "TypeName", package.type_name)
    _el(message, "Subject", package.subject)
    if package.content:
        _el(message, "Content", package.content)
    if package.signer_name or package.signer_position or package.signer_competence:
        signer = _el(message, "SignerInfo")
        if package.signer_competence:
            _el(signer, "Competence", package.signer_competence)
        if package.signer_position:
            _el(signer, "Position", package.signer_position)
        if package.signer_name:
            _el(signer, "FullName", package.signer_name)
    if package.due_date:
        _el(message, "DueDate", package.due_date.strftime(DATE_FORMAT))
    if package.to_places:
        places = _el(message, "ToPlaces")
        for place in package.to_places:
            _el(places, "Place", place)
    other = _el(message, "OtherInfo")
    _el(other, "Priority", package.priority)
    _el(message, "SteeringType", package.steering_type)
    _el(message, "DocumentId", package.document_id)
    trace = _el(
        header,
        "TraceHeaderList",
        id=hashlib.sha256(package.document_id.encode()).hexdigest()[:12],
        version="1.0",
        mustUnderstand="1",
        actor="http://schemas.xmlsoap.org/soap/actor/next",
    )
    stamp = _el(trace, "TraceHeader")
    _el(stamp, "OrganId", package.sender.organ_id)
    _el(stamp, "Timestamp", (package.timestamp or datetime.datetime.now()).strftime(TIMESTAMP_FORMAT))
    business = _el(trace, "Bussiness")
    _el(business, "BussinessDocType", package.business_type)
    _el(business, "BussinessDocReason", package.business_reason)
    _el(business, "DocumentId", package.document_id)
    _staff(business, package.staff_department, package.staff_name)
    _el(business, "Paper", int(package.paper))
    if package.replaced_document_ids:
        replacements = _el(business, "ReplacementInfoList")
        for replaced in package.replaced_document_ids:
            info = _el(replacements, "ReplacementInfo")
            _el(info, "DocumentId", replaced)
            organs = _el(info, "OrganIdList")
            for organ in package.recipients:
                _el(organs, "OrganId", organ.organ_id)
    body = _el(envelope, "edXMLBody")
    manifest = _el(body, "edXMLManifest", version="1.0")
    encoded = _el(root, "AttachmentEncoded")
    for attachment in package.attachments:
        if len(attachment.data) > MAX_ATTACHMENT_BYTES:
            raise EdxmlError("R.Attachment", f"{attachment.name} is larger than the limit")
        reference = etree.SubElement(
            manifest,
            f"{{{NS}}}Reference",
            nsmap={"xlink": XLINK},
            attrib={
                f"{{{XLINK}}}href": f"cid:{attachment.content_id}",
                f"{{{XLINK}}}role": "XLinkRole",
                f"{{{XLINK}}}type": "simple",
            },
        )
        if attachment.description:
            _el(reference, "Description", attachment.description)
        _el(reference, "AttachmentName", attachment.name)
        _el(reference, "ContentType", attachment.content_type)
        _el(reference, "ContentId", f"cid:{attachment.content_id}")
        part = _el(encoded, "Attachment")
        _el(part, "ContentType", attachment.content_type)
        _el(part, "ContentId", attachment.content_id)
        if attachment.description:
            _el(part, "Description", attachment.description)
        _el(part, "ContentTransferEncoded", base64.b64encode(attachment.data).decode("ascii"))
        _el(part, "AttachmentName", attachment.name)
    return _finish(root)


def write_status(package: StatusPackage) -> bytes:
    """The status package (edXML ``Status``), validated against the schema."""
    code = normalise_status(package.status_code)
    root, envelope = _root()
    header = _el(envelope, "edXMLHeader")
    status = _el(header, "Status")
    response_for = _el(status, "ResponseFor")
    _el(response_for, "OrganId", package.for_organ_id)
    _el(response_for, "Code", package.for_code)
    _el(response_for, "PromulgationDate", package.for_promulgation_date.strftime(DATE_FORMAT))
    _el(response_for, "DocumentId", package.for_document_id)
    _organ(status, "From", package.sender)
    _el(status, "StatusCode", code)
    _el(status, "Description", package.description)
    _el(status, "Timestamp", package.timestamp.strftime(TIMESTAMP_FORMAT))
    _staff(status, package.staff_department, package.staff_name)
    return _finish(root)


# Reading.


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse(data: bytes):
    """The root element of a package, refusing DTDs, entities, oversized or non-XML input."""
    if not isinstance(data, bytes | bytearray):
        raise EdxmlError("F.edXML", "the package must be bytes")
    if len(data) > MAX_PACKAGE_BYTES:
        raise EdxmlError("R.edXML", "the package is larger than the limit")
    if DOCTYPE.search(data):
        raise EdxmlError("F.edXML", "document type declarations and entities are not accepted")
    try:
        root = etree.fromstring(bytes(data), parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise EdxmlError("F.edXML", f"not well-formed XML: {exc.msg}") from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise EdxmlError("F.edXML", "document type declarations are not accepted")
    if etree.QName(root).namespace != NS:
        raise EdxmlError("M.edXML", f"the root element must be edXML in the namespace {NS}")
    if etree.QName(root).localname != "edXML":
        raise EdxmlError("M.edXML", "the root element must be edXML")
    return root


def _child(parent, name: str, path: str, required: bool = True):
    element = parent.find(f"{{{NS}}}{name}")
    if element is None and required:
        raise EdxmlError(f"N.{path}.{name}", f"{name} is missing")
    return element


def _text(parent, name: str, path: str, required: bool = True, max_length: int | None = None) -> str:
    element = _child(parent, name, path, required)
    value = (element.text or "").strip() if element is not None else ""
    if required and not value:
        raise EdxmlError(f"N.{path}.{name}", f"{name} is empty")
    if max_length is not None and len(value) > max_length:
        raise EdxmlError(f"R.{path}.{name}", f"{name} is longer than {max_length} characters")
    return value


def parse_date(value: str, path: str) -> datetime.date:
    """yyyy/MM/dd (the standard), also yyyy-MM-dd."""
    for pattern in (DATE_FORMAT, "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    raise EdxmlError(f"F.{path}", f"{value!r} is not a date yyyy/MM/dd")


def parse_timestamp(value: str, path: str) -> datetime.datetime:
    for pattern in (TIMESTAMP_FORMAT, "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M:%S"):
        try:
            return datetime.datetime.strptime(value.strip(), pattern)
        except ValueError:
            continue
    raise EdxmlError(f"F.{path}", f"{value!r} is not a time yyyy/MM/dd HH:mm:ss")


def normalise_status(value: str) -> str:
    """ "1" and "01" are status 01; anything outside the code list is refused."""
    value = (value or "").strip()
    if value.isdigit() and len(value) <= 2:
        code = f"{int(value):02d}"
        if code in STATUS_LABELS:
            return code
    raise EdxmlError("R.Status.StatusCode", f"unknown status code {value!r}")


def _int(value: str, path: str, default: int, low: int, high: int) -> int:
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise EdxmlError(f"F.{path}", f"{value!r} is not a number") from None
    if not low <= number <= high:
        raise EdxmlError(f"R.{path}", f"{number} is out of range {low}–{high}")
    return number


def _read_organ(element, path: str) -> Organ:
    return Organ(
        organ_id=_text(element, "OrganId", path, max_length=35),
        name=_text(element, "OrganName", path, required=False, max_length=200),
        address=_text(element, "OrganAdd", path, required=False),
        email=_text(element, "Email", path, required=False),
        telephone=_text(element, "Telephone", path, required=False),
        in_charge=_text(element, "OrganizationInCharge", path, required=False),
    )


def _header(root):
    envelope = _child(root, "edXMLEnvelope", "edXML")
    return envelope, _child(envelope, "edXMLHeader", "edXMLEnvelope")


def package_kind(data: bytes) -> str:
    """ "document" or "status", from the header (after the same safety checks as reading)."""
    _envelope, header = _header(parse(data))
    if _child(header, "Status", "edXMLHeader", required=False) is not None:
        return "status"
    _child(header, "MessageHeader", "edXMLHeader")
    return "document"


def _read_attachments(root, envelope) -> list[Attachment]:
    body = _child(envelope, "edXMLBody", "edXMLEnvelope", required=False)
    manifest = _child(body, "edXMLManifest", "edXMLBody", required=False) if body is not None else None
    references = {}
    if manifest is not None:
        for reference in manifest.findall(f"{{{NS}}}Reference"):
            if reference.find(f"{{{NS}}}ContentTransferEncoded") is not None:
                raise EdxmlError(
                    "F.edXMLManifest.Reference", "attachments must be bound by cid, not carried inline"
                )
            content_id = _text(reference, "ContentId", "edXMLManifest.Reference").removeprefix("cid:")
            references[content_id] = reference
    encoded = _child(root, "AttachmentEncoded", "edXML", required=False)
    parts = encoded.findall(f"{{{NS}}}Attachment") if encoded is not None else []
    if len(parts) > MAX_ATTACHMENTS:
        raise EdxmlError("R.AttachmentEncoded", f"more than {MAX_ATTACHMENTS} attachments")
    attachments = []
    max_encoded = (MAX_ATTACHMENT_BYTES + 2) // 3 * 4
    for part in parts:
        path = "AttachmentEncoded.Attachment"
        content_id = _text(part, "ContentId", path).removeprefix("cid:")
        if content_id not in references:
            raise EdxmlError(f"M.{path}.ContentId", f"attachment {content_id} is not in the manifest")
        encoded_text = "".join((_child(part, "ContentTransferEncoded", path).text or "").split())
        if len(encoded_text) > max_encoded:
            raise EdxmlError(f"R.{path}.ContentTransferEncoded", "the attachment is larger than the limit")
        try:
            data = base64.b64decode(encoded_text, validate=True)
        except (binascii.Error, ValueError):
            raise EdxmlError(
                f"F.{path}.ContentTransferEncoded", "the attachment is not valid base64"
            ) from None
        attachments.append(
            Attachment(
                name=_text(part, "AttachmentName", path, max_length=200),
                content_type=_text(part, "ContentType", path),
                description=_text(part, "Description", path, required=False),
                data=data,
                content_id=content_id,
            )
        )
        references.pop(content_id)
    if references:
        raise EdxmlError("M.edXMLManifest.Reference", "the manifest lists an attachment the package lacks")
    return attachments


def read_document(data: bytes) -> DocumentPackage:
    root = parse(data)
    envelope, header = _header(root)
    path = "MessageHeader"
    message = _child(header, "MessageHeader", "edXMLHeader")
    sender = _read_organ(_child(message, "From", path), f"{path}.From")
    to_elements = message.findall(f"{{{NS}}}To")
    if not to_elements:
        raise EdxmlError(f"N.{path}.To", "the package has no recipient")
    if len(to_elements) > MAX_RECIPIENTS:
        raise EdxmlError(f"R.{path}.To", "too many recipients")
    recipients = [_read_organ(element, f"{path}.To") for element in to_elements]
    organ_ids = [organ.organ_id for organ in recipients]
    if len(set(organ_ids)) != len(organ_ids):
        raise EdxmlError(f"M.{path}.To", "a recipient is listed twice")
    code = _child(message, "Code", path)
    info = _child(message, "PromulgationInfo", path)
    doc_type = _child(message, "DocumentType", path, required=False)
    signer = _child(message, "SignerInfo", path, required=False)
    places = _child(message, "ToPlaces", path, required=False)
    other = _child(message, "OtherInfo", path, required=False)
    due = _text(message, "DueDate", path, required=False)
    trace = _child(header, "TraceHeaderList", "edXMLHeader", required=False)
    business = _child(trace, "Bussiness", "TraceHeaderList", required=False) if trace is not None else None
    stamps = trace.findall(f"{{{NS}}}TraceHeader") if trace is not None else []
    staff = _child(business, "StaffInfo", "Bussiness", required=False) if business is not None else None
    type_id = _text(doc_type, "Type", f"{path}.DocumentType", required=False) if doc_type is not None else ""
    return DocumentPackage(
        sender=sender,
        recipients=recipients,
        code_number=_text(code, "CodeNumber", f"{path}.Code", max_length=11),
        code_notation=_text(code, "CodeNotation", f"{path}.Code", max_length=30),
        place=_text(info, "Place", f"{path}.PromulgationInfo", required=False),
        promulgation_date=parse_date(
            _text(info, "PromulgationDate", f"{path}.PromulgationInfo"),
            f"{path}.PromulgationInfo.PromulgationDate",
        ),
        type_id=_int(type_id, f"{path}.DocumentType.Type", 0, 0, 9999) if type_id else None,
        type_name=_text(doc_type, "TypeName", f"{path}.DocumentType", required=False, max_length=100)
        if doc_type is not None
        else "",
        subject=_text(message, "Subject", path, max_length=500),
        content=_text(message, "Content", path, required=False, max_length=500),
        signer_competence=_text(signer, "Competence", f"{path}.SignerInfo", required=False)
        if signer is not None
        else "",
        signer_position=_text(signer, "Position", f"{path}.SignerInfo", required=False, max_length=100)
        if signer is not None
        else "",
        signer_name=_text(signer, "FullName", f"{path}.SignerInfo", required=False, max_length=50)
        if signer is not None
        else "",
        due_date=parse_date(due, f"{path}.DueDate") if due else None,
        to_places=[(element.text or "").strip()[:150] for element in places.findall(f"{{{NS}}}Place")]
        if places is not None
        else [],
        priority=_int(
            _text(other, "Priority", f"{path}.OtherInfo", required=False) if other is not None else "",
            f"{path}.OtherInfo.Priority",
            0,
            0,
            4,
        ),
        steering_type=max(
            1, _int(_text(message, "SteeringType", path, required=False), f"{path}.SteeringType", 1, 0, 3)
        ),
        document_id=_text(message, "DocumentId", path, max_length=100),
        business_type=_int(
            _text(business, "BussinessDocType", "Bussiness", required=False) if business is not None else "",
            "Bussiness.BussinessDocType",
            BUSINESS_NEW,
            0,
            3,
        ),
        business_reason=_text(business, "BussinessDocReason", "Bussiness", required=False)
        if business is not None
        else "",
        staff_department=_text(staff, "Department", "StaffInfo", required=False) if staff is not None else "",
        staff_name=_text(staff, "Staff", "StaffInfo", required=False) if staff is not None else "",
        paper=bool(business is not None and _text(business, "Paper", "Bussiness", required=False) == "1"),
        replaced_document_ids=_replaced(business),
        timestamp=parse_timestamp(_text(stamps[0], "Timestamp", "TraceHeader"), "TraceHeader.Timestamp")
        if stamps
        else None,
        attachments=_read_attachments(root, envelope),
    )


def _replaced(business) -> list[str]:
    """The ``DocumentId`` of each ``ReplacementInfo`` of a replacement."""
    replacements = (
        _child(business, "ReplacementInfoList", "Bussiness", required=False) if business is not None else None
    )
    if replacements is None:
        return []
    path = "Bussiness.ReplacementInfoList.ReplacementInfo"
    return [
        _text(info, "DocumentId", path, max_length=100)
        for info in replacements.findall(f"{{{NS}}}ReplacementInfo")
    ]


def read_status(data: bytes) -> StatusPackage:
    _envelope, header = _header(parse(data))
    path = "Status"
    status = _child(header, "Status", "edXMLHeader")
    response_for = _child(status, "ResponseFor", path)
    staff = _child(status, "StaffInfo", path, required=False)
    return StatusPackage(
        sender=_read_organ(_child(status, "From", path), f"{path}.From"),
        for_organ_id=_text(response_for, "OrganId", f"{path}.ResponseFor", max_length=35),
        for_code=_text(response_for, "Code", f"{path}.ResponseFor", required=False),
        for_promulgation_date=parse_date(
            _text(response_for, "PromulgationDate", f"{path}.ResponseFor"),
            f"{path}.ResponseFor.PromulgationDate",
        ),
        for_document_id=_text(response_for, "DocumentId", f"{path}.ResponseFor", max_length=100),
        status_code=normalise_status(_text(status, "StatusCode", path)),
        description=_text(status, "Description", path, required=False, max_length=500),
        timestamp=parse_timestamp(_text(status, "Timestamp", path), f"{path}.Timestamp"),
        staff_department=_text(staff, "Department", "StaffInfo", required=False) if staff is not None else "",
        staff_name=_text(staff, "Staff", "StaffInfo", required=False) if staff is not None else "",
    )
