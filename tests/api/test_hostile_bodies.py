"""Bodies and URLs that once answered 500: deep JSON, lone surrogates, huge ids and profiles."""

from __future__ import annotations

import json

import pytest

NEW = {"beneficiary": {"given_names_latin": "Mariia", "family_name_latin": "Koval"}}


@pytest.fixture
def intake(deploy_fixture):
    return deploy_fixture("approval.bpmn")


def raw_post(api_client, path: str, text: str):  # type: ignore[no-untyped-def]
    return api_client.post(path, data=text.encode(), content_type="application/json", check=False)


@pytest.mark.parametrize("depth", [40, 500, 5000, 100_000])
def test_deeply_nested_json_is_a_400(api, intake, depth):
    nested = "[" * depth + "]" * depth
    body = '{"beneficiary": {"given_names_latin": "A", "family_name_latin": "B", "profile": {"x": ' + nested + "}}}"
    response = raw_post(api("sw"), "/cases", body)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"


def test_nesting_within_the_limit_is_read_and_judged_by_the_schema(api, intake):
    nested = {"a": {"b": {"c": [[1, 2], [3]]}}}
    response = api("sw").post("/cases", json={"beneficiary": NEW["beneficiary"] | {"notes": nested}}, check=False)
    # Past the depth check, the body is read; the schema refuses the unknown field by name.
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "beneficiary.notes" in response.get_json()["errors"]
    assert api("sw").post("/cases", json=NEW).status_code == 201


@pytest.mark.parametrize(
    "text",
    [
        '{"beneficiary": {"given_names_latin": "Sur\\ud800", "family_name_latin": "B"}}',
        '{"beneficiary": {"given_names_latin": "A", "family_name_latin": "\\udfff"}}',
        '{"beneficiary": {"given_names_latin": "A", "family_name_latin": "B", "profile": {"k\\ud800": 1}}}',
    ],
)
def test_a_lone_surrogate_in_text_is_a_422(api, intake, text):
    response = raw_post(api("sw"), "/cases", text)
    assert response.status_code == 422, response.get_data(as_text=True)
    errors = response.get_json()["errors"]
    assert any("surrogate" in message for message in errors.values()), errors


def test_a_big_unknown_field_is_refused(api, intake):
    notes = {"notes": "x" * (100 * 1024)}
    response = api("sw").post("/cases", json={"beneficiary": NEW["beneficiary"] | {"profile": notes}}, check=False)
    assert response.status_code == 422
    assert "beneficiary.profile" in response.get_json()["errors"]


def test_a_10_mb_profile_is_refused_before_it_is_read(api, intake):
    body = json.dumps({"beneficiary": NEW["beneficiary"] | {"profile": {"notes": "x" * (10 * 1024 * 1024)}}})
    response = raw_post(api("sw"), "/cases", body)
    assert response.status_code == 413


@pytest.mark.parametrize("case_id", [2**63, 2**63 - 1, 10**30])
def test_ids_beyond_a_bigint_are_not_found(api, case_id):
    response = api("sw").get(f"/cases/{case_id}", check=False)
    assert response.status_code == 404


@pytest.mark.parametrize("value", ["99999999999999999999", str(2**63), "-1", "abc"])
def test_query_numbers_out_of_range_are_a_4xx(api, value):
    for name in ("offset", "limit"):
        response = api("sw").get(f"/tasks?{name}={value}", check=False)
        assert 400 <= response.status_code < 500, (name, value, response.status_code)
