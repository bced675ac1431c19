"""A case member flags a case for the interdisciplinary team through the API."""

from __future__ import annotations

from engine.team.flags import team_flag


def test_a_case_member_flags_the_case_once_with_a_reason(api, case, people, db_session):
    assert api("sw_waw").post(f"/cases/{case.id}/team-flag", json={"reason": "x"}).status_code == 404
    refused = api("sw").post(f"/cases/{case.id}/team-flag", json={"reason": "  "})
    assert refused.status_code == 422 and "reason" in refused.get_json()["errors"]
    assert api("sw").post(f"/cases/{case.id}/team-flag", json={"reason": 5}).status_code == 422
    made = api("sw").post(f"/cases/{case.id}/team-flag", json={"reason": "Eviction next month"})
    assert made.status_code == 201
    body = made.get_json()
    assert (body["case_id"], body["reason"], body["set_by_id"]) == (case.id, "Eviction next month", people["sw"].id)
    db_session.expire_all()
    flag = team_flag(db_session, case.id)
    assert flag is not None and flag.reason == "Eviction next month"
    assert api("sw").post(f"/cases/{case.id}/team-flag", json={"reason": "again"}).status_code == 409
