import pytest
from weasyprint import HTML

from tinhso import testing as factories
from tinhso.signing import actions as signing_actions


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def agencies(db):
    return factories.make_province()["agencies"]


@pytest.fixture
def desk(agencies):
    return agencies["my_tho"]


@pytest.fixture
def certificate(desk):
    return signing_actions.issue_agency_certificate(None, desk)


@pytest.fixture
def procedure(db):
    return factories.make_procedure(eform={}, optional_document=False)


@pytest.fixture
def citizen(db):
    return factories.make_citizen()


@pytest.fixture
def dossier(procedure, desk, citizen):
    return factories.make_dossier(procedure, desk, applicant=citizen)


@pytest.fixture
def leader(desk):
    return factories.make_officer(desk, "lanhdao.mytho", factories.LEADER, name="Lê Văn Hùng")


RESULT_HTML = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Giấy khai sinh</title>
<style>body { font-family: "DejaVu Serif"; }</style></head>
<body><h1>GIẤY KHAI SINH</h1><p>Họ, chữ đệm, tên: Nguyễn Ngọc Hân</p></body></html>"""


@pytest.fixture(scope="session")
def result_pdf():
    return HTML(string=RESULT_HTML).write_pdf()
