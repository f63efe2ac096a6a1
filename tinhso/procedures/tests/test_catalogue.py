import csv
import io
import json
import unicodedata

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tinhso.audit.models import AuditEntry
from tinhso.procedures.catalogue import CatalogueError, export_document, read_catalogue, to_csv, to_json
from tinhso.procedures.models import Fee, Level, OnlineLevel, Procedure, RequiredDocument


def export(fmt="json") -> str:
    out = io.StringIO()
    call_command("export_procedures", format=fmt, stdout=out)
    return out.getvalue()


def test_demo_catalogue_loads_with_agencies_resolved(catalogue, agencies):
    procedures = Procedure.objects.all()
    assert procedures.count() >= 30
    assert procedures.filter(level=Level.COMMUNE).count() >= 15
    assert procedures.filter(level=Level.PROVINCE).count() >= 5
    # Every provincial procedure names a department of the tree; commune ones rely on the level.
    for procedure in procedures.filter(level=Level.PROVINCE):
        assert procedure.agencies.exists(), procedure.code
    assert not Procedure.objects.filter(level=Level.COMMUNE, agencies__isnull=False).exists()
    lltp = Procedure.objects.get(name__startswith="Cấp Phiếu lý lịch tư pháp cho công dân")
    # The provincial police since 1/3/2025, received at the provincial service centre too.
    assert sorted(lltp.agencies.values_list("code", flat=True)) == ["H20.13", "H20.14"]
    assert lltp.fees.get(amount=200000).unit == "lần"
    birth = Procedure.objects.get(code="1.001193")
    assert birth.name == "Đăng ký khai sinh"
    assert birth.online_level == OnlineLevel.FULL
    assert birth.eform["pages"][0]["title"] == "Người được khai sinh"
    # Every procedure has an e-form, documents and a legal basis.
    for procedure in procedures:
        assert procedure.eform.get("pages"), procedure.code
        assert procedure.documents.exists(), procedure.code
        assert procedure.legal_basis, procedure.code
    # Only national-looking codes are presented as real.
    for code in procedures.filter(is_demo_code=False).values_list("code", flat=True):
        assert code[0].isdigit() and code[1] == "."
    # Each import is audited by the system.
    assert AuditEntry.objects.filter(action="procedures.import_create").count() == procedures.count()


def test_loading_twice_changes_nothing(catalogue, agencies):
    before = export()
    ids = (
        sorted(Fee.objects.values_list("pk", flat=True)),
        sorted(RequiredDocument.objects.values_list("pk", flat=True)),
    )
    call_command("load_procedures", stdout=io.StringIO())
    assert export() == before
    # Fees and documents keep their ids: payments and dossier attachments refer to them.
    assert (
        sorted(Fee.objects.values_list("pk", flat=True)),
        sorted(RequiredDocument.objects.values_list("pk", flat=True)),
    ) == ids
    counts = (Procedure.objects.count(), len(ids[0]), len(ids[1]))
    assert AuditEntry.objects.filter(action="procedures.import_update").count() == counts[0]


def test_a_shorter_list_of_fees_drops_the_extra_rows(agencies, tmp_path):
    document = small_document()
    document["procedures"][0]["fees"].append(
        {"name": "Phí trích lục", "amount": 8000, "kind": "per_unit", "unit": "bản"}
    )
    call_command("import_procedures", str(write(tmp_path, document)), stdout=io.StringIO())
    first = Fee.objects.get(amount=15000)
    document["procedures"][0]["fees"] = [{"name": "Lệ phí", "amount": 20000, "kind": "fixed"}]
    call_command("import_procedures", str(write(tmp_path, document)), stdout=io.StringIO())
    assert list(Fee.objects.values_list("pk", "amount")) == [(first.pk, 20000)]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_round_trip_into_an_empty_database(catalogue, agencies, tmp_path, fmt):
    first = export(fmt)
    path = tmp_path / f"catalogue.{fmt}"
    path.write_text(first, encoding="utf-8")
    Fee.objects.all().delete()
    RequiredDocument.objects.all().delete()
    Procedure.objects.all().delete()
    call_command("import_procedures", str(path), stdout=io.StringIO())
    assert export(fmt) == first


def test_csv_and_json_carry_the_same_catalogue(catalogue, agencies, tmp_path):
    path = tmp_path / "catalogue.csv"
    path.write_text(to_csv(export_document()), encoding="utf-8")
    from_csv = read_catalogue(path)
    assert [item.procedure.code for item in from_csv.procedures] == sorted(
        Procedure.objects.values_list("code", flat=True)
    )
    assert to_json(export_document()) == export("json")


def write(tmp_path, document, name="catalogue.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def small_document(**changes):
    record = {
        "code": "1.004873",
        "name": "Cấp Giấy xác nhận tình trạng hôn nhân",
        "field": "ho-tich",
        "level": "commune",
        "processing_time": {"amount": 3, "unit": "working_days", "note": ""},
        "result_type": "Giấy xác nhận",
        "online_level": "full",
        "submission": {"direct": True, "online": True, "postal": True, "place": ""},
        "fees": [{"name": "Lệ phí", "amount": 15000, "kind": "fixed"}],
        "documents": [{"name": "Tờ khai theo mẫu", "originals": 1, "copies": 0, "required": True}],
        **changes,
    }
    return {
        "format": "tinhso-procedures",
        "version": 1,
        "fields": [{"code": "ho-tich", "name": "Hộ tịch"}],
        "procedures": [record],
    }


def test_a_bad_file_is_refused_whole_with_code_and_position(agencies, tmp_path):
    good = small_document()["procedures"][0]
    bad_fee = {
        **good,
        "code": "1.000894",
        "name": "Đăng ký kết hôn",
        "fees": [{"name": "Lệ phí", "amount": -5}],
    }
    bad_agency = {**good, "code": "1.000656", "name": "Đăng ký khai tử", "agencies": ["H99.01"]}
    document = small_document()
    document["procedures"] += [bad_fee, bad_agency]
    path = write(tmp_path, document)
    with pytest.raises(CommandError) as caught:
        call_command("import_procedures", str(path), stdout=io.StringIO())
    message = str(caught.value)
    assert "chưa có gì được ghi" in message
    assert "Thủ tục thứ 2 (mã 1.000894): phí 1: số tiền (đồng): Phí, lệ phí không được là số âm." in message
    assert "Thủ tục thứ 3 (mã 1.000656): không có cơ quan nào đang hoạt động có mã H99.01." in message
    assert not Procedure.objects.exists()


def test_bad_eform_and_missing_fields_are_reported(agencies, tmp_path):
    document = small_document(eform={"version": 1, "pages": [{"title": "Trang", "fields": [{"name": "x"}]}]})
    del document["procedures"][0]["result_type"]
    with pytest.raises(CatalogueError) as caught:
        read_catalogue(write(tmp_path, document))
    messages = "\n".join(caught.value.messages)
    assert "Thủ tục thứ 1 (mã 1.004873): thiếu “result_type”." in messages
    assert "Trang 1, trường “x”: trường cần có nhãn." in messages


def test_invalid_json_names_line_and_column(agencies, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "format": "tinhso-procedures",\n  "procedures": [\n}', encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        read_catalogue(path)
    assert "dòng 4" in caught.value.messages[0]


def test_csv_errors_name_the_line(catalogue, agencies, tmp_path):
    text = to_csv(export_document())
    lines = text.split("\r\n")
    lines[2] = lines[2].replace(",working_days,", ",tuần,", 1)
    path = tmp_path / "catalogue.csv"
    path.write_text("\r\n".join(lines), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        read_catalogue(path)
    code = sorted(Procedure.objects.values_list("code", flat=True))[1]
    # The line an editor shows: cells may hold line breaks, so count them.
    line = "\r\n".join(lines[:2]).count("\n") + 2
    assert caught.value.messages == [
        f"Dòng {line} (mã {code}): đơn vị thời hạn: Giá trị 'tuần' không phải là lựa chọn hợp lệ."
    ]


def test_import_normalises_to_nfc(agencies, tmp_path):
    nfd = unicodedata.normalize("NFD", "Cấp Giấy xác nhận tình trạng hôn nhân")
    document = small_document(name=nfd)
    document["fields"][0]["name"] = unicodedata.normalize("NFD", "Hộ tịch")
    call_command("import_procedures", str(write(tmp_path, document)), stdout=io.StringIO())
    procedure = Procedure.objects.get(code="1.004873")
    assert procedure.name == unicodedata.normalize("NFC", nfd)
    assert procedure.name_folded == "cap giay xac nhan tinh trang hon nhan"
    assert procedure.field.name == "Hộ tịch"


def test_duplicate_codes_are_refused(agencies, tmp_path):
    document = small_document()
    document["procedures"].append(document["procedures"][0])
    with pytest.raises(CatalogueError) as caught:
        read_catalogue(write(tmp_path, document))
    assert caught.value.messages == ["Thủ tục thứ 2 (mã 1.004873): mã này xuất hiện nhiều lần trong tệp."]


def test_templates_travel_with_the_file(agencies, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "mau").mkdir()
    (tmp_path / "mau" / "to-khai.docx").write_bytes(b"PK mau to khai")
    document = small_document()
    document["procedures"][0]["documents"][0]["template"] = "mau/to-khai.docx"
    path = write(tmp_path, document)
    call_command("import_procedures", str(path), stdout=io.StringIO())
    stored = RequiredDocument.objects.get()
    assert stored.template.read() == b"PK mau to khai"
    name = stored.template.name
    call_command("import_procedures", str(path), stdout=io.StringIO())
    assert RequiredDocument.objects.get().template.name == name
    out = tmp_path / "export" / "catalogue.json"
    out.parent.mkdir()
    call_command("export_procedures", output=str(out), stderr=io.StringIO())
    exported = json.loads(out.read_text(encoding="utf-8"))
    template = exported["procedures"][0]["documents"][0]["template"]
    assert (out.parent / template).read_bytes() == b"PK mau to khai"


def test_time_rules_and_the_partial_online_justification_travel_in_json_and_csv(agencies, tmp_path):
    """Same-day processing, financial-obligation time left out, and the public reason a service is
    only partly online (Decree 224/2026/NĐ-CP art. 14) survive JSON → database → CSV → database;
    a CSV written before these columns existed still loads."""
    reason = "Cần đối chiếu bản chính giấy tờ tùy thân tại Bộ phận Một cửa"
    document = small_document(
        processing_time={"amount": 1, "unit": "same_day", "note": "", "excludes_financial_obligations": True},
        online_level="partial",
        partial_online_justification=reason,
    )
    call_command("import_procedures", str(write(tmp_path, document)), stdout=io.StringIO())
    procedure = Procedure.objects.get(code="1.004873")
    assert (procedure.processing_unit, procedure.excludes_financial_obligations) == ("same_day", True)
    assert procedure.partial_online_justification == reason
    csv_text = export("csv")
    Procedure.objects.all().delete()
    (tmp_path / "catalogue.csv").write_text(csv_text, encoding="utf-8")
    call_command("import_procedures", str(tmp_path / "catalogue.csv"), stdout=io.StringIO())
    procedure = Procedure.objects.get(code="1.004873")
    assert procedure.excludes_financial_obligations and procedure.partial_online_justification == reason

    header, row = csv_text.lstrip("\ufeff").split("\r\n")[:2]
    names = header.split(",")
    cells = next(csv.reader([row]))
    old = [
        i
        for i, name in enumerate(names)
        if name not in ("excludes_financial_obligations", "partial_online_justification")
    ]
    old_csv = (
        ",".join(names[i] for i in old)
        + "\r\n"
        + ",".join('"' + cells[i].replace('"', '""') + '"' for i in old)
        + "\r\n"
    )
    Procedure.objects.all().delete()
    (tmp_path / "old.csv").write_text(old_csv, encoding="utf-8")
    call_command("import_procedures", str(tmp_path / "old.csv"), stdout=io.StringIO())
    procedure = Procedure.objects.get(code="1.004873")
    assert not procedure.excludes_financial_obligations and procedure.partial_online_justification == ""


def test_a_quantity_must_come_from_a_number_question_of_the_e_form(agencies, tmp_path):
    document = small_document()
    document["procedures"][0]["fees"].append(
        {
            "name": "Phí trích lục",
            "amount": 8000,
            "kind": "per_unit",
            "unit": "bản",
            "quantity_field": "so_ban",
        }
    )
    with pytest.raises(CatalogueError) as caught:
        read_catalogue(write(tmp_path, document))
    assert "phí 2: quantity_field “so_ban” không phải là câu hỏi kiểu số của tờ khai điện tử." in "\n".join(
        caught.value.messages
    )
    document["procedures"][0]["eform"] = {
        "version": 1,
        "pages": [
            {"title": "Nhận kết quả", "fields": [{"name": "so_ban", "label": "Số bản", "type": "number"}]}
        ],
    }
    call_command("import_procedures", str(write(tmp_path, document)), stdout=io.StringIO())
    assert Fee.objects.get(amount=8000).quantity_field == "so_ban"
    assert '"quantity_field": "so_ban"' in export()


EXEMPTION_QUESTION = {
    "version": 1,
    "pages": [
        {
            "title": "Yêu cầu",
            "fields": [
                {"name": "ghi_chu", "label": "Ghi chú", "type": "text"},
                {
                    "name": "doi_tuong",
                    "label": "Đối tượng miễn phí",
                    "type": "choice",
                    "choices": [{"value": "khong", "label": "Không"}, {"value": "mien", "label": "Trẻ em"}],
                },
            ],
        }
    ],
}


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"field": "khong_co"}, "exempt_when phải có đúng các khóa “field”, “values”."),
        ({"field": "khong_co", "values": ["mien"]}, "exempt_when: “khong_co” không phải là câu hỏi lựa chọn"),
        ({"field": "ghi_chu", "values": ["mien"]}, "exempt_when: “ghi_chu” không phải là câu hỏi lựa chọn"),
        ({"field": "doi_tuong", "values": []}, "exempt_when: “values” phải liệt kê các câu trả lời của"),
        ({"field": "doi_tuong", "values": ["sinh_vien"]}, "“doi_tuong” (khong, mien)."),
        ({"field": "doi_tuong", "values": "mien"}, "“values” phải liệt kê"),
    ],
)
def test_a_bad_exemption_rule_is_refused(agencies, tmp_path, rule, message):
    document = small_document()
    document["procedures"][0]["eform"] = EXEMPTION_QUESTION
    document["procedures"][0]["fees"].append({"name": "Phí", "amount": 200000, "exempt_when": rule})
    with pytest.raises(CatalogueError) as caught:
        read_catalogue(write(tmp_path, document))
    assert any("phí 2: " in line and message in line for line in caught.value.messages), caught.value.messages
    assert not Fee.objects.filter(amount=200000).exists()


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_an_exemption_rule_travels_in_json_and_csv(agencies, tmp_path, fmt):
    rule = {"field": "doi_tuong", "values": ["mien"]}
    document = small_document()
    document["procedures"][0]["eform"] = EXEMPTION_QUESTION
    document["procedures"][0]["fees"].append({"name": "Phí", "amount": 200000, "exempt_when": rule})
    call_command("import_procedures", str(write(tmp_path, document)), stdout=io.StringIO())
    assert Fee.objects.get(amount=200000).exempt_when == rule
    exported = export(fmt)
    Procedure.objects.all().delete()
    path = tmp_path / f"again.{fmt}"
    path.write_text(exported, encoding="utf-8")
    call_command("import_procedures", str(path), stdout=io.StringIO())
    assert Fee.objects.get(amount=200000).exempt_when == rule
    assert not Fee.objects.exclude(amount=200000).exclude(exempt_when={}).exists()


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {"field": "doi_tuong", "values": ["khong"]},
            "reduced_when phải có đúng các khóa “amount”, “field”, “values”.",
        ),
        (
            {"field": "ghi_chu", "values": ["khong"], "amount": 1000},
            "reduced_when: “ghi_chu” không phải là câu hỏi",
        ),
        ({"field": "doi_tuong", "values": ["x"], "amount": 1000}, "reduced_when: “values” phải liệt kê"),
        (
            {"field": "doi_tuong", "values": ["khong"], "amount": 0},
            "“amount” phải là số đồng nguyên lớn hơn 0",
        ),
        ({"field": "doi_tuong", "values": ["khong"], "amount": 200000}, "nhỏ hơn mức thu của khoản phí"),
        ({"field": "doi_tuong", "values": ["khong"], "amount": "100000"}, "“amount” phải là số đồng nguyên"),
        ({"field": "doi_tuong", "values": ["mien"], "amount": 1000}, "reduced_when: mien cũng được miễn"),
    ],
)
def test_a_bad_reduced_rate_is_refused(agencies, tmp_path, rule, message):
    document = small_document()
    document["procedures"][0]["eform"] = EXEMPTION_QUESTION
    document["procedures"][0]["fees"].append(
        {
            "name": "Phí",
            "amount": 200000,
            "exempt_when": {"field": "doi_tuong", "values": ["mien"]},
            "reduced_when": rule,
        }
    )
    with pytest.raises(CatalogueError) as caught:
        read_catalogue(write(tmp_path, document))
    assert any("phí 2: " in line and message in line for line in caught.value.messages), caught.value.messages
    assert not Fee.objects.filter(amount=200000).exists()


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_reduced_rate_travels_in_json_and_csv(agencies, tmp_path, fmt):
    rule = {"field": "doi_tuong", "values": ["khong"], "amount": 100000}
    document = small_document()
    document["procedures"][0]["eform"] = EXEMPTION_QUESTION
    document["procedures"][0]["fees"].append({"name": "Phí", "amount": 200000, "reduced_when": rule})
    call_command("import_procedures", str(write(tmp_path, document)), stdout=io.StringIO())
    assert Fee.objects.get(amount=200000).reduced_when == rule
    exported = export(fmt)
    Procedure.objects.all().delete()
    path = tmp_path / f"again.{fmt}"
    path.write_text(exported, encoding="utf-8")
    call_command("import_procedures", str(path), stdout=io.StringIO())
    assert Fee.objects.get(amount=200000).reduced_when == rule
    assert not Fee.objects.exclude(amount=200000).exclude(reduced_when={}).exists()
