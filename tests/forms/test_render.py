"""Form schemas become field descriptors, and submitted flat fields become typed data again."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from forms.registry import FormRegistry
from forms.render import Field, add_row, build_fields, parse_form, remove_row
from forms.validation import validate_data
from tests.processes.samples import SAMPLES

REGISTRY = FormRegistry()
KEYS = sorted(REGISTRY.keys())


def flatten(fields: list[Field]) -> MultiDict[str, str]:
    """What a browser would send for the rendered fields with their current values."""
    out: MultiDict[str, str] = MultiDict()
    for f in fields:
        if f.widget in ("group", "list"):
            for row in f.rows:
                if f.widget == "group":
                    out.add(f"{row.name}-__row", "1")
                    for name, value in flatten(row.fields).items(multi=True):
                        out.add(name, value)
                else:
                    out.add(row.name, "" if row.fields[0].value is None else str(row.fields[0].value))
        elif f.widget == "checkboxes":
            for value in f.value or []:
                out.add(f.name, value)
        elif f.widget == "checkbox":
            if f.value:
                out.add(f.name, "1")
        else:
            out.add(f.name, "" if f.value is None else str(f.value))
    return out


def without_blanks(value: Any) -> Any:
    """Empty optional values may come back as null or not at all; compare the rest."""
    if isinstance(value, dict):
        return {k: without_blanks(v) for k, v in value.items() if v not in (None, [], "")}
    if isinstance(value, list):
        return [without_blanks(v) for v in value]
    return value


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("locale", ["pl", "en"])
def test_every_form_renders_with_labels(key: str, locale: str) -> None:
    schema = REGISTRY.load(key)
    fields = build_fields(schema, {}, locale)
    assert [f.key for f in fields] == (schema.get("x-order") or list(schema["properties"]))
    for f in fields:
        assert f.label and f.label != f.key
        for option in f.options:
            assert option.label


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_a_valid_sample_survives_the_round_trip(key: str) -> None:
    schema = REGISTRY.load(key)
    sample = SAMPLES[key]
    parsed = parse_form(schema, flatten(build_fields(schema, sample, "pl")))
    assert validate_data(schema, parsed) == {}
    assert without_blanks(parsed) == without_blanks(sample)


def test_filled_plan_with_repeated_goals_and_actions_round_trips() -> None:
    schema = REGISTRY.load("ipd/plan")
    form = MultiDict(
        [
            ("ipd_goals-0-__row", "1"),
            ("ipd_goals-0-goal_id", "G1"),
            ("ipd_goals-0-goal_area", "housing"),
            ("ipd_goals-0-goal", "Find a flat"),
            ("ipd_goals-0-target", "Signed lease"),
            ("ipd_goals-0-target_date", "2026-06-30"),
            ("ipd_goals-3-__row", "1"),  # a gap after rows removed in the browser
            ("ipd_goals-3-goal_id", "G2"),
            ("ipd_goals-3-goal_area", "polish_language"),
            ("ipd_goals-3-goal", "A2 level"),
            ("ipd_goals-3-target", "Certificate"),
            ("ipd_goals-3-target_date", "2026-12-31"),
            ("ipd_actions-0-__row", "1"),
            ("ipd_actions-0-action", "Rent subsidy application"),
            ("ipd_actions-0-goal_ref", "G1"),
            ("ipd_actions-0-responsible_type", "role"),
            ("ipd_actions-0-responsible_role", "social_worker"),
            ("ipd_actions-0-partner_institution", ""),
            ("ipd_actions-0-deadline", "2026-04-30"),
            ("ipd_actions-0-cost_line", "rent_subsidy"),
            ("ipd_actions-0-estimated_cost", "1 250,00"),
            ("ipd_actions-1-__row", "1"),
            ("ipd_actions-1-action", "Polish course"),
            ("ipd_actions-1-goal_ref", "G2"),
            ("ipd_actions-1-responsible_type", "partner"),
            ("ipd_actions-1-responsible_role", ""),
            ("ipd_actions-1-partner_institution", "CIC Lublin"),
            ("ipd_actions-1-deadline", "2026-09-30"),
            ("ipd_actions-1-cost_line", "none"),
            ("ipd_actions-1-estimated_cost", ""),
            ("ipd_obligations_beneficiary-0", "Attend Polish classes"),
            ("ipd_obligations_beneficiary-1", ""),
            ("ipd_obligations_beneficiary-2", "Register at the labour office"),
            ("ipd_obligations_organisation-0", "Pay the rent subsidy"),
            ("review_interval_months", "3"),
            ("plan_duration_months", "12"),
            ("ipd_language", "uk"),
        ]
    )
    data = parse_form(schema, form)
    assert validate_data(schema, data) == {}
    assert [g["goal_id"] for g in data["ipd_goals"]] == ["G1", "G2"]
    assert data["ipd_actions"][0]["estimated_cost"] == "1250.00"
    assert data["ipd_actions"][1]["responsible_role"] is None
    assert data["ipd_actions"][1]["estimated_cost"] is None
    assert data["ipd_obligations_beneficiary"] == ["Attend Polish classes", "Register at the labour office"]
    assert data["review_interval_months"] == 3

    again = parse_form(schema, flatten(build_fields(schema, data, "en")))
    assert again == data


def test_types_checkboxes_and_empty_optional_fields() -> None:
    schema = REGISTRY.load("intake/register")
    data = parse_form(
        schema,
        MultiDict(
            [
                ("given_names_latin", " Olena "),
                ("family_name_latin", "Kovalenko"),
                ("flags", "medical"),
                ("flags", "security"),
                ("phone", ""),
                ("household_members-0-__row", "1"),
                ("household_members-0-member_name", "Ivan"),
                ("household_members-0-age", "two"),
            ]
        ),
    )
    assert data["given_names_latin"] == "Olena"
    assert data["interpreter_needed"] is False  # an unchecked box is a "no"
    assert data["flags"] == ["medical", "security"]
    assert data["household_members"][0]["age"] == "two"  # kept as typed, so the page can show it
    problems = validate_data(schema, data)
    assert "household_members/0/age" in problems


def test_errors_and_values_land_on_their_fields() -> None:
    schema = REGISTRY.load("ipd/plan")
    data = {"ipd_goals": [{"goal_id": "X"}], "ipd_language": "uk"}
    errors = {"ipd_goals/0/goal_id": "wrong form", "ipd_goals/0/goal": "required"}
    fields = {f.key: f for f in build_fields(schema, data, "pl", errors)}
    goal_row = fields["ipd_goals"].rows[0]
    by_key = {f.key: f for f in goal_row.fields}
    assert by_key["goal_id"].value == "X"
    assert by_key["goal_id"].error == "wrong form"
    assert by_key["goal_id"].name == "ipd_goals-0-goal_id"
    assert by_key["goal"].error == "required"
    assert by_key["goal_area"].widget == "select"
    assert by_key["goal_area"].options[0].label == "Prawny"
    assert by_key["target_date"].widget == "date"
    assert fields["ipd_language"].value == "uk"
    assert fields["ipd_obligations_beneficiary"].widget == "list"
    assert len(fields["ipd_obligations_beneficiary"].rows) == 1  # one blank line to type into


def test_english_labels_and_help() -> None:
    fields = {f.key: f for f in build_fields(REGISTRY.load("ipd/plan"), {}, "en")}
    assert fields["ipd_goals"].label == "Goals"
    assert fields["review_interval_months"].help == "At least every 3 months"
    assert fields["review_interval_months"].required is True


def test_adding_and_removing_rows() -> None:
    schema = REGISTRY.load("ipd/plan")
    data: dict[str, object] = {"ipd_goals": [{"goal_id": "G1"}]}
    assert add_row(schema, data, "ipd_goals")
    assert add_row(schema, data, "ipd_obligations_beneficiary")
    assert data["ipd_goals"] == [{"goal_id": "G1"}, {}]
    assert data["ipd_obligations_beneficiary"] == [""]
    before = copy.deepcopy(data)
    assert not add_row(schema, data, "ipd_language")  # not a repeating field
    assert not remove_row(schema, data, "ipd_goals-7")
    assert data == before
    assert remove_row(schema, data, "ipd_goals-0")
    assert data["ipd_goals"] == [{}]
