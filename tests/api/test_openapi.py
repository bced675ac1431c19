"""The OpenAPI document is valid 3.1, covers every route, and error answers are problem details."""

from __future__ import annotations

import re

from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator


def test_the_document_is_valid_openapi_3_1(openapi_document):
    validate(openapi_document, cls=OpenAPIV31SpecValidator)
    assert openapi_document["openapi"].startswith("3.1")
    assert openapi_document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_it_is_served_without_a_token(client, openapi_document):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json() == openapi_document


def test_every_route_is_documented_and_every_documented_path_exists(app, openapi_document):
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    documented = {(path, method) for path, item in openapi_document["paths"].items() for method in item}
    assert routes == documented


def test_every_operation_documents_its_errors_as_problems(openapi_document):
    for path, item in openapi_document["paths"].items():
        for method, operation in item.items():
            assert {"200", "201"} & set(operation["responses"]), (path, method)
            if operation.get("security") == []:
                continue
            assert "401" in operation["responses"], (path, method)
            for status, answer in operation["responses"].items():
                if int(status) >= 400:
                    assert "application/problem+json" in answer["content"], (path, method, status)


def test_unknown_urls_and_methods_answer_with_problems(api):
    missing = api("sw").get("/nothing-here")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert missing.get_json()["status"] == 404
    wrong = api("sw").request("DELETE", "/cases", check=False)
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"
    assert "GET" in wrong.headers["Allow"]


def test_problem_details_shape(api):
    body = api("sw").get("/cases/424242").get_json()
    assert body["type"] == "about:blank" and body["title"] == "Not Found" and body["status"] == 404
    assert body["instance"] == "/api/v1/cases/424242" and "detail" in body


def test_nul_characters_are_refused_not_stored(api, deploy_fixture):
    deploy_fixture("approval.bpmn")
    body = {"beneficiary": {"given_names_latin": "A\u0000", "family_name_latin": "B", "profile": {"k": ["\u0000"]}}}
    response = api("sw").post("/cases", json=body)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"beneficiary.given_names_latin", "beneficiary.profile.k[0]"}
    assert api("owner").get("/process-definitions/a%00b/versions").status_code == 404
