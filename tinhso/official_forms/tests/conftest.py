import pytest

from tinhso import testing as factories


@pytest.fixture
def agencies(db):
    return factories.make_province()["agencies"]


@pytest.fixture
def desk(agencies):
    return agencies["my_tho"]


@pytest.fixture
def procedure(db):
    return factories.make_procedure(eform={}, optional_document=False)


@pytest.fixture
def citizen(db):
    return factories.make_citizen()


@pytest.fixture
def dossier(procedure, desk, citizen):
    return factories.make_dossier(procedure, desk, applicant=citizen)
