"""The OpenAPI document describes what the API answers: one component per schema class, every error
status declared, and answers that validate against it."""

import re

import pytest
from jsonschema import Draft202012Validator
from ninja import Schema

from tinhso.api import api


@pytest.fixture(scope="module")
def document():
    return api.get_openapi_schema()


def answer_validator(document, path, method, status):
    """A validator for the JSON body the document declares for ``method path`` answering ``status``."""
    declared = document["paths"][path][method]["responses"][str(status)]
    schema = declared["content"]["application/json"]["schema"]
    return Draft202012Validator({**schema, "components": document["components"]})


def schema_classes(cls=Schema):
    for subclass in cls.__subclasses__():
        if subclass.__module__.startswith("tinhso."):
            yield subclass
        yield from schema_classes(subclass)


def test_no_two_schema_classes_share_a_component_name():
    """Components are named after the class: two classes with one name would collapse into one."""
    by_name = {}
    for cls in set(schema_classes()):
        by_name.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    assert {name: where for name, where in by_name.items() if len(where) > 1} == {}


def test_every_operation_declares_the_errors_it_can_answer(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            declared = set(map(str, operation["responses"]))
            expected = {"400", "503"}
            if operation.get("security"):
                expected |= {"401", "403"}
            if "{" in path:
                expected |= {"404", "422"}
            if operation.get("parameters"):
                expected |= {"414"}  # gunicorn's answer to a URL too long (found by schema fuzzing)
            assert expected <= declared, (method, path, declared)


def test_error_answers_validate_against_the_declared_errors(client, document, db):
    """Secured operations answer 401 without a token, each as its declared 401 says."""
    checked = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not operation.get("security"):
                continue
            url = re.sub(r"\{[^}]+\}", "1", path)
            response = getattr(client, method)(url, content_type="application/json")
            assert response.status_code == 401, (method, url, response.content)
            answer_validator(document, path, method, 401).validate(response.json())
            checked += 1
    assert checked >= 15
