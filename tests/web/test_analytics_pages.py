"""The heat map page and its JSON: the scenario's figures, the office a supervisor may see, bad filters."""

from __future__ import annotations

from tests.engine import test_process_analytics
from tests.engine.test_process_analytics import walk_scenario

library = test_process_analytics.library
staff = test_process_analytics.staff


def _data(client, query: str = "") -> dict:  # type: ignore[no-untyped-def,type-arg]
    response = client.get(f"/analytics/processes/ipd_drafting/1/data{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_a_lublin_supervisor_sees_the_lublin_heat_map(client, login, db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    walk_scenario(db_session, staff)
    login(staff["sup"])
    assert 'href="/analytics/processes/ipd_drafting/1"' in client.get("/analytics/processes").get_data(as_text=True)
    page = client.get("/analytics/processes/ipd_drafting/1").get_data(as_text=True)
    assert 'class="bpmn-diagram heat-map"' in page and "legend-heat-very-high" in page
    assert "/static/js/heat-map.js" in page and "<script>" not in page  # no inline script under the CSP
    assert '<tr data-element="Task_approve_plan" class="heat-row-low"><td>' in page
    payload = _data(client)
    by_id = {e["element_id"]: e for e in payload["elements"]}
    assert (by_id["Task_draft_plan"]["median_hours"], by_id["Task_draft_plan"]["p90_hours"]) == (5.0, 8.0)
    assert (by_id["Task_approve_plan"]["waiting_now"], by_id["Task_approve_plan"]["heat"]) == (1, "low")
    assert by_id["Task_sign_plan"]["heat"] == "medium"  # 24 h is a full day
    assert {g["gateway_id"]: g["taken"] for g in payload["gateways"]}["Gateway_approved"] == {
        "Task_sign_plan": 2,
        "Task_draft_plan": 1,
    }
    assert 'id="Gateway_approved"' in payload["xml"]


def test_a_warsaw_supervisor_does_not_see_lublin_figures(client, login, db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    walk_scenario(db_session, staff)
    login(staff["sup_waw"])
    lublin = staff["sup"].office_id
    payload = _data(client, f"?office={lublin}")  # asking for Lublin still shows Warsaw
    assert {e["element_id"]: (e["completed"], e["median_hours"]) for e in payload["elements"]} == {
        "Task_draft_plan": (1, 100.0),
        "Task_approve_plan": (0, None),
    }
    assert payload["gateways"] == []
    page = client.get("/analytics/processes/ipd_drafting/1").get_data(as_text=True)
    assert 'class="analytics-office"' in page and '<select id="office"' not in page


def test_the_process_owner_filters_by_office_and_period(client, login, db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    walk_scenario(db_session, staff)
    login(staff["owner"])
    everyone = {e["element_id"]: e["completed"] for e in _data(client)["elements"]}
    assert everyone["Task_draft_plan"] == 5
    early = {e["element_id"]: e["completed"] for e in _data(client, "?from=2026-03-01&to=2026-03-03")["elements"]}
    assert early == {"Task_draft_plan": 1, "Task_approve_plan": 1, "Task_sign_plan": 1}
    page = client.get("/analytics/processes/ipd_drafting/1").get_data(as_text=True)
    assert '<select id="office" name="office">' in page


def test_bad_filters_get_field_errors_and_others_are_kept_out(client, login, db_session, library, staff) -> None:  # type: ignore[no-untyped-def]
    login(staff["owner"])
    response = client.get("/analytics/processes/ipd_drafting/1?from=yesterday&to=2026-01-01")
    assert response.status_code == 422 and "RRRR-MM-DD" in response.get_data(as_text=True)
    assert client.get("/analytics/processes/ipd_drafting/1/data?office=x").status_code == 422
    assert client.get("/analytics/processes/nope/1").status_code == 404
    client.post("/logout")
    login(staff["psy"])
    assert client.get("/analytics/processes/ipd_drafting/1").status_code == 403
    assert client.get("/analytics/processes/ipd_drafting/1/data").status_code == 403
