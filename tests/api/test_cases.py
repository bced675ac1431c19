"""Case endpoints: open (and start the intake), list, show, timeline; record-level access."""

from __future__ import annotations

import pytest

from engine.cases.service import BeneficiaryInput, open_case

NEW = {"beneficiary": {"given_names_latin": "Mariia", "family_name_latin": "Koval", "date_of_birth": "1990-05-17"}}


@pytest.fixture
def intake(deploy_fixture):
    return deploy_fixture("approval.bpmn")  # the app's case process in these tests is four_eyes


def test_open_a_case_and_start_its_process(api, intake, people):
    response = api("sw").post("/cases", json=NEW)
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/cases/{body['id']}"
    assert body["case_manager_id"] == people["sw"].id and body["number"].startswith("LUB/")
    assert [i["process_id"] for i in body["instances"]] == ["four_eyes"]
    assert [t["element_id"] for t in body["open_tasks"]] == ["request"]
    assert api("sw").get(f"/cases/{body['id']}").status_code == 200


def test_a_possible_duplicate_is_a_conflict_unless_allowed(api, intake):
    assert api("sw").post("/cases", json=NEW).status_code == 201
    again = api("sw2").post("/cases", json=NEW)
    assert again.status_code == 409
    problem = again.get_json()
    assert problem["type"] == "urn:ipd:problem:possible-duplicate" and len(problem["duplicates"]) == 1
    assert api("sw").get("/cases").get_json()["total"] == 1  # nothing was kept
    assert api("sw2").post("/cases", json=NEW | {"allow_duplicates": True}).status_code == 201
    # Another office's register is separate.
    assert api("sw_waw").post("/cases", json=NEW).status_code == 201


def test_only_social_workers_and_supervisors_open_cases(api, intake, people):
    for who in ("psy", "law", "owner"):
        assert api(who).post("/cases", json=NEW).status_code == 403, who
    made = api("sup").post("/cases", json=NEW | {"case_manager_id": people["sw"].id})
    assert made.status_code == 201 and made.get_json()["case_manager_id"] == people["sw"].id


def test_case_input_errors_are_422_per_field(api, intake, people):
    cases = [
        ({"beneficiary": {"given_names_latin": "A"}}, "beneficiary.family_name_latin"),
        ({"beneficiary": {"given_names_latin": "A", "family_name_latin": "B", "pesel": "123"}}, "pesel"),
        ({"beneficiary": {"given_names_latin": "A", "family_name_latin": "B", "date_of_birth": "17.05.1990"}}, None),
        ({"beneficiary": {"given_names_latin": 1, "family_name_latin": "B"}}, "beneficiary.given_names_latin"),
        ({"beneficiary": {"given_names_latin": "A", "family_name_latin": "B"}, "case_manager_id": 999999}, None),
        (
            {"beneficiary": {"given_names_latin": "A", "family_name_latin": "B"}, "case_manager_id": people["psy"].id},
            None,
        ),
        ({"beneficiary": {"given_names_latin": "A", "family_name_latin": "B", "date_of_birth": "2999-01-01"}}, None),
        ({"beneficiary": "x"}, "beneficiary"),
        ({"beneficiary": {"given_names_latin": "A", "family_name_latin": "B"}, "unknown": 1}, "unknown"),
        ({}, "beneficiary"),
    ]
    for body, field in cases:
        response = api("sw").post("/cases", json=body)
        assert response.status_code == 422, body
        errors = response.get_json()["errors"]
        assert errors and (field is None or field in errors), (body, errors)
    assert api("sw").post("/cases", data="not json", content_type="application/json").status_code == 400
    assert api("sw").post("/cases").status_code == 400


def test_without_the_case_process_deployed_it_is_a_conflict(api):
    response = api("sw").post("/cases", json=NEW)
    assert response.status_code == 409 and "not deployed" in response.get_json()["detail"]


def test_record_level_access_across_roles_and_offices(api, db_session, intake, people):
    case_id = api("sw").post("/cases", json=NEW).get_json()["id"]
    assert api("sup").get(f"/cases/{case_id}").status_code == 200  # supervisor of the office
    for who in ("sw2", "psy", "law", "law_waw", "sup_waw", "admin"):
        assert api(who).get(f"/cases/{case_id}").status_code == 404, who
        assert api(who).get(f"/cases/{case_id}/events").status_code == 404, who
        assert case_id not in [c["id"] for c in api(who).get("/cases").get_json()["items"]], who
    assert api("sw").get("/cases/999999999").status_code == 404
    assert api("sw").get("/cases/123456789012345678901234567890").status_code == 404


def test_events_are_the_case_timeline(api, intake):
    case_id = api("sw").post("/cases", json=NEW).get_json()["id"]
    events = api("sw").get(f"/cases/{case_id}/events").get_json()
    kinds = [e["kind"] for e in events["items"]]
    assert kinds[0] == "case.opened" and "instance.started" in kinds
    assert events["total"] == len(kinds)
    page = api("sw").get(f"/cases/{case_id}/events?limit=1&offset=1").get_json()
    assert page["total"] == events["total"] and page["items"] == events["items"][1:2]
    assert api("sw").get(f"/cases/{case_id}/events?limit=abc").status_code == 422


def test_a_long_timeline_pages_by_keyset(api, intake, people):
    case_id = api("sw").post("/cases", json=NEW).get_json()["id"]
    everything = api("sw").get(f"/cases/{case_id}/events").get_json()["items"]
    assert len(everything) >= 2
    seen, after = [], None
    while True:
        query = f"?limit=1&after={after}" if after else "?limit=1"
        page = api("sw").get(f"/cases/{case_id}/events{query}").get_json()
        seen += page["items"]
        after = page["next_after"]
        if after is None:
            break
        assert after == page["items"][-1]["id"]
    assert seen == everything
    other = api("sw").post("/cases", json=NEW | {"allow_duplicates": True}).get_json()["id"]
    foreign = api("sw").get(f"/cases/{other}/events?after={everything[0]['id']}")
    assert foreign.status_code == 422 and "after" in foreign.get_json()["errors"]


def test_list_filters_and_totals(api, db_session, people):
    for index in range(3):
        open_case(db_session, people["sw"], BeneficiaryInput(given_names_latin=f"P{index}", family_name_latin="Q"))
    db_session.commit()
    everything = api("sw").get("/cases?limit=2").get_json()
    assert everything["total"] == 3 and len(everything["items"]) == 2
    assert api("sw").get("/cases?status=closed").get_json()["total"] == 0
    assert api("sw").get("/cases?status=open&offset=2").get_json()["items"][0]["beneficiary"]["given_names_latin"]
    assert api("sw").get("/cases?status=lost").status_code == 422
    assert api("sup").get("/cases").get_json()["total"] == 3
    assert api("sup_waw").get("/cases").get_json()["total"] == 0
