"""Task endpoints: the inbox filters, a task with its form, claim, unclaim, assign, complete."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.errors import NotFound
from engine.instances.service import start_instance
from engine.tasks.models import HumanTask
from engine.tasks.service import get_task


@pytest.fixture
def parallel(db_session, deploy_fixture, people, case):
    """A case with open psychologist, lawyer tasks (due in 14 days) from the parallel diagnosis."""
    deploy_fixture("parallel.bpmn")
    instance = start_instance(db_session, people["sw"], "parallel_diagnosis", case=case).instance
    db_session.commit()
    return instance


def _task(db_session, instance, element):
    return db_session.scalar(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.element_id == element)
    )


def test_candidate_mine_and_all(api, db_session, parallel):
    psy_task = _task(db_session, parallel, "psy")
    page = api("psy").get("/tasks?assignment=candidate").get_json()
    assert [item["id"] for item in page["items"]] == [psy_task.id] and page["total"] == 1
    assert api("psy").get("/tasks").get_json()["total"] == 0  # mine by default: nothing claimed yet
    assert api("law_waw").get("/tasks?assignment=all").get_json()["total"] == 0
    everything = api("sup").get("/tasks?assignment=all").get_json()
    assert {item["element_id"] for item in everything["items"]} >= {"psy", "law"}


def test_all_lists_exactly_what_get_task_allows(api, db_session, parallel, people):
    for who in people:
        listed = {item["id"] for item in api(who).get("/tasks?assignment=all&limit=200").get_json()["items"]}
        for task in db_session.scalars(select(HumanTask)):
            try:
                get_task(db_session, people[who], task.id)
                visible = True
            except NotFound:
                visible = False
            if task.state == "open":
                assert (task.id in listed) == visible, (who, task.element_id)


def test_get_task_with_form_and_data(api, db_session, parallel):
    psy_task = _task(db_session, parallel, "psy")
    # A candidate not associated with the case sees a summary; taking the task shows the rest.
    summary = api("psy").get(f"/tasks/{psy_task.id}").get_json()
    assert summary["summary_only"] is True and "data" not in summary and "form" not in summary
    assert api("psy").post(f"/tasks/{psy_task.id}/claim").status_code == 200
    body = api("psy").get(f"/tasks/{psy_task.id}").get_json()
    assert body["form"]["required"] == ["note"] and body["form_key"] == "test/note"
    assert body["state"] == "open" and isinstance(body["data"], dict)
    assert body["due_at"] is not None and body["overdue"] is False


def test_foreign_tasks_are_404(api, db_session, parallel):
    psy_task = _task(db_session, parallel, "psy")
    assert api("law_waw").get(f"/tasks/{psy_task.id}").status_code == 404
    assert api("sup_waw").post(f"/tasks/{psy_task.id}/claim").status_code == 404
    assert api("psy").get("/tasks/999999999").status_code == 404
    assert api("psy").get("/tasks/99999999999999999999999999").status_code == 404


def test_claim_unclaim_and_their_conflicts(api, db_session, parallel):
    psy_task = _task(db_session, parallel, "psy")
    claimed = api("psy").post(f"/tasks/{psy_task.id}/claim")
    assert claimed.status_code == 200 and claimed.get_json()["assignee_id"] is not None
    assert api("psy").post(f"/tasks/{psy_task.id}/claim").status_code == 200  # idempotent for the holder
    assert [t["id"] for t in api("psy").get("/tasks").get_json()["items"]] == [psy_task.id]
    assert api("law").post(f"/tasks/{psy_task.id}/claim").status_code == 404  # not on the case, not their role
    assert api("sup").post(f"/tasks/{psy_task.id}/claim").status_code == 409  # someone holds it
    assert api("sw").post(f"/tasks/{psy_task.id}/unclaim").status_code == 403  # case manager, not holder
    released = api("psy").post(f"/tasks/{psy_task.id}/unclaim")
    assert released.status_code == 200 and released.get_json()["assignee_id"] is None


def test_claim_of_another_role_is_403(api, db_session, parallel):
    law_task = _task(db_session, parallel, "law")
    # The case manager sees every task of their case but may not take the lawyer's.
    assert api("sw").post(f"/tasks/{law_task.id}/claim").status_code == 403


def test_assign_is_for_supervisors(api, db_session, parallel, people):
    psy_task = _task(db_session, parallel, "psy")
    body = {"assignee_id": people["psy"].id}
    assert api("sw").post(f"/tasks/{psy_task.id}/assign", json=body).status_code == 403
    assert api("sup_waw").post(f"/tasks/{psy_task.id}/assign", json=body).status_code == 404
    wrong = api("sup").post(f"/tasks/{psy_task.id}/assign", json={"assignee_id": people["law"].id})
    assert wrong.status_code == 422 and "assignee_id" in wrong.get_json()["errors"]
    unknown = api("sup").post(f"/tasks/{psy_task.id}/assign", json={"assignee_id": 999999})
    assert unknown.status_code == 422
    for bad in ({}, {"assignee_id": "x"}, {"assignee_id": 2**70}, {"assignee_id": 1, "extra": 1}):
        answer = api("sup").post(f"/tasks/{psy_task.id}/assign", json=bad)
        assert answer.status_code == 422, bad
        assert answer.get_json()["errors"]
    assert (
        api("sup").post(f"/tasks/{psy_task.id}/assign", data="{nope", content_type="application/json").status_code
        == 400
    )
    assert api("sup").post(f"/tasks/{psy_task.id}/assign", json=[1]).status_code == 400
    done = api("sup").post(f"/tasks/{psy_task.id}/assign", json=body)
    assert done.status_code == 200 and done.get_json()["assignee_id"] == people["psy"].id


def test_complete_validates_and_runs_the_process(api, db_session, parallel, people):
    psy_task = _task(db_session, parallel, "psy")
    assert api("law").post(f"/tasks/{psy_task.id}/complete", json={"data": {"note": "x"}}).status_code == 404
    assert api("sw").post(f"/tasks/{psy_task.id}/complete", json={"data": {"note": "x"}}).status_code == 403
    bad = api("psy").post(f"/tasks/{psy_task.id}/complete", json={"data": {"note": ""}})
    assert bad.status_code == 422 and "note" in bad.get_json()["errors"]
    assert api("psy").post(f"/tasks/{psy_task.id}/complete", json={"data": "x"}).status_code == 422
    assert api("psy").post(f"/tasks/{psy_task.id}/complete", json={}).status_code == 422
    assert api("psy").post(f"/tasks/{psy_task.id}/complete").status_code == 400
    done = api("psy").post(f"/tasks/{psy_task.id}/complete", json={"data": {"note": "ok"}})
    assert done.status_code == 200
    body = done.get_json()
    assert body["task"]["state"] == "completed" and body["incident"] is None
    assert body["task"]["data"] == {"note": "ok"}
    again = api("psy").post(f"/tasks/{psy_task.id}/complete", json={"data": {"note": "ok"}})
    assert again.status_code == 409
    completed = api("psy").get("/tasks?state=completed").get_json()
    assert [t["id"] for t in completed["items"]] == [psy_task.id]


def test_filters_case_overdue_and_bad_values(api, db_session, parallel, case, frozen_later):
    assert api("sup").get(f"/tasks?assignment=all&case={case.id}").get_json()["total"] >= 2
    assert api("sup").get("/tasks?assignment=all&case=999999").get_json()["total"] == 0
    assert api("sup").get("/tasks?assignment=all&overdue=true").get_json()["total"] == 0
    with frozen_later(timedelta(days=15)):
        late = api("sup").get("/tasks?assignment=all&overdue=true").get_json()
        assert late["total"] == 1 and all(item["overdue"] for item in late["items"])
    for query in (
        "assignment=everything",
        "state=done",
        "case=abc",
        "case=0",
        "case=99999999999999999999999",
        "overdue=maybe",
        "limit=0",
        "limit=1000",
        "offset=-1",
        "limit=１",
    ):
        answer = api("sup").get(f"/tasks?{query}")
        assert answer.status_code == 422, query
        assert answer.get_json()["errors"], query


def test_pagination_totals(api, db_session, parallel):
    first = api("sup").get("/tasks?assignment=all&limit=1").get_json()
    second = api("sup").get("/tasks?assignment=all&limit=1&offset=1").get_json()
    assert first["total"] == second["total"] >= 2
    assert len(first["items"]) == len(second["items"]) == 1 and first["items"] != second["items"]
    beyond = api("sup").get("/tasks?assignment=all&offset=1000").get_json()
    assert beyond["items"] == [] and beyond["total"] == first["total"]


def test_psychological_records_are_withheld_from_other_roles(api, db_session, parallel):
    psy_task = _task(db_session, parallel, "psy")
    assert api("psy").post(f"/tasks/{psy_task.id}/complete", json={"data": {"note": "trauma"}}).status_code == 200
    own = api("psy").get(f"/tasks/{psy_task.id}").get_json()
    assert own["data"] == {"note": "trauma"} and own["data_withheld"] is False
    for who in ("sw", "sup"):  # the case manager and the supervisor see the task, not its content
        other = api(who).get(f"/tasks/{psy_task.id}").get_json()
        assert other["data"] == {} and other["data_withheld"] is True, who
