"""Every form in forms/ is a strict, bilingual JSON Schema that accepts good data and refuses bad data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from forms.registry import FormRegistry
from forms.validation import validate_data
from tests.processes.samples import SAMPLES, sample

MONEY_PATTERN = r"^\d{1,9}(\.\d{2})?$"
REGISTRY = FormRegistry()
KEYS = sorted(REGISTRY.keys())
WIDGETS = {"textarea", "radio", "select", "date", "money", "checkbox"}


def walk(schema: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield every (path, sub-schema) that describes a value: properties and array items, recursively."""
    yield path, schema
    for name, prop in schema.get("properties", {}).items():
        yield from walk(prop, f"{path}/{name}")
    if isinstance(schema.get("items"), dict):
        yield from walk(schema["items"], f"{path}[]")


def bilingual(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"pl", "en"}
        and all(isinstance(text, str) and text.strip() for text in value.values())
    )


def test_there_is_a_sample_for_every_form() -> None:
    assert KEYS, "no forms found"
    assert set(KEYS) == set(SAMPLES)


@pytest.mark.parametrize("key", KEYS)
def test_form_is_a_valid_schema(key: str) -> None:
    schema = REGISTRY.load(key)  # raises FormDefinitionError when not a valid draft 2020-12 schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert bilingual(schema["x-label"]), "the form needs a title in both languages"


@pytest.mark.parametrize("key", KEYS)
def test_every_field_and_choice_has_both_labels(key: str) -> None:
    for path, node in walk(REGISTRY.load(key)):
        if path and not path.endswith("[]"):
            assert bilingual(node.get("x-label")), f"{path}: x-label needs pl and en"
        if "x-help" in node:
            assert bilingual(node["x-help"]), f"{path}: x-help needs pl and en"
        if "x-widget" in node:
            assert node["x-widget"] in WIDGETS, f"{path}: unknown widget {node['x-widget']}"
        if "enum" in node:
            labels = node.get("x-enum-labels", {})
            for value in node["enum"]:
                if value is not None:
                    assert bilingual(labels.get(value)), f"{path}: enum value {value!r} needs pl and en labels"


@pytest.mark.parametrize("key", KEYS)
def test_objects_are_closed_and_ordered(key: str) -> None:
    for path, node in walk(REGISTRY.load(key)):
        if node.get("type") == "object":
            assert node.get("additionalProperties") is False, f"{path or '(form)'}: objects must be closed"
            assert node["x-order"] == list(node["properties"]), f"{path or '(form)'}: x-order lists every field"
            assert set(node["required"]) <= set(node["properties"])


@pytest.mark.parametrize("key", KEYS)
def test_money_is_an_exact_decimal_string(key: str) -> None:
    for path, node in walk(REGISTRY.load(key)):
        types = node.get("type")
        types = types if isinstance(types, list) else [types]
        assert "number" not in types, f"{path}: no floats in forms; money is a decimal string"
        if node.get("x-widget") == "money":
            assert "string" in types and node["pattern"] == MONEY_PATTERN, path


@pytest.mark.parametrize("key", KEYS)
def test_sample_is_valid_and_an_unknown_field_is_not(key: str) -> None:
    schema = REGISTRY.load(key)
    assert validate_data(schema, sample(key)) == {}
    problems = validate_data(schema, sample(key, surprise="x"))
    assert [problem.code for problem in problems.values()] == ["unknown_field"]


@pytest.mark.parametrize("key", KEYS)
def test_every_required_field_is_required(key: str) -> None:
    schema = REGISTRY.load(key)
    for name in schema["required"]:
        data = sample(key)
        del data[name]
        assert validate_data(schema, data)[name].code == "required"


def test_money_refuses_floats_and_fractions_of_grosze() -> None:
    schema = REGISTRY.load("material_aid/request")
    for bad in (150.0, "150.5", "150.001", "-1.00", "1,50"):
        assert "aid_amount" in validate_data(schema, sample("material_aid/request", aid_amount=bad)), bad
    assert validate_data(schema, sample("material_aid/request", aid_amount="150")) == {}


def test_intake_register_checks_dates_codes_and_household() -> None:
    schema = REGISTRY.load("intake/register")
    problems = validate_data(
        schema,
        sample(
            "intake/register",
            birth_date="04.03.1990",
            citizenship="Ukraine",
            pesel="123",
            flags=["medical", "unknown_flag"],
            household_members=[{"member_name": "Ivan", "relation": "cousin", "age": -1}],
        ),
    )
    assert problems["birth_date"].code == "format"
    assert problems["citizenship"].code in {"pattern", "max_length"}
    assert problems["pesel"].code in {"pattern", "min_length"}
    assert problems["flags/1"].code == "choice"
    assert problems["household_members/0/relation"].code == "choice"
    assert problems["household_members/0/age"].code == "minimum"


def test_intake_legal_status_uses_the_statuses_of_the_domain() -> None:
    schema = REGISTRY.load("intake/legal_status")
    assert schema["properties"]["legal_status"]["enum"] == [
        "applicant",
        "refugee",
        "subsidiary_protection",
        "family_reunification",
        "humanitarian_stay",
        "tolerated_stay",
        "trafficking_victim",
        "temporary_protection",
        "permanent_residence",
        "eu_long_term",
        "eu_citizen",
        "other",
    ]
    consent = {
        "purpose": "sharing_partners",
        "granted": True,
        "given_on": "2026-01-12",
        "consent_language": "uk",
        "interpreter_used": False,
        "partner_names": [],
    }
    problems = validate_data(schema, sample("intake/legal_status", consents=[consent]))
    assert problems["consents/0/partner_names"].code == "min_items"
    assert validate_data(schema, sample("intake/legal_status", diagnosis_areas=[]))["diagnosis_areas"].code == (
        "min_items"
    )


def test_approval_needs_a_comment_only_when_returning() -> None:
    schema = REGISTRY.load("ipd/approval")
    returned = {"ipd_approval_decision": "return", "ipd_approval_comment": None}
    assert "ipd_approval_comment" in validate_data(schema, returned)
    assert "ipd_approval_comment" in validate_data(schema, returned | {"ipd_approval_comment": ""})
    assert validate_data(schema, returned | {"ipd_approval_comment": "Add a housing goal."}) == {}
    assert validate_data(schema, {"ipd_approval_decision": "approve", "ipd_approval_comment": None}) == {}
    assert (
        validate_data(schema, {"ipd_approval_decision": "maybe", "ipd_approval_comment": None})[
            "ipd_approval_decision"
        ].code
        == "choice"
    )


def test_ipd_needs_goals_actions_and_a_responsible_party() -> None:
    schema = REGISTRY.load("ipd/plan")
    assert validate_data(schema, sample("ipd/plan", ipd_goals=[]))["ipd_goals"].code == "min_items"
    actions = sample("ipd/plan")["ipd_actions"]
    actions[0]["partner_institution"] = None  # a partner action without a partner
    actions[1]["cost_line"] = "taxi"
    problems = validate_data(schema, sample("ipd/plan", ipd_actions=actions, review_interval_months=6))
    assert "ipd_actions/0/partner_institution" in problems
    assert problems["ipd_actions/1/cost_line"].code == "choice"
    assert problems["review_interval_months"].code == "maximum"
    assert schema["properties"]["ipd_actions"]["items"]["properties"]["cost_line"]["enum"] == [
        "rent_subsidy",
        "material_aid",
        "nursery_fee",
        "travel_ticket",
        "course",
        "none",
    ]


def test_session_record_requires_duration_and_note_when_done() -> None:
    schema = REGISTRY.load("session/record")
    done = sample("session/record", session_duration_minutes=None, session_note=None)
    problems = validate_data(schema, done)
    assert {"session_duration_minutes", "session_note"} <= set(problems)
    planned = sample("session/record", session_status="planned", session_duration_minutes=None, session_note=None)
    assert validate_data(schema, planned) == {}


def test_subsidy_approval_needs_months_when_approving() -> None:
    schema = REGISTRY.load("housing/approval")
    problems = validate_data(schema, sample("housing/approval", subsidy_approved_months=None))
    assert "subsidy_approved_months" in problems
    rejected = {
        "subsidy_decision": "reject",
        "subsidy_approved_months": None,
        "subsidy_decision_comment": "Budget.",
    }
    assert validate_data(schema, rejected) == {}
